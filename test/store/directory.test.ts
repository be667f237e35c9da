import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/index.ts';
import { PbxError } from '../../src/core/errors.ts';
import { DATABASES, type TestDatabase } from '../helpers/databases.ts';

async function rejects(p: Promise<unknown>, code: string): Promise<PbxError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PbxError, `expected PbxError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

for (const [name, make] of DATABASES) {
  describe(`store on ${name}`, () => {
    let tdb: TestDatabase;
    let store: Store;
    before(async () => {
      tdb = await make();
      store = await Store.open(tdb.url);
      const report = await store.migrate();
      assert.deepEqual(report.applied, ['001-directory', '002-directory-version', '003-open-calls', '004-webhooks', '005-sms', '007-route-points', '010-device-path', '011-voicemail', '012-queue-service-level', '015-cluster-leases', '017-trunk-dns-srv', '018-voicemail-notified', '019-open-calls-node', '020-call-ids']);
    });
    after(async () => {
      await store.close();
      await tdb.drop();
    });

    it('migrations are idempotent and readiness reports them', async () => {
      const again = await store.migrate();
      assert.deepEqual(again.applied, []);
      assert.deepEqual(again.current, ['001-directory', '002-directory-version', '003-open-calls', '004-webhooks', '005-sms', '007-route-points', '010-device-path', '011-voicemail', '012-queue-service-level', '015-cluster-leases', '017-trunk-dns-srv', '018-voicemail-notified', '019-open-calls-node', '020-call-ids']);
      assert.equal(await store.ready(), true);
    });

    it('creates extensions with defaults and a generated SIP password', async () => {
      const e = await store.extensions.create({ number: '101', firstName: 'Anna' });
      assert.equal(e.number, '101');
      assert.equal(e.authId, '101');
      assert.equal(typeof e.authPassword, 'string');
      assert.ok((e.authPassword as string).length >= 12);
      assert.equal(e.enabled, true);
      assert.equal(e.recording, 'off');
      assert.deepEqual(e.forwarding, []);
      await store.extensions.create({ number: '102', lastName: 'Kowalski' });
      await store.extensions.create({ number: '103' });
      const withoutSecret = await store.extensions.get('101');
      assert.equal(withoutSecret.authPassword, undefined, 'secrets are hidden unless asked for');
    });

    it('lists with paging, filters and search', async () => {
      const page = await store.extensions.list({ limit: 2, offset: 1 });
      assert.equal(page.total, 3);
      assert.deepEqual(page.items.map((e) => e.number), ['102', '103']);
      const found = await store.extensions.list({ q: 'kowal' });
      assert.deepEqual(found.items.map((e) => e.number), ['102']);
      await store.extensions.patch('103', { enabled: false });
      const disabled = await store.extensions.list({ filters: { enabled: 'false' } });
      assert.deepEqual(disabled.items.map((e) => e.number), ['103']);
    });

    it('one number space: a queue cannot take an extension number', async () => {
      await rejects(store.queues.create({ number: '101' }), 'SB_CONFLICT');
      await rejects(store.extensions.create({ number: '101' }), 'SB_CONFLICT');
    });

    it('ring groups, queues and IVRs keep their members and destinations', async () => {
      const rg = await store.ringGroups.create({ number: '600', strategy: 'hunt', members: ['102', '101'], noAnswer: { type: 'extension', number: '103' } });
      assert.deepEqual(rg.members, ['102', '101']);
      assert.deepEqual(rg.noAnswer, { type: 'extension', number: '103' });
      const q = await store.queues.create({ number: '800', agents: [{ extension: '101', loggedIn: true }, { extension: '102', loggedIn: false }], managers: ['103'] });
      assert.deepEqual(q.agents, [{ extension: '101', loggedIn: true }, { extension: '102', loggedIn: false }]);
      const ivr = await store.ivrs.create({ number: '700', options: [{ digit: '1', destination: { type: 'extension', number: '800' } }, { digit: '9', destination: { type: 'extension', number: '700' } }] });
      assert.equal((ivr.options as unknown[]).length, 2);
      const patched = await store.queues.patch('800', { agents: [{ extension: '103', loggedIn: true }] });
      assert.deepEqual(patched.agents, [{ extension: '103', loggedIn: true }]);
      assert.deepEqual(patched.managers, ['103'], 'children not in the patch stay');
    });

    it('rejects dangling references and changes nothing', async () => {
      const before = await store.queues.get('800');
      await rejects(store.queues.patch('800', { agents: [{ extension: '103', loggedIn: true }, { extension: '999', loggedIn: true }] }), 'SB_BAD_REFERENCE');
      assert.deepEqual(await store.queues.get('800'), before);
      await rejects(store.ringGroups.create({ number: '601', members: ['555'] }), 'SB_BAD_REFERENCE');
      assert.equal(await store.ringGroups.find('601'), undefined);
      await rejects(store.outboundRules.create({ name: 'x', priority: 1, routes: [{ trunkId: 42, strip: 0, prepend: '', callerId: '' }] }), 'SB_BAD_REFERENCE');
      await rejects(store.inboundRules.create({ name: 'x', inHours: { type: 'extension', number: '4444' } }), 'SB_BAD_REFERENCE');
    });

    it('refuses to delete a number that is still a destination, cascades memberships', async () => {
      await rejects(store.extensions.remove('103'), 'SB_IN_USE');
      await store.extensions.remove('102');
      const rg = await store.ringGroups.get('600');
      assert.deepEqual(rg.members, ['101'], 'a deleted extension leaves its groups');
    });

    it('outbound rules: unique priority, up to five routes in order, trunk in use', async () => {
      const t = await store.trunks.create({ name: 'Provider', host: 'sip.example.net', password: 'pw', inboundIps: ['192.0.2.10'] });
      assert.equal(t.password, 'pw');
      assert.deepEqual(t.inboundIps, ['192.0.2.10']);
      const r = await store.outboundRules.create({ name: 'Mobile', priority: 10, prefix: '0', routes: [{ trunkId: t.id, strip: 1, prepend: '+48', callerId: '' }] });
      assert.deepEqual(r.routes, [{ trunkId: t.id, strip: 1, prepend: '+48', callerId: '' }]);
      await rejects(store.outboundRules.create({ name: 'Other', priority: 10 }), 'SB_CONFLICT');
      await rejects(store.outboundRules.create({ name: 'Mobile', priority: 11 }), 'SB_CONFLICT');
      await rejects(store.trunks.remove(t.id as number), 'SB_IN_USE');
    });

    it('contacts, parameters, extension groups', async () => {
      const c = await store.contacts.create({ firstName: 'Jan', mobile: '+48600100200', pager: '123' });
      assert.equal(c.pager, '123');
      assert.equal(c.home, '');
      const p = await store.parameters.create({ name: 'MAX_CALLS', value: '10' });
      assert.equal(p.value, '10');
      await rejects(store.parameters.create({ name: 'MAX_CALLS', value: '11' }), 'SB_CONFLICT');
      const g = await store.extensionGroups.create({ name: 'Sales', members: [{ extension: '101', role: 3 }] });
      assert.deepEqual(g.members, [{ extension: '101', role: 3 }]);
      await rejects(store.extensionGroups.create({ name: 'Sales' }), 'SB_CONFLICT');
    });

    it('API keys are stored hashed and can be revoked', async () => {
      const k = await store.keys.create('read', 'dashboard');
      const rows = await store.db.selectFrom('apiKeys').selectAll().execute();
      assert.ok(rows.every((r) => !r.hash.includes(k.key) && r.hash !== k.key), 'the key itself is not stored');
      assert.equal((await store.keys.verify(k.key))?.role, 'read');
      assert.equal(await store.keys.verify(k.key + 'x'), undefined);
      await store.keys.revoke(k.id);
      assert.equal(await store.keys.verify(k.key), undefined);
    });

    it('a key revoked over another connection (the CLI, another node) is refused from the next turn of the event loop', async () => {
      const k = await store.keys.create('read', 'elsewhere');
      // The requests of one turn share one read of the key.
      const [a, b] = await Promise.all([store.keys.verify(k.key), store.keys.verify(k.key)]);
      assert.equal(a?.id, k.id);
      assert.equal(b, a);
      const other = await Store.open(tdb.url);
      try {
        await other.keys.revoke(k.id);
      } finally {
        await other.close();
      }
      await new Promise(setImmediate);
      assert.equal(await store.keys.verify(k.key), undefined);
    });

    it('event log appends with increasing sequence numbers and replays', async () => {
      const seen: number[] = [];
      const off = store.events.subscribe((e) => seen.push(e.seq));
      const a = await store.events.append('directory.changed', { entity: 'extension', action: 'created', key: '101' });
      const b = await store.events.append('directory.changed', { entity: 'extension', action: 'deleted', key: '101' });
      off();
      assert.ok(b.seq > a.seq);
      assert.deepEqual(seen, [a.seq, b.seq]);
      const replay = await store.events.since(a.seq);
      assert.deepEqual(replay.map((e) => e.seq), [b.seq]);
      assert.deepEqual(replay[0]?.payload, { entity: 'extension', action: 'deleted', key: '101' });
    });
  });
}
