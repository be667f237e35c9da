// The open-calls journal (migration 003): a row per live call, written when
// the call starts, updated once when it is answered, and deleted in the same
// transaction as the call's CDR. A heartbeat moves `alive_at` of every row
// every HEARTBEAT_MS, so after a kill -9 the next start knows each call's
// talk time up to the crash within that much (crash-recovery.ts).
//
// Journal writes never hold a call up: they are chained per call (so the
// delete cannot overtake the insert on a PostgreSQL pool) and their errors
// are logged; a failed write costs the crash-safety of that one call.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import type { Store } from '../../store/index.ts';
import type { Database } from '../../store/schema.ts';
import type { CallInfo } from '../../core/calls.ts';
import { isStoreUnavailable } from '../../core/errors.ts';

export const HEARTBEAT_MS = 2000;

interface Entry {
  id: string;
  answered: boolean;
  /** The last write of this row; the next one waits for it. */
  chain: Promise<void>;
}

export class OpenCallJournal {
  private readonly open = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    /** The node carrying the calls (migration 019): its heartbeat touches only its rows. */
    private readonly node = '',
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A call began: its row is written (in the background). */
  opened(info: CallInfo, src: string, srcName: string, dst: string): void {
    const id = randomUUID();
    const now = new Date().toISOString();
    const row = { id, callId: info.id, startedAt: info.startedAt, answeredAt: info.answeredAt, src, srcName, dst, info: JSON.stringify(info), aliveAt: now, node: this.node };
    this.open.set(info.id, { id, answered: info.answeredAt !== null, chain: this.write(this.store.db.insertInto('openCalls').values(row).execute()) });
  }

  /** A call changed: the first time it is answered, its row learns the answer time and the parties. */
  changed(info: CallInfo): void {
    const e = this.open.get(info.id);
    if (!e || e.answered || info.answeredAt === null) return;
    e.answered = true;
    const set = { answeredAt: info.answeredAt, info: JSON.stringify(info), aliveAt: new Date().toISOString() };
    e.chain = e.chain.then(() => this.write(this.store.db.updateTable('openCalls').set(set).where('id', '=', e.id).execute()));
  }

  /**
   * The call ended: resolves, once the row's own writes are done, with a
   * function that deletes the row inside the CDR's transaction.
   */
  async ended(callId: string): Promise<((tx: Kysely<Database>) => Promise<void>) | undefined> {
    const e = this.open.get(callId);
    if (!e) return undefined;
    this.open.delete(callId);
    await e.chain;
    return async (tx) => {
      await tx.deleteFrom('openCalls').where('id', '=', e.id).execute();
    };
  }

  private beat(): void {
    if (this.open.size === 0) return;
    void this.write(this.store.db.updateTable('openCalls').set({ aliveAt: new Date().toISOString() }).where('node', '=', this.node).execute());
  }

  private write(p: Promise<unknown>): Promise<void> {
    return p.then(
      () => undefined,
      (err: unknown) => (isStoreUnavailable(err) ? this.logger.warn({ reason: (err as Error).message }, 'open-calls journal write skipped: the database is unreachable') : this.logger.error({ err }, 'open-calls journal write failed')),
    );
  }
}
