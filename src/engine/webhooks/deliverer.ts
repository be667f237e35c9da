// The delivery worker: leases due outbox rows, sends each destination's rows
// in order (one at a time per destination, many destinations at once), and
// records every attempt. Retries timeouts, connection errors, 408, 429 and
// 5xx on a back-off schedule; 410 Gone disables the subscription; any other
// answer is final. At least once: a crash between the POST and the update
// sends the row again, with the same webhook-id.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Outbox, destinationKey, type OutboxRow } from './outbox.ts';
import type { HttpPoster, PostResult } from './http-post.ts';
import { sign } from './signature.ts';
import { isStoreUnavailable } from '../../core/errors.ts';
import { DeliveredMarks } from './delivered-marks.ts';

export interface SubscriptionLookup {
  /** The subscription's secret and state, or undefined when it is gone. */
  signing(id: number): { secret: string; enabled: boolean } | undefined;
  /** The same, read from the store: a subscription another node made a moment ago may not be cached here yet. */
  signingFromStore(id: number): Promise<{ secret: string; enabled: boolean } | undefined>;
  disable(id: number, reason: string): Promise<void>;
}

export interface DelivererOptions {
  outbox: Outbox;
  poster: HttpPoster;
  subscriptions: SubscriptionLookup;
  logger: Logger;
  /** Seconds to wait after the 1st, 2nd, … failed attempt; past the end the row fails. */
  backoffSeconds: number[];
  /** How often due rows are looked for when nothing woke the worker. */
  pollMs?: number;
  batch?: number;
  concurrency?: number;
  leaseMs?: number;
  now?: () => Date;
}

function retryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

export class Deliverer {
  readonly owner = `${hostname()}:${String(process.pid)}:${randomBytes(4).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private cycle: Promise<void> | undefined;
  private again = false;
  /** The earliest retry this worker scheduled, so a short back-off does not wait for the poll. */
  private nextRetry = Infinity;
  private stopped = true;
  private readonly now: () => Date;
  /** Delivered rows since start (metrics, benchmarks). */
  delivered = 0;

  constructor(private readonly o: DelivererOptions) {
    this.now = o.now ?? (() => new Date());
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** New rows were committed: look now instead of at the next poll. */
  kick(): void {
    if (this.stopped) return;
    if (this.cycle) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.cycle = this.run().finally(() => {
      this.cycle = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.kick();
        return;
      }
      const poll = this.o.pollMs ?? 1000;
      const untilRetry = this.nextRetry - this.now().getTime();
      this.nextRetry = Infinity;
      this.timer = setTimeout(() => this.kick(), Math.max(10, Math.min(poll, untilRetry + 5)));
      this.timer.unref();
    });
  }

  /** Stops taking rows and waits for the attempts in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.cycle;
  }

  private async run(): Promise<void> {
    const batch = this.o.batch ?? 200;
    try {
      for (;;) {
        const rows = await this.o.outbox.claim(this.owner, batch, this.o.leaseMs ?? 60_000);
        if (rows.length === 0) return;
        await this.deliverBatch(rows);
        if (rows.length < batch || this.stopped) return;
      }
    } catch (err) {
      // The outbox is in the database: while it is unreachable nothing is lost, the next cycle retries.
      if (isStoreUnavailable(err)) this.o.logger.warn({ reason: (err as Error).message }, 'webhook delivery waits: the database is unreachable');
      else this.o.logger.error({ err }, 'webhook delivery cycle failed');
    }
  }

  private async deliverBatch(rows: OutboxRow[]): Promise<void> {
    const groups = new Map<string, OutboxRow[]>();
    for (const r of rows) {
      const k = destinationKey(r);
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    }
    const queue = [...groups.values()];
    const workers = Array.from({ length: Math.min(this.o.concurrency ?? 32, queue.length) }, async () => {
      for (let g = queue.shift(); g; g = queue.shift()) await this.deliverGroup(g);
    });
    await Promise.all(workers);
  }

  private async deliverGroup(rows: OutboxRow[]): Promise<void> {
    const marks = new DeliveredMarks(this.o.outbox);
    try {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as OutboxRow;
        const ok = this.stopped ? false : await this.attempt(row, marks);
        if (!ok) {
          await this.o.outbox.release(rows.slice(this.stopped ? i : i + 1).map((r) => r.id));
          return;
        }
      }
    } finally {
      await marks.flush();
    }
  }

  /** One attempt; true when the destination may take the next row now. */
  private async attempt(row: OutboxRow, marks: DeliveredMarks): Promise<boolean> {
    const headers: Record<string, string> = { 'content-type': row.contentType, ...(JSON.parse(row.headers) as Record<string, string>) };
    if (row.subscriptionId !== null) {
      const sub = this.o.subscriptions.signing(row.subscriptionId) ?? (await this.o.subscriptions.signingFromStore(row.subscriptionId));
      if (!sub || !sub.enabled) {
        await this.o.outbox.attemptFailed(row, { status: 0, error: sub ? 'subscription disabled' : 'subscription deleted', latencyMs: 0 }, undefined);
        return true;
      }
      Object.assign(headers, sign(sub.secret, row.messageId, row.body, this.now()));
    } else if (row.messageId !== '') {
      headers['webhook-id'] = row.messageId;
    }
    const result = await this.o.poster.post(row.url, headers, row.body);
    return this.record(row, result, marks);
  }

  private async record(row: OutboxRow, result: PostResult, marks: DeliveredMarks): Promise<boolean> {
    const { status } = result;
    if (status >= 200 && status < 300) {
      marks.add({ id: row.id, status, latencyMs: result.latencyMs });
      this.delivered += 1;
      return true;
    }
    const error = result.error || `HTTP ${String(status)}`;
    if (status === 410 && row.subscriptionId !== null) {
      await this.o.outbox.attemptFailed(row, { ...result, error: 'HTTP 410 Gone: subscription disabled' }, undefined);
      await this.o.subscriptions.disable(row.subscriptionId, '410 Gone');
      await this.o.outbox.abandonSubscription(row.subscriptionId, 'subscription disabled after 410 Gone');
      this.o.logger.warn({ subscription: row.subscriptionId, url: row.url }, 'webhook receiver answered 410 Gone: subscription disabled');
      return false;
    }
    if (!retryable(status)) {
      await this.o.outbox.attemptFailed(row, { ...result, error }, undefined);
      this.o.logger.warn({ url: row.url, status, message: row.messageId }, 'webhook refused by the receiver: not retried');
      return true;
    }
    const delay = this.o.backoffSeconds[row.attempts];
    const retryAt = delay === undefined ? undefined : new Date(this.now().getTime() + delay * 1000);
    await this.o.outbox.attemptFailed(row, { ...result, error }, retryAt);
    if (retryAt) this.nextRetry = Math.min(this.nextRetry, retryAt.getTime());
    if (!retryAt) this.o.logger.warn({ url: row.url, message: row.messageId, attempts: row.attempts + 1 }, 'webhook given up after the last retry');
    return false;
  }
}
