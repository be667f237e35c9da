// Call ids leased in blocks from one counter row (src/engine/b2bua/call-ids.ts):
// two allocators on one database — two nodes, or a node and its restart —
// never hand out the same id, across many block boundaries, on real SQLite
// and real PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Store } from '../../src/store/index.ts';
import { PbxError } from '../../src/core/errors.ts';
import { CallIds } from '../../src/engine/b2bua/call-ids.ts';
import { DATABASES, type TestDatabase } from '../helpers/databases.ts';

const BLOCK = 10;

/** An id, waiting while the allocator's next block is still being leased (it refuses rather than guess). */
async function take(ids: CallIds): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return ids.next();
    } catch (err) {
      assert.ok(err instanceof PbxError && err.code === 'SB_STORE_UNAVAILABLE', String(err));
      assert.ok(i < 2000, 'the next block never came');
      await sleep(2);
    }
  }
}

for (const [name, make] of DATABASES) {
  describe(`call ids on ${name}`, () => {
    let tdb: TestDatabase;
    let a: Store;
    let b: Store;
    before(async () => {
      tdb = await make();
      a = await Store.open(tdb.url);
      await a.migrate();
      b = await Store.open(tdb.url);
      await b.migrate();
    });
    after(async () => {
      await a.close();
      await b.close();
      await tdb.drop();
    });

    it('two allocators on one database never hand out the same id, across block boundaries', async () => {
      const one = new CallIds(a.db, undefined, BLOCK);
      const two = new CallIds(b.db, undefined, BLOCK);
      await Promise.all([one.start(), two.start()]);
      const seen = new Map<string, string>();
      // Both take ids at once, as two nodes' calls arrive: 12 blocks each.
      const run = async (ids: CallIds, who: string): Promise<void> => {
        for (let i = 0; i < BLOCK * 12; i++) {
          const id = await take(ids);
          assert.match(id, /^[1-9]\d*$/, 'a short decimal id');
          const other = seen.get(id);
          assert.equal(other, undefined, `id ${id} handed out by ${who} and ${String(other)}`);
          seen.set(id, who);
          if (i % 3 === 0) await sleep(0);
        }
      };
      await Promise.all([run(one, 'A'), run(two, 'B')]);
      assert.equal(seen.size, BLOCK * 24);
      one.close();
      two.close();
    });

    it('a restarted allocator starts past every id the previous one handed out', async () => {
      const first = new CallIds(a.db, undefined, BLOCK);
      await first.start();
      const before: number[] = [];
      for (let i = 0; i < BLOCK * 3; i++) before.push(Number(await take(first)));
      first.close();
      const again = new CallIds(a.db, undefined, BLOCK);
      await again.start();
      const next = Number(again.next());
      assert.ok(next > Math.max(...before), `after a restart ${String(next)} must be past ${String(Math.max(...before))}`);
      again.close();
    });

    it('with the database gone, the block in hand is used up and then new ids are refused, never repeated', async () => {
      const gone = await Store.open(tdb.url);
      const ids = new CallIds(gone.db, undefined, BLOCK);
      await ids.start();
      await gone.close();
      const got = new Set<string>();
      let released = 0;
      for (let i = 0; i < BLOCK; i++) got.add(ids.next(() => released++));
      assert.equal(got.size, BLOCK);
      assert.equal(released, 0, 'nothing released while ids are handed out');
      await sleep(50); // the background lease has failed meanwhile
      const unavailable = (err: unknown): boolean => err instanceof PbxError && err.code === 'SB_STORE_UNAVAILABLE';
      assert.throws(() => ids.next(() => released++), unavailable);
      assert.equal(released, 1, 'a refused call releases what it had taken');
      assert.throws(() => ids.next(), unavailable);
    });
  });
}
