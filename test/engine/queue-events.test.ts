// The queue statistics events on a real store (SQLite): an agent offered a
// call that answers before a refresh has read its state — the refresh was
// busy reading the store, as under load in the hunt test — is still told
// ringing, and before busy, never after it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Store } from '../../src/store/index.ts';
import { AgentBook } from '../../src/engine/acd/agent-state.ts';
import { QueueEvents, type QueueSnapshot } from '../../src/engine/acd/queue-events.ts';
import { queueStatus, type AgentRow, type LiveFacts } from '../../src/engine/acd/queue-snapshot.ts';
import type { QueueAgentStatus } from '../../src/core/queue-status.ts';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.ts';

const QUEUE = { number: '810', name: 'Q810', pollingStrategy: 'hunt' as const, agents: [{ extension: '103', loggedIn: true }], serviceLevelSeconds: 20 };
const ROW: AgentRow = { number: '103', firstName: 'Agent', lastName: 'Three', enabled: true, dnd: false, queueGlobalLoggedIn: true };

describe('queue.agent events', () => {
  let db: TestDatabase;
  let store: Store;
  let events: QueueEvents | undefined;
  before(async () => {
    db = await sqliteDatabase();
    store = await Store.open(db.url);
    await store.migrate();
  });
  after(async () => {
    events?.close();
    await store.close();
    await db.drop();
  });

  it('an offer that ends while a refresh reads the store is told: free, ringing, busy in that order', async () => {
    const book = new AgentBook('UTC', Date.now, () => undefined);
    const busy = new Set<string>();
    const slow: { reading?: Promise<void> } = {};
    const facts = (): LiveFacts => ({ extensions: new Map([['103', ROW]]), registered: () => true, busy, book, now: Date.now() });
    // As QueueService's: the store is read first, then the states and the offers are taken in one turn.
    const snapshot = async (): Promise<QueueSnapshot> => {
      await slow.reading;
      return { statuses: [queueStatus(QUEUE, [], facts())], offered: book.takeOffered() };
    };
    const told: QueueAgentStatus[] = [];
    const unsubscribe = store.events.subscribe((e) => {
      if (e.type === 'queue.agent') told.push(e.payload as QueueAgentStatus);
    });
    events = new QueueEvents(store, pino({ level: 'silent' }), snapshot);
    events.changed();
    await events.settled();
    assert.deepEqual(told.map((a) => a.state), ['free']);

    // A refresh starts and is slow reading the store…
    let readDone = (): void => undefined;
    slow.reading = new Promise((resolve) => (readDone = resolve));
    events.changed();
    // …while 103 is offered the call and answers it.
    book.offering(['103'], 'call-1');
    events.changed();
    book.offerEnded(['103'], 'call-1');
    busy.add('103');
    events.changed();
    readDone();
    await events.settled();
    assert.deepEqual(told.map((a) => a.state), ['free', 'ringing', 'busy']);

    // Hung up: free again, and no ringing told for an offer that was already told.
    busy.delete('103');
    events.changed();
    await events.settled();
    assert.deepEqual(told.map((a) => a.state), ['free', 'ringing', 'busy', 'free']);
    unsubscribe();
  });
});
