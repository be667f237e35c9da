// The event log: appended to the database (so a client can resume after a
// reconnect or a restart) and fanned out in-process to live subscribers.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { EventPayloads, EventType, PbxEvent } from '../core/events.ts';

export type EventListener = (event: PbxEvent) => void;

/**
 * Writes what an event implies (webhook outbox rows) in the transaction that
 * records the event, so both are on disk or neither is. `wants` is asked
 * first, synchronously, so events nobody writes for stay a single insert.
 */
export interface EventWriter {
  wants(type: EventType): boolean;
  write(trx: Transaction<Database>, event: PbxEvent): Promise<void>;
  /** After the commit: e.g. wake the deliverer. */
  committed?(event: PbxEvent): void;
}

export class EventLog {
  private readonly listeners = new Set<EventListener>();
  private readonly writers = new Set<EventWriter>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async append<T extends EventType>(type: T, payload: EventPayloads[T]): Promise<PbxEvent<T>> {
    const at = this.now().toISOString();
    const writers = [...this.writers].filter((w) => w.wants(type));
    const insert = async (db: Kysely<Database>): Promise<PbxEvent<T>> => {
      const row = await db.insertInto('events').values({ type, at, payload: JSON.stringify(payload) }).returning('seq').executeTakeFirstOrThrow();
      return { seq: Number(row.seq), type, at, payload };
    };
    const event =
      writers.length === 0
        ? await insert(this.db)
        : await this.db.transaction().execute(async (trx) => {
            const e = await insert(trx);
            for (const w of writers) await w.write(trx, e);
            return e;
          });
    for (const w of writers) w.committed?.(event);
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A subscriber's failure must not stop the others or the writer.
      }
    }
    return event;
  }

  /** Adds a writer that runs inside every matching append's transaction. */
  addWriter(writer: EventWriter): () => void {
    this.writers.add(writer);
    return () => this.writers.delete(writer);
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async since(seq: number, limit = 1000): Promise<PbxEvent[]> {
    const rows = await this.db.selectFrom('events').selectAll().where('seq', '>', seq).orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({ seq: Number(r.seq), type: r.type as EventType, at: r.at, payload: JSON.parse(r.payload) }));
  }

  async lastSeq(): Promise<number> {
    const r = (await this.db.selectFrom('events').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirst()) as { m: number | string | null } | undefined;
    return Number(r?.m ?? 0);
  }
}
