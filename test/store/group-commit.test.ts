// Group commit (src/store/group-commit.ts), and the event log over it on both
// databases: a burst of appends shares transactions, numbers follow the order
// of the calls, one bad write fails alone, and the outbox rows of a group are
// written with their events.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from '../../src/store/group-commit.ts';
import { Store } from '../../src/store/index.ts';
import { DATABASES } from '../helpers/databases.ts';

describe('GroupCommit', () => {
  it('commits a burst together, in order, and a later burst as the next group', async () => {
    const groups: number[][] = [];
    const gc = new GroupCommit<number, string>(
      async (items) => {
        groups.push(items);
        await new Promise((r) => setTimeout(r, 20));
        return items.map((i) => `ok ${String(i)}`);
      },
      async (item) => {
        groups.push([item]);
        return `alone ${String(item)}`;
      },
    );
    const first = Promise.all([1, 2, 3].map((i) => gc.add(i)));
    await new Promise((r) => setImmediate(r));
    // Arrives while the first group commits: waits for the next one.
    const late = Promise.all([4, 5].map((i) => gc.add(i)));
    assert.deepEqual(await first, ['ok 1', 'ok 2', 'ok 3']);
    assert.deepEqual(await late, ['ok 4', 'ok 5']);
    assert.deepEqual(groups, [[1, 2, 3], [4, 5]]);
  });

  it('a group that fails is retried item by item: only the bad item fails', async () => {
    const gc = new GroupCommit<number, number>(
      async (items) => {
        if (items.includes(13)) throw new Error('bad item in the group');
        return items;
      },
      async (item) => {
        if (item === 13) throw new Error('13 refused');
        return item * 10;
      },
    );
    const results = await Promise.allSettled([11, 12, 13, 14].map((i) => gc.add(i)));
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      [110, 120, '13 refused', 140],
    );
  });
});

for (const [name, open] of DATABASES) {
  describe(`event log group commit (${name})`, () => {
    it('200 concurrent appends: numbered in call order, every outbox row written with its event', async () => {
      const db = await open();
      const store = await Store.open(db.url);
      try {
        await store.migrate();
        let transactions = 0;
        const detach = store.events.addWriter({
          wants: (type) => type === 'dtmf',
          write: async () => undefined,
          writeMany: async (trx, events) => {
            transactions += 1;
            await trx.insertInto('webhookOutbox').values(events.map((e) => ({ subscriptionId: null, url: 'http://x.invalid/', eventType: e.type, eventSeq: e.seq, messageId: `m${String(e.seq)}`, contentType: 'text/plain', body: '', headers: '{}', status: 'pending', attempts: 0, nextAttemptAt: e.at, lastError: '', leaseOwner: '', leaseUntil: null, createdAt: e.at, deliveredAt: null }))).execute();
          },
        });
        const events = await Promise.all(Array.from({ length: 200 }, (_, i) => store.events.append('dtmf', { callId: 'c', participantId: 'c.1', digit: String(i % 10), durationMs: i })));
        detach();
        const seqs = events.map((e) => e.seq);
        assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'numbers follow the order of the calls');
        assert.equal(new Set(seqs).size, 200);
        assert.deepEqual(events.map((e) => (e.payload as { durationMs: number }).durationMs), Array.from({ length: 200 }, (_, i) => i));
        assert.ok(transactions < 20, `a burst shares transactions (${String(transactions)} for 200 events)`);
        const rows = await store.db.selectFrom('webhookOutbox').select(['eventSeq', 'messageId']).orderBy('eventSeq').execute();
        assert.deepEqual(rows.map((r) => r.eventSeq), seqs);
        const stored = await store.events.stored(0, 1000);
        assert.deepEqual(stored.map((e) => e.seq), seqs, 'the log holds them under the same numbers');
        assert.deepEqual(stored.map((e) => (e.payload as { durationMs: number }).durationMs), Array.from({ length: 200 }, (_, i) => i));
      } finally {
        await store.close();
        await db.drop();
      }
    });
  });
}
