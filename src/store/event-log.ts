// The event log: appended to the database (so a client can resume after a
// reconnect or a restart) and fanned out in-process to live subscribers.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { EventPayloads, EventType, PbxEvent } from '../core/events.ts';

export type EventListener = (event: PbxEvent) => void;

export class EventLog {
  private readonly listeners = new Set<EventListener>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async append<T extends EventType>(type: T, payload: EventPayloads[T]): Promise<PbxEvent<T>> {
    const at = this.now().toISOString();
    const row = await this.db.insertInto('events').values({ type, at, payload: JSON.stringify(payload) }).returning('seq').executeTakeFirstOrThrow();
    const event: PbxEvent<T> = { seq: Number(row.seq), type, at, payload };
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A subscriber's failure must not stop the others or the writer.
      }
    }
    return event;
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
