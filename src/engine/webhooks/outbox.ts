// The durable outbox: one row per message to send. Rows are written in the
// transaction of the event they come from (see EventLog.addWriter); the
// deliverer leases due rows (lease_owner / lease_until), so a row whose
// process died is taken up again once its lease runs out. On PostgreSQL the
// claim uses FOR UPDATE SKIP LOCKED so several nodes share one outbox.
import { sql, type Kysely, type Transaction, type Selectable } from 'kysely';
import type { Database, WebhookOutboxTable } from '../../store/schema.ts';
import type { SqlDialectName } from '../../store/dialect.ts';
import type { DeliveryStatus, WebhookDelivery } from '../../core/webhooks.ts';

export type OutboxRow = Selectable<WebhookOutboxTable>;

const ENQUEUE_CHUNK = 1000;

export interface OutboxMessage {
  subscriptionId: number | null;
  url: string;
  eventType: string;
  eventSeq: number;
  messageId: string;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
  /** Written already leased, for a producer that makes the first attempt itself. */
  lease?: { owner: string; until: string };
}

/** Rows of one destination are delivered in id order: a subscription, or a bare URL (CRM). */
export function destinationKey(row: Pick<OutboxRow, 'subscriptionId' | 'url'>): string {
  return row.subscriptionId !== null ? `sub:${String(row.subscriptionId)}` : `url:${row.url}`;
}

export function toDelivery(r: OutboxRow): WebhookDelivery {
  return {
    id: r.id,
    messageId: r.messageId,
    subscriptionId: r.subscriptionId,
    url: r.url,
    eventType: r.eventType,
    eventSeq: r.eventSeq,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    lastStatus: r.lastStatus,
    lastError: r.lastError,
    lastLatencyMs: r.lastLatencyMs,
    nextAttemptAt: r.nextAttemptAt,
    createdAt: r.createdAt,
    deliveredAt: r.deliveredAt,
  };
}

export class Outbox {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialectName,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Inserts the messages; returns their row ids in the same order. */
  async enqueue(trx: Transaction<Database> | Kysely<Database>, messages: OutboxMessage[]): Promise<number[]> {
    const ids: number[] = [];
    // Bounded statements: PostgreSQL takes at most 65,535 parameters in one (14 per row here).
    for (let i = 0; i < messages.length; i += ENQUEUE_CHUNK) ids.push(...(await this.insert(trx, messages.slice(i, i + ENQUEUE_CHUNK))));
    return ids;
  }

  private async insert(trx: Transaction<Database> | Kysely<Database>, messages: OutboxMessage[]): Promise<number[]> {
    const at = this.now().toISOString();
    const rows = await trx
      .insertInto('webhookOutbox')
      .values(
        messages.map((m) => ({
          subscriptionId: m.subscriptionId,
          url: m.url,
          eventType: m.eventType,
          eventSeq: m.eventSeq,
          messageId: m.messageId,
          contentType: m.contentType,
          body: m.body,
          headers: JSON.stringify(m.headers ?? {}),
          status: 'pending',
          attempts: 0,
          nextAttemptAt: at,
          lastError: '',
          leaseOwner: m.lease?.owner ?? '',
          leaseUntil: m.lease?.until ?? null,
          createdAt: at,
          deliveredAt: null,
        })),
      )
      .returning('id')
      .execute();
    // Ids are drawn in VALUES order; RETURNING's own order is not promised.
    return rows.map((r) => r.id).sort((a, b) => a - b);
  }

  /** Leases up to `limit` due rows, oldest first, for `leaseMs`. */
  async claim(owner: string, limit: number, leaseMs: number): Promise<OutboxRow[]> {
    const now = this.now();
    const nowIso = now.toISOString();
    const until = new Date(now.getTime() + leaseMs).toISOString();
    let due = this.db
      .selectFrom('webhookOutbox')
      .select('id')
      .where('status', '=', 'pending')
      .where('nextAttemptAt', '<=', nowIso)
      .where((eb) => eb.or([eb('leaseUntil', 'is', null), eb('leaseUntil', '<', nowIso)]))
      .orderBy('id')
      .limit(limit);
    if (this.dialect === 'postgres') due = due.forUpdate().skipLocked();
    const rows = await this.db
      .updateTable('webhookOutbox')
      .set({ leaseOwner: owner, leaseUntil: until })
      .where('id', 'in', due)
      .returningAll()
      .execute();
    return rows.sort((a, b) => a.id - b.id);
  }

  async delivered(id: number, status: number, latencyMs: number): Promise<void> {
    await this.deliveredMany([{ id, status, latencyMs }]);
  }

  /**
   * Marks many rows delivered in one statement (one round trip, one commit),
   * each with its own status code and latency: `UPDATE … FROM (VALUES …)`,
   * which PostgreSQL and SQLite (3.33+) both read, and both name the columns
   * of a VALUES list column1, column2, ….
   */
  async deliveredMany(rows: { id: number; status: number; latencyMs: number }[]): Promise<void> {
    if (rows.length === 0) return;
    const at = this.now().toISOString();
    const values = sql.join(rows.map((r) => sql`(cast(${r.id} as integer), cast(${r.status} as integer), cast(${Math.round(r.latencyMs)} as integer))`));
    await sql`update webhook_outbox set status = 'delivered', attempts = attempts + 1, last_status = v.column2, last_latency_ms = v.column3, last_error = '', delivered_at = ${at}, lease_owner = '', lease_until = null
      from (values ${values}) as v where webhook_outbox.id = v.column1`.execute(this.db);
  }

  /**
   * A failed attempt: try again at `retryAt`, or give up (`retryAt` undefined).
   * Later rows of the same destination wait at least as long, which keeps
   * the destination's order.
   */
  async attemptFailed(row: OutboxRow, result: { status: number; error: string; latencyMs: number }, retryAt: Date | undefined): Promise<void> {
    const next = retryAt?.toISOString();
    await this.db
      .updateTable('webhookOutbox')
      .set((eb) => ({
        status: next === undefined ? 'failed' : 'pending',
        attempts: eb('attempts', '+', 1),
        lastStatus: result.status,
        lastError: result.error.slice(0, 500),
        lastLatencyMs: result.latencyMs,
        ...(next !== undefined ? { nextAttemptAt: next } : {}),
        leaseOwner: '',
        leaseUntil: null,
      }))
      .where('id', '=', row.id)
      .execute();
    if (next !== undefined) await this.holdBack(row, next);
  }

  private async holdBack(row: OutboxRow, until: string): Promise<void> {
    let q = this.db.updateTable('webhookOutbox').set({ nextAttemptAt: until }).where('status', '=', 'pending').where('id', '>', row.id).where('nextAttemptAt', '<', until);
    q = row.subscriptionId !== null ? q.where('subscriptionId', '=', row.subscriptionId) : q.where('subscriptionId', 'is', null).where('url', '=', row.url);
    await q.execute();
  }

  /** Gives back leased rows not attempted (shutdown, or a destination that failed earlier in the batch). */
  async release(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('webhookOutbox').set({ leaseOwner: '', leaseUntil: null }).where('id', 'in', ids).where('status', '=', 'pending').execute();
  }

  /** Every pending row of a subscription fails (410 Gone disabled it). */
  async abandonSubscription(subscriptionId: number, error: string): Promise<void> {
    await this.db.updateTable('webhookOutbox').set({ status: 'failed', lastError: error, leaseOwner: '', leaseUntil: null }).where('subscriptionId', '=', subscriptionId).where('status', '=', 'pending').execute();
  }

  async list(subscriptionId: number, limit: number, status?: DeliveryStatus): Promise<WebhookDelivery[]> {
    let q = this.db.selectFrom('webhookOutbox').selectAll().where('subscriptionId', '=', subscriptionId);
    if (status !== undefined) q = q.where('status', '=', status);
    return (await q.orderBy('id', 'desc').limit(limit).execute()).map(toDelivery);
  }

  async get(subscriptionId: number, id: number): Promise<OutboxRow | undefined> {
    return this.db.selectFrom('webhookOutbox').selectAll().where('subscriptionId', '=', subscriptionId).where('id', '=', id).executeTakeFirst();
  }

  /** Manual redelivery: the same message (same webhook-id), due now. */
  async redeliver(id: number): Promise<void> {
    await this.db.updateTable('webhookOutbox').set({ status: 'pending', nextAttemptAt: this.now().toISOString(), leaseOwner: '', leaseUntil: null, deliveredAt: null }).where('id', '=', id).execute();
  }

  async pendingCount(): Promise<number> {
    const r = await this.db.selectFrom('webhookOutbox').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'pending').executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
