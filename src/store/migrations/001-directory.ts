// Migration 001: the directory, devices, keys, CDR, recordings, event log and
// webhook outbox. Written once with Kysely's schema builder for both dialects;
// the only difference is how an auto-increment key is spelled.
import { sql, type Kysely, type CreateTableBuilder } from 'kysely';
import type { SqlDialectName } from '../dialect.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are written against an untyped schema on purpose: they must not change when the TS types do */
type Table = CreateTableBuilder<any, any>;

export function migration001(dialect: SqlDialectName) {
  const serial = (t: Table, name = 'id'): Table =>
    dialect === 'postgres' ? t.addColumn(name, 'serial', (c) => c.primaryKey()) : t.addColumn(name, 'integer', (c) => c.primaryKey().autoIncrement());
  const bigSerial = (t: Table, name: string): Table =>
    dialect === 'postgres' ? t.addColumn(name, 'bigserial', (c) => c.primaryKey()) : t.addColumn(name, 'integer', (c) => c.primaryKey().autoIncrement());
  const str = (t: Table, name: string): Table => t.addColumn(name, 'text', (c) => c.notNull().defaultTo(''));
  const int = (t: Table, name: string, def = 0): Table => t.addColumn(name, 'integer', (c) => c.notNull().defaultTo(def));
  const stamp = (t: Table, name: string): Table => t.addColumn(name, 'text', (c) => c.notNull());
  const optStamp = (t: Table, name: string): Table => t.addColumn(name, 'text');
  const strs = (t: Table, ...names: string[]): Table => names.reduce(str, t);
  const ints = (t: Table, ...names: string[]): Table => names.reduce((acc, n) => int(acc, n), t);
  const stamps = (t: Table): Table => stamp(stamp(t, 'created_at'), 'updated_at');
  const ref = (t: Table, name: string, target: string, onDelete: 'cascade' | 'restrict' = 'cascade'): Table =>
    t.addColumn(name, 'text', (c) => c.notNull().references(target).onDelete(onDelete));
  const intRef = (t: Table, name: string, target: string, onDelete: 'cascade' | 'restrict' = 'cascade'): Table =>
    t.addColumn(name, 'integer', (c) => c.notNull().references(target).onDelete(onDelete));

  return {
    async up(db: Kysely<any>): Promise<void> {
      const s = db.schema;
      let t: Table = s.createTable('extensions').addColumn('number', 'text', (c) => c.primaryKey());
      t = strs(t, 'first_name', 'last_name', 'email', 'mobile', 'outbound_caller_id', 'auth_id', 'auth_password');
      t = int(t, 'enabled', 1);
      t = int(t, 'allow_external', 1);
      t = t.addColumn('recording', 'text', (c) => c.notNull().defaultTo('off'));
      t = t.addColumn('forwarding_profile', 'text', (c) => c.notNull().defaultTo('Available'));
      t = str(t, 'forwarding_message');
      t = ints(t, 'dnd', 'queue_global_logged_in', 'deliver_audio', 'support_reinvite', 'support_replaces');
      t = int(t, 'no_answer_timeout', 20);
      t = ints(t, 'vm_enabled');
      t = str(t, 'vm_pin');
      t = ints(t, 'vm_email', 'vm_play_caller_id', 'vm_play_date_time');
      t = str(t, 'sip_id');
      await stamps(t).execute();
      await s.createIndex('extensions_auth_id').unique().on('extensions').column('auth_id').execute();

      t = ref(s.createTable('forwarding_rules'), 'extension', 'extensions.number');
      t = strs(t, 'profile', 'condition', 'dest_type', 'dest_number');
      await t.addPrimaryKeyConstraint('forwarding_rules_pk', ['extension', 'profile', 'condition']).execute();

      t = serial(s.createTable('devices'));
      t = ref(t, 'extension', 'extensions.number');
      t = strs(t, 'contact', 'aor', 'user_agent', 'source_address');
      t = int(t, 'source_port');
      t = strs(t, 'transport', 'call_id');
      t = int(t, 'cseq');
      t = str(t, 'instance_id');
      t = stamp(stamp(stamp(t, 'expires_at'), 'registered_at'), 'last_seen_at');
      t = int(t, 'reachable', 1);
      await str(t, 'node').addUniqueConstraint('devices_binding', ['extension', 'contact']).execute();

      t = serial(s.createTable('extension_groups'));
      t = t.addColumn('name', 'text', (c) => c.notNull().unique());
      await stamp(t, 'created_at').execute();
      t = intRef(s.createTable('extension_group_members'), 'group_id', 'extension_groups.id');
      t = ref(t, 'extension', 'extensions.number');
      await int(t, 'role').addPrimaryKeyConstraint('extension_group_members_pk', ['group_id', 'extension']).execute();

      t = s.createTable('ring_groups').addColumn('number', 'text', (c) => c.primaryKey());
      t = strs(t, 'name');
      t = t.addColumn('strategy', 'text', (c) => c.notNull().defaultTo('ringAll'));
      t = int(t, 'ring_time', 20);
      t = strs(t, 'no_answer_type', 'no_answer_number');
      await stamps(t).execute();
      t = ref(s.createTable('ring_group_members'), 'ring_group', 'ring_groups.number');
      t = ref(t, 'extension', 'extensions.number');
      await int(t, 'position').addPrimaryKeyConstraint('ring_group_members_pk', ['ring_group', 'extension']).execute();

      t = s.createTable('queues').addColumn('number', 'text', (c) => c.primaryKey());
      t = strs(t, 'name');
      t = t.addColumn('polling_strategy', 'text', (c) => c.notNull().defaultTo('ringAll'));
      t = int(t, 'ring_timeout', 20);
      t = int(t, 'master_timeout', 300);
      t = int(t, 'wrap_up_time', 0);
      t = int(t, 'max_callers', 0);
      t = int(t, 'announcement_interval', 0);
      t = ints(t, 'announce_position', 'intro_enabled');
      t = strs(t, 'intro_file', 'music_on_hold', 'no_answer_type', 'no_answer_number');
      await stamps(t).execute();
      t = ref(s.createTable('queue_agents'), 'queue', 'queues.number');
      t = ref(t, 'extension', 'extensions.number');
      t = int(t, 'logged_in', 1);
      await int(t, 'position').addPrimaryKeyConstraint('queue_agents_pk', ['queue', 'extension']).execute();
      t = ref(s.createTable('queue_managers'), 'queue', 'queues.number');
      await ref(t, 'extension', 'extensions.number').addPrimaryKeyConstraint('queue_managers_pk', ['queue', 'extension']).execute();

      t = s.createTable('ivrs').addColumn('number', 'text', (c) => c.primaryKey());
      t = strs(t, 'name', 'prompt');
      t = int(t, 'timeout', 10);
      t = int(t, 'max_retries', 3);
      t = strs(t, 'timeout_type', 'timeout_number', 'invalid_type', 'invalid_number');
      await stamps(t).execute();
      t = ref(s.createTable('ivr_options'), 'ivr', 'ivrs.number');
      t = strs(t, 'digit', 'dest_type', 'dest_number');
      await t.addPrimaryKeyConstraint('ivr_options_pk', ['ivr', 'digit']).execute();

      t = serial(s.createTable('trunks'));
      t = t.addColumn('name', 'text', (c) => c.notNull().unique());
      t = str(t, 'host');
      t = int(t, 'port', 5060);
      t = t.addColumn('transport', 'text', (c) => c.notNull().defaultTo('udp'));
      t = strs(t, 'username', 'auth_id', 'password');
      t = int(t, 'register');
      t = int(t, 'register_expires', 3600);
      t = t.addColumn('inbound_ips', 'text', (c) => c.notNull().defaultTo('[]'));
      t = str(t, 'main_number');
      t = int(t, 'max_channels', 0);
      t = int(t, 'enabled', 1);
      await stamps(t).execute();

      t = serial(s.createTable('outbound_rules'));
      t = t.addColumn('name', 'text', (c) => c.notNull().unique());
      t = t.addColumn('priority', 'integer', (c) => c.notNull().unique());
      t = strs(t, 'prefix', 'number_length');
      t = t.addColumn('ext_ranges', 'text', (c) => c.notNull().defaultTo('[]'));
      t = t.addColumn('ext_groups', 'text', (c) => c.notNull().defaultTo('[]'));
      await stamps(t).execute();
      t = intRef(s.createTable('outbound_rule_routes'), 'rule_id', 'outbound_rules.id');
      t = int(t, 'position');
      t = intRef(t, 'trunk_id', 'trunks.id', 'restrict');
      t = int(t, 'strip');
      t = strs(t, 'prepend', 'caller_id');
      await t.addPrimaryKeyConstraint('outbound_rule_routes_pk', ['rule_id', 'position']).execute();

      t = serial(s.createTable('inbound_rules'));
      t = t.addColumn('name', 'text', (c) => c.notNull().unique());
      t = t.addColumn('trunk_id', 'integer', (c) => c.references('trunks.id').onDelete('restrict'));
      t = str(t, 'did');
      t = t.addColumn('office_hours', 'text', (c) => c.notNull().defaultTo('{}'));
      t = strs(t, 'in_hours_type', 'in_hours_number', 'out_of_hours_type', 'out_of_hours_number');
      await stamps(t).execute();

      t = serial(s.createTable('contacts'));
      t = strs(t, 'first_name', 'last_name', 'company', 'crm_contact_data', 'tag');
      t = strs(t, 'mobile', 'mobile2', 'home', 'home2', 'business', 'business2', 'email', 'other', 'business_fax', 'home_fax', 'pager');
      await stamps(t).execute();

      t = s.createTable('parameters').addColumn('name', 'text', (c) => c.primaryKey());
      t = strs(t, 'value', 'description');
      t = t.addColumn('type', 'text', (c) => c.notNull().defaultTo('string'));
      await stamp(t, 'updated_at').execute();

      t = s.createTable('api_keys').addColumn('id', 'text', (c) => c.primaryKey());
      t = strs(t, 'label', 'role');
      t = t.addColumn('hash', 'text', (c) => c.notNull().unique());
      t = t.addColumn('extension', 'text');
      await optStamp(optStamp(stamp(t, 'created_at'), 'last_used_at'), 'revoked_at').execute();

      t = serial(s.createTable('cdr'));
      t = t.addColumn('uniqueid', 'text', (c) => c.notNull().unique());
      t = str(t, 'call_id');
      t = stamp(t, 'started_at');
      t = optStamp(t, 'answered_at');
      t = stamp(t, 'ended_at');
      t = strs(t, 'src', 'dst', 'clid', 'channel', 'dst_channel', 'last_app', 'last_data');
      t = ints(t, 'duration', 'billsec');
      t = strs(t, 'disposition', 'direction', 'did', 'trunk');
      t = t.addColumn('cost', 'integer');
      t = str(t, 'zone');
      await t.addColumn('recording_id', 'text').execute();
      await s.createIndex('cdr_started_at').on('cdr').column('started_at').execute();

      t = s.createTable('recordings').addColumn('id', 'text', (c) => c.primaryKey());
      t = strs(t, 'call_id', 'cdr_uniqueid');
      t = t.addColumn('participants', 'text', (c) => c.notNull().defaultTo('[]'));
      t = stamp(t, 'started_at');
      t = ints(t, 'duration_ms', 'size');
      t = strs(t, 'format', 'path');
      t = t.addColumn('token', 'text', (c) => c.notNull().unique());
      await stamp(optStamp(t, 'revoked_at'), 'created_at').execute();

      t = bigSerial(s.createTable('events'), 'seq');
      t = str(t, 'type');
      t = stamp(t, 'at');
      await t.addColumn('payload', 'text', (c) => c.notNull().defaultTo('{}')).execute();

      t = serial(s.createTable('webhook_subscriptions'));
      t = str(t, 'url');
      t = t.addColumn('events', 'text', (c) => c.notNull().defaultTo('[]'));
      t = str(t, 'secret');
      t = int(t, 'enabled', 1);
      await stamp(t, 'created_at').execute();

      t = serial(s.createTable('webhook_outbox'));
      t = t.addColumn('subscription_id', 'integer', (c) => c.references('webhook_subscriptions.id').onDelete('set null'));
      t = strs(t, 'url', 'event_type', 'content_type', 'body');
      t = t.addColumn('headers', 'text', (c) => c.notNull().defaultTo('{}'));
      t = t.addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'));
      t = int(t, 'attempts');
      t = stamp(t, 'next_attempt_at');
      t = strs(t, 'last_error', 'lease_owner');
      t = optStamp(t, 'lease_until');
      await optStamp(stamp(t, 'created_at'), 'delivered_at').execute();
      await s.createIndex('webhook_outbox_due').on('webhook_outbox').columns(['status', 'next_attempt_at']).execute();
      await sql`select 1`.execute(db);
    },
  };
}
