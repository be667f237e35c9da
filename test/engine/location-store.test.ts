// The location service: new bindings are written before the registrar answers,
// refreshes of an unchanged binding are written behind and flushed, removals
// at once, and a reload after a restart brings back what has not expired.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/index.ts';
import { LocationStore } from '../../src/engine/registrations/location-store.ts';
import type { Binding } from '../../src/sip/registrar/location-service.ts';
import { DATABASES, type TestDatabase } from '../helpers/databases.ts';

const binding = (over: Partial<Binding> = {}): Binding => ({
  extension: '101',
  contact: 'sip:101@192.0.2.5:5062',
  contactHeader: '<sip:101@192.0.2.5:5062>',
  expiresAt: Date.now() + 60_000,
  callId: 'c1',
  cseq: 1,
  userAgent: 'Phone/1.0',
  flow: { protocol: 'udp', localAddress: '127.0.0.1', localPort: 5060, remoteAddress: '192.0.2.5', remotePort: 5062 },
  instanceId: '',
  reachable: true,
  registeredAt: Date.now(),
  ...over,
});

for (const [name, make] of DATABASES) {
  describe(`location store on ${name}`, () => {
    let tdb: TestDatabase;
    let store: Store;
    before(async () => {
      tdb = await make();
      store = await Store.open(tdb.url);
      await store.migrate();
      await store.extensions.create({ number: '101' });
    });
    after(async () => {
      await store.close();
      await tdb.drop();
    });

    const row = () => store.db.selectFrom('devices').selectAll().where('extension', '=', '101').executeTakeFirst();

    it('writes a new binding at once and announces it', async () => {
      const loc = new LocationStore(store);
      await loc.save(binding());
      assert.equal((await row())?.userAgent, 'Phone/1.0');
      const events = await store.events.since(0);
      assert.ok(events.some((e) => e.type === 'device.registered'));
    });

    it('writes a plain refresh behind, on flush', async () => {
      const loc = new LocationStore(store);
      await loc.load();
      const later = Date.now() + 3_600_000;
      await loc.save(binding({ expiresAt: later, cseq: 2 }));
      assert.equal(loc.bindings('101')[0]?.expiresAt, later, 'memory is current at once');
      assert.notEqual((await row())?.cseq, 2, 'the database waits');
      await loc.flush();
      assert.equal((await row())?.cseq, 2);
      assert.equal((await row())?.expiresAt, new Date(later).toISOString());
    });

    it('writes a moved device at once', async () => {
      const loc = new LocationStore(store);
      await loc.load();
      await loc.save(binding({ flow: { protocol: 'udp', localAddress: '127.0.0.1', localPort: 5060, remoteAddress: '198.51.100.7', remotePort: 40000 }, cseq: 3 }));
      assert.equal((await row())?.sourceAddress, '198.51.100.7');
    });

    it('reloads what has not expired, drops what has, removes at once', async () => {
      const loc = new LocationStore(store);
      await loc.save(binding({ contact: 'sip:101@192.0.2.9', contactHeader: '<sip:101@192.0.2.9>', expiresAt: Date.now() - 1000 }));
      const fresh = new LocationStore(store);
      assert.equal(await fresh.load(), 1);
      assert.deepEqual(fresh.bindings('101').map((b) => b.contact), ['sip:101@192.0.2.5:5062']);
      await fresh.remove('101', 'sip:101@192.0.2.5:5062', 'removed');
      assert.equal(await row(), undefined);
    });
  });
}
