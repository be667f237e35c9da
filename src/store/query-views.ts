// The tables a read-only SQL query may see (seed 000 `query`): safe columns of
// the store, copied into a private in-memory database for each query. Secrets
// (SIP and trunk passwords, voicemail PINs, API key hashes, webhook secrets,
// parameters) are never copied, so no query can reach them.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** Exposed table → its columns, snake_case as in SQL. */
export const QUERY_VIEWS: Record<string, { table: keyof Database & string; columns: string[] }> = {
  extensions: {
    table: 'extensions',
    columns: ['number', 'first_name', 'last_name', 'email', 'mobile', 'outbound_caller_id', 'auth_id', 'enabled', 'allow_external', 'recording', 'forwarding_profile', 'forwarding_message', 'dnd', 'queue_global_logged_in', 'no_answer_timeout', 'vm_enabled', 'created_at', 'updated_at'],
  },
  extension_groups: { table: 'extensionGroups', columns: ['id', 'name', 'created_at'] },
  extension_group_members: { table: 'extensionGroupMembers', columns: ['group_id', 'extension', 'role'] },
  ring_groups: { table: 'ringGroups', columns: ['number', 'name', 'strategy', 'ring_time', 'no_answer_type', 'no_answer_number'] },
  ring_group_members: { table: 'ringGroupMembers', columns: ['ring_group', 'extension', 'position'] },
  queues: { table: 'queues', columns: ['number', 'name', 'polling_strategy', 'ring_timeout', 'master_timeout', 'wrap_up_time', 'max_callers', 'no_answer_type', 'no_answer_number'] },
  queue_agents: { table: 'queueAgents', columns: ['queue', 'extension', 'logged_in', 'position'] },
  queue_managers: { table: 'queueManagers', columns: ['queue', 'extension'] },
  ivrs: { table: 'ivrs', columns: ['number', 'name', 'prompt'] },
  trunks: { table: 'trunks', columns: ['id', 'name', 'host', 'port', 'transport', 'main_number', 'enabled'] },
  contacts: {
    table: 'contacts',
    columns: ['id', 'first_name', 'last_name', 'company', 'crm_contact_data', 'tag', 'mobile', 'mobile2', 'home', 'home2', 'business', 'business2', 'email', 'other', 'business_fax', 'home_fax', 'pager', 'created_at', 'updated_at'],
  },
  cdr: {
    table: 'cdr',
    columns: ['id', 'uniqueid', 'call_id', 'started_at', 'answered_at', 'ended_at', 'src', 'dst', 'clid', 'channel', 'dst_channel', 'last_app', 'last_data', 'duration', 'billsec', 'disposition', 'direction', 'did', 'trunk', 'recording_id'],
  },
  recordings: { table: 'recordings', columns: ['id', 'call_id', 'cdr_uniqueid', 'participants', 'started_at', 'duration_ms', 'size', 'format'] },
};

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

export interface SnapshotTable {
  columns: string[];
  rows: unknown[][];
}

/** Reads the exposed columns of every view (Kysely's CamelCasePlugin maps the names). */
export async function readQuerySnapshot(db: Kysely<Database>): Promise<Record<string, SnapshotTable>> {
  const out: Record<string, SnapshotTable> = {};
  /* eslint-disable @typescript-eslint/no-explicit-any -- generic over the exposed tables */
  const any = db as unknown as Kysely<any>;
  for (const [name, v] of Object.entries(QUERY_VIEWS)) {
    const fields = v.columns.map(camel);
    const rows = (await any.selectFrom(v.table).select(fields).execute()) as Record<string, unknown>[];
    out[name] = { columns: v.columns, rows: rows.map((r) => fields.map((f) => normalise(r[f]))) };
  }
  return out;
}

/** SQLite stores what it is given: JSON and dates as text, booleans as 0/1. */
function normalise(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}
