// The event log: appended to the database (so a client can resume after a
// reconnect or a restart) and fanned out in-process to live subscribers.
//
// In a cluster an EventTransport (src/engine/cluster/event-stream.ts) gives
// every event its sequence number in the one order all nodes share, and
// brings the other nodes' events: `subscribe` then still hears only this
// node's own events (the engine acts on what it did itself), `subscribeAll`
// hears every node's, in that order (what API clients are shown).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { EventPayloads, EventType, PbxEvent } from '../core/events.ts';
import { PbxError, isStoreUnavailable } from '../core/errors.ts';
import { StoreHealth } from './store-health.ts';
import type { HeldEvent, OutageJournal } from './outage-journal.ts';

/** Events held in memory while the database is unreachable; past this an append fails (and is logged by its caller). */
export const MAX_BACKLOG = 100_000;
import { GroupCommit } from './group-commit.ts';

export type EventListener = (event: PbxEvent) => void;

/**
 * Writes what an event implies (webhook outbox rows) in the transaction that
 * records the event, so both are on disk or neither is. `wants` is asked
 * first, synchronously, so events nobody writes for stay a single insert.
 */
export interface EventWriter {
  wants(type: EventType): boolean;
  write(trx: Transaction<Database>, event: PbxEvent): Promise<void>;
  /** Several events committed together (group commit), in order; without it `write` is called for each. */
  writeMany?(trx: Transaction<Database>, events: PbxEvent[]): Promise<void>;
  /** After the commit: e.g. wake the deliverer. */
  committed?(event: PbxEvent): void;
}

/** Carries the log between the nodes of a cluster. */
export interface EventTransport {
  /** Publishes an event of this node; resolves to its sequence number in the cluster's order. */
  sequence(type: EventType, at: string, payload: unknown): Promise<number>;
  /** Every node's events after `seq`, in order. */
  since(seq: number, limit: number): Promise<PbxEvent[]>;
  lastSeq(): Promise<number>;
}

interface PendingEvent {
  type: EventType;
  at: string;
  payload: unknown;
  seq: number | undefined;
  writers: EventWriter[];
}

export class EventLog {
  /** subscribeAll: every node's events (API clients). */
  private readonly listeners = new Set<EventListener>();
  /** subscribe: this node's own events (the engine). */
  private readonly ownListeners = new Set<EventListener>();
  private readonly writers = new Set<EventWriter>();
  private transport: EventTransport | undefined;
  private journal: OutageJournal | undefined;
  /** Appends waiting for the database, stored one after the other in the order they were made. */
  private backlog = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly commits = new GroupCommit<PendingEvent, PbxEvent>(
    (items) => this.commitGroup(items),
    (item) => this.commitAlone(item),
  );

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
    private readonly health: StoreHealth = new StoreHealth(),
  ) {}

  /** Events waiting for the database to come back. */
  get waiting(): number {
    return this.backlog;
  }

  /**
   * Records the event (with what its writers add, in one transaction) and
   * resolves once it is on disk. Appends that arrive while one is being
   * committed are committed together next (GroupCommit): under load one
   * transaction carries many events, and events are committed, numbered on
   * one node, and announced in the order they were appended.
   * `happenedAt`: when what the event reports took place, if earlier than now
   * (a call's end, its CDR written after a database outage).
   */
  async append<T extends EventType>(type: T, payload: EventPayloads[T], happenedAt?: Date): Promise<PbxEvent<T>> {
    const at = (happenedAt ?? this.now()).toISOString();
    const writers = [...this.writers].filter((w) => w.wants(type));
    // In a cluster the transport numbers the event first; the row keeps that number.
    const seq = this.transport ? await this.transport.sequence(type, at, payload) : undefined;
    const event = (await this.storeInOrder({ type, at, payload, seq, writers })) as PbxEvent<T>;
    for (const w of writers) w.committed?.(event);
    notify(this.ownListeners, event);
    // With a transport, every node's events (this one's too) come back through deliver().
    if (!this.transport) notify(this.listeners, event);
    return event;
  }

  /**
   * Stores an event now, or — while the database is unreachable, and after
   * that until what waited is stored — behind the events already waiting, so
   * they reach the log and the subscribers in the order they happened, with
   * the time they happened. Nothing is notified before it is stored: a
   * subscriber's `seq` is always the log's.
   */
  private async storeInOrder(event: PendingEvent): Promise<PbxEvent> {
    const store = (): Promise<PbxEvent> => this.commits.add(event);
    if (this.backlog === 0) {
      try {
        return await store();
      } catch (err) {
        if (!isStoreUnavailable(err)) throw err;
      }
    }
    if (this.backlog >= MAX_BACKLOG) throw new PbxError('SB_STORE_UNAVAILABLE', `the database is unreachable and ${String(MAX_BACKLOG)} events already wait for it; this one is dropped`);
    const held = this.hold(event);
    this.backlog++;
    const run = this.tail.then(() => this.health.untilStored(store));
    this.tail = run.catch(() => undefined);
    try {
      const stored = await run;
      if (held !== undefined) this.journal?.stored(held);
      return stored;
    } catch (err) {
      // Given up because the store closed (a stop during the outage): the journal keeps it for the next start.
      if (held !== undefined && !isStoreUnavailable(err)) this.journal?.stored(held);
      throw err;
    } finally {
      this.backlog--;
    }
  }

  /** Onto the outage journal, when there is one (undefined: no journal, or it cannot be written — the event waits in memory only). */
  private hold(event: PendingEvent): number | undefined {
    return this.journal?.hold({ kind: 'event', type: event.type, at: event.at, payload: event.payload, ...(event.seq !== undefined ? { seq: event.seq } : {}) });
  }

  private async commitGroup(items: PendingEvent[]): Promise<PbxEvent[]> {
    const explicit = items.every((i) => i.seq !== undefined);
    if (!explicit && items.some((i) => i.seq !== undefined)) throw new Error('mixed numbering');
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .insertInto('events')
        .values(items.map((i) => ({ type: i.type, at: i.at, payload: JSON.stringify(i.payload), ...(i.seq !== undefined ? { seq: i.seq } : {}) })))
        .returning('seq')
        .execute();
      // The sequence is drawn row by row in VALUES order; RETURNING's own order is not promised.
      const drawn = rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
      const events = items.map((i, n) => ({ seq: i.seq ?? (drawn[n] as number), type: i.type, at: i.at, payload: i.payload }) as PbxEvent);
      const byWriter = new Map<EventWriter, PbxEvent[]>();
      items.forEach((i, n) => {
        for (const w of i.writers) byWriter.set(w, [...(byWriter.get(w) ?? []), events[n] as PbxEvent]);
      });
      for (const [w, list] of byWriter) {
        if (w.writeMany) await w.writeMany(trx, list);
        else for (const e of list) await w.write(trx, e);
      }
      return events;
    });
  }

  private async commitAlone(i: PendingEvent): Promise<PbxEvent> {
    const insert = async (db: Kysely<Database>): Promise<PbxEvent> => {
      // Raw SQL: the query builder (and the camel-case plugin walking its
      // tree) cost more than SQLite's own insert, ten times per call.
      const json = JSON.stringify(i.payload);
      const { rows } =
        i.seq === undefined
          ? await sql<{ seq: number | string }>`insert into events (type, at, payload) values (${i.type}, ${i.at}, ${json}) returning seq`.execute(db)
          : await sql<{ seq: number | string }>`insert into events (seq, type, at, payload) values (${i.seq}, ${i.type}, ${i.at}, ${json}) returning seq`.execute(db);
      return { seq: Number(rows[0]?.seq), type: i.type, at: i.at, payload: i.payload } as PbxEvent;
    };
    if (i.writers.length === 0) return insert(this.db);
    return this.db.transaction().execute(async (trx) => {
      const e = await insert(trx);
      for (const w of i.writers) await w.write(trx, e);
      return e;
    });
  }

  /** Events that wait for the database are also written to this journal, so a crash meanwhile does not lose them. */
  useJournal(journal: OutageJournal): void {
    this.journal = journal;
  }

  /**
   * At start: an event the previous process held for the database and may
   * not have stored (it died first). Stored now with the time it happened,
   * with what today's writers add (webhook outbox rows), unless the log
   * already has it (stored just before the crash). Returns whether it was stored.
   */
  async restore(held: HeldEvent): Promise<boolean> {
    const known = held.seq !== undefined ? (await sql`select seq from events where seq = ${held.seq}`.execute(this.db)).rows.length > 0 : await this.has(held.type, held.at, held.payload);
    if (known) return false;
    const writers = [...this.writers].filter((w) => w.wants(held.type));
    const event = await this.commitAlone({ type: held.type, at: held.at, payload: held.payload, seq: held.seq, writers });
    for (const w of writers) w.committed?.(event);
    notify(this.ownListeners, event);
    // In a cluster the stream had it already, and brought it to every node.
    if (!this.transport) notify(this.listeners, event);
    return true;
  }

  /** Whether the log holds this event (same type, time and payload). */
  async has(type: EventType, at: string, payload: unknown): Promise<boolean> {
    const json = JSON.stringify(payload);
    return (await sql`select seq from events where type = ${type} and at = ${at} and payload = ${json} limit 1`.execute(this.db)).rows.length > 0;
  }

  /** Clusters: from now on events are numbered by `transport`, and read from it. */
  useTransport(transport: EventTransport): void {
    this.transport = transport;
  }

  /** Called by the transport with each event of any node, in the cluster's order. */
  deliver(event: PbxEvent): void {
    notify(this.listeners, event);
  }

  /** Every node's events in order (API clients). On one node: the same as subscribe. */
  subscribeAll(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds a writer that runs inside every matching append's transaction. */
  addWriter(writer: EventWriter): () => void {
    this.writers.add(writer);
    return () => this.writers.delete(writer);
  }

  /** This node's own events, as it appends them (the engine acts on what it did itself). */
  subscribe(listener: EventListener): () => void {
    this.ownListeners.add(listener);
    return () => this.ownListeners.delete(listener);
  }

  async since(seq: number, limit = 1000): Promise<PbxEvent[]> {
    if (this.transport) return this.transport.since(seq, limit);
    return this.stored(seq, limit);
  }

  /** Events as the database holds them (also the transport's fallback for history it no longer keeps). */
  async stored(seq: number, limit = 1000): Promise<PbxEvent[]> {
    const rows = await this.db.selectFrom('events').selectAll().where('seq', '>', seq).orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({ seq: Number(r.seq), type: r.type as EventType, at: r.at, payload: JSON.parse(r.payload) }));
  }

  async lastSeq(): Promise<number> {
    if (this.transport) return this.transport.lastSeq();
    return this.storedLastSeq();
  }

  async storedLastSeq(): Promise<number> {
    const r = (await this.db.selectFrom('events').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirst()) as { m: number | string | null } | undefined;
    return Number(r?.m ?? 0);
  }
}

function notify(listeners: Set<EventListener>, event: PbxEvent): void {
  for (const l of listeners) {
    try {
      l(event);
    } catch {
      // A subscriber's failure must not stop the others or the writer.
    }
  }
}
