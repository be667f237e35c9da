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
import type { Database, OpenCallsTable } from '../../store/schema.ts';
import type { CallInfo } from '../../core/calls.ts';
import { isStoreUnavailable } from '../../core/errors.ts';

export const HEARTBEAT_MS = 2000;

interface Entry {
  id: string;
  answered: boolean;
  /** The row as this process last meant it to be. */
  row: OpenCallsTable;
  /** The last write of this row; the next one waits for it. */
  chain: Promise<void>;
}

export class OpenCallJournal {
  private readonly open = new Map<string, Entry>();
  /** Call id → its row on the outage journal (written there when the database could not take it). */
  private readonly held = new Map<string, number>();
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
    this.open.set(info.id, { id, answered: info.answeredAt !== null, row, chain: this.write(this.store.db.insertInto('openCalls').values(row).execute(), info.id) });
  }

  /** A call changed: the first time it is answered, its row learns the answer time and the parties. */
  changed(info: CallInfo): void {
    const e = this.open.get(info.id);
    if (!e || e.answered || info.answeredAt === null) return;
    e.answered = true;
    const set = { answeredAt: info.answeredAt, info: JSON.stringify(info), aliveAt: new Date().toISOString() };
    e.row = { ...e.row, ...set };
    e.chain = e.chain.then(() => this.write(this.store.db.updateTable('openCalls').set(set).where('id', '=', e.id).execute(), info.id));
  }

  /** The call's CDR is stored (or on the outage journal itself): its row needs no keeping on the journal. */
  settled(callId: string): void {
    const held = this.held.get(callId);
    if (held === undefined) return;
    this.held.delete(callId);
    this.store.journal?.stored(held);
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
    const at = new Date().toISOString();
    void this.store.db
      .updateTable('openCalls')
      .set({ aliveAt: at })
      .where('node', '=', this.node)
      .execute()
      .then(
        () => undefined,
        (err: unknown) => {
          if (!isStoreUnavailable(err)) return this.logger.error({ err }, 'open-calls heartbeat failed');
          // The talk time of a call cut by a crash during the outage runs to here.
          if (this.store.journal && !this.store.journal.alive(at)) this.journalFailed();
        },
      );
  }

  /**
   * A failed write of a call's row: while the database is unreachable the
   * row as it should be goes onto the outage journal instead, replacing what
   * the journal held for that call, so a crash before the database is back
   * still leaves the call known to the next start.
   */
  private write(p: Promise<unknown>, callId: string): Promise<void> {
    return p.then(
      () => undefined,
      (err: unknown) => {
        if (!isStoreUnavailable(err)) return this.logger.error({ err }, 'open-calls journal write failed');
        const e = this.open.get(callId);
        if (!e) return;
        const journal = this.store.journal;
        const id = journal?.hold({ kind: 'open-call', row: e.row });
        if (id !== undefined) {
          const before = this.held.get(callId);
          this.held.set(callId, id);
          if (before !== undefined) journal?.stored(before);
        } else if (journal) this.journalFailed();
        this.logger.warn({ reason: (err as Error).message }, 'open-calls journal write held: the database is unreachable');
      },
    );
  }

  private journalFailed(): void {
    this.logger.error('outage journal write failed: the call is not crash-safe until the database is back');
  }
}
