// Generic webhook subscriptions: CRUD in the store, an in-memory copy for
// the hot path, and the event writer that turns every matching event into one
// outbox row per subscription inside the event's own transaction.
import type { Kysely, Transaction, Selectable } from 'kysely';
import type { Database, WebhookSubscriptionsTable } from '../../store/schema.ts';
import type { EventType, PbxEvent } from '../../core/events.ts';
import type { EventWriter } from '../../store/event-log.ts';
import { PbxError, notFound } from '../../core/errors.ts';
import { eventTypeMatches, type WebhookSubscription, type WebhookSubscriptionInput } from '../../core/webhooks.ts';
import { checkWebhookUrl } from './destination-guard.ts';
import { generateSecret, isValidSecret } from './signature.ts';
import type { Outbox, OutboxMessage } from './outbox.ts';
import type { SubscriptionLookup } from './deliverer.ts';

type Row = Selectable<WebhookSubscriptionsTable>;

interface Cached {
  sub: WebhookSubscription;
  secret: string;
}

function toSubscription(r: Row): WebhookSubscription {
  return { id: r.id, url: r.url, events: JSON.parse(r.events) as string[], description: r.description, enabled: r.enabled === 1, createdAt: r.createdAt };
}

/** The body of a generic webhook: Standard Webhooks' recommended envelope. */
export function webhookBody(event: PbxEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.at, data: { seq: event.seq, ...event.payload } });
}

export function messageId(seq: number, subscriptionId: number): string {
  return `msg_${String(seq)}_${String(subscriptionId)}`;
}

export class WebhookSubscriptions implements EventWriter, SubscriptionLookup {
  private cache = new Map<number, Cached>();
  private readonly changeListeners: (() => Promise<void>)[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly outbox: Outbox,
    private readonly o: { allowPrivate: boolean; onCommitted: () => void; now?: () => Date },
  ) {}

  async load(): Promise<void> {
    const rows = await this.db.selectFrom('webhookSubscriptions').selectAll().execute();
    this.cache = new Map(rows.map((r) => [r.id, { sub: toSubscription(r), secret: r.secret }]));
  }

  /** Hears of every change this process committed (a cluster tells the other nodes). */
  onChange(listener: () => Promise<void>): void {
    this.changeListeners.push(listener);
  }

  private async changed(): Promise<void> {
    for (const l of this.changeListeners) await l();
  }

  // EventWriter: runs inside EventLog.append's transaction.
  wants(type: EventType): boolean {
    for (const c of this.cache.values()) if (c.sub.enabled && eventTypeMatches(c.sub.events, type)) return true;
    return false;
  }

  async write(trx: Transaction<Database>, event: PbxEvent): Promise<void> {
    await this.outbox.enqueue(trx, this.messagesFor(event));
  }

  /** A group commit's events: their rows in one INSERT. */
  async writeMany(trx: Transaction<Database>, events: PbxEvent[]): Promise<void> {
    await this.outbox.enqueue(trx, events.flatMap((e) => this.messagesFor(e)));
  }

  committed(): void {
    this.o.onCommitted();
  }

  private messagesFor(event: PbxEvent, only?: number): OutboxMessage[] {
    const body = webhookBody(event);
    const out: OutboxMessage[] = [];
    for (const { sub } of this.cache.values()) {
      if (!sub.enabled || !eventTypeMatches(sub.events, event.type) || (only !== undefined && sub.id !== only)) continue;
      out.push({ subscriptionId: sub.id, url: sub.url, eventType: event.type, eventSeq: event.seq, messageId: messageId(event.seq, sub.id), contentType: 'application/json', body });
    }
    return out;
  }

  // SubscriptionLookup: what the deliverer needs to sign.
  signing(id: number): { secret: string; enabled: boolean } | undefined {
    const c = this.cache.get(id);
    return c ? { secret: c.secret, enabled: c.sub.enabled } : undefined;
  }

  async signingFromStore(id: number): Promise<{ secret: string; enabled: boolean } | undefined> {
    const row = await this.db.selectFrom('webhookSubscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    this.cache.set(id, { sub: toSubscription(row), secret: row.secret });
    return { secret: row.secret, enabled: row.enabled === 1 };
  }

  async disable(id: number): Promise<void> {
    await this.db.updateTable('webhookSubscriptions').set({ enabled: 0 }).where('id', '=', id).execute();
    const c = this.cache.get(id);
    if (c) c.sub = { ...c.sub, enabled: false };
    await this.changed();
  }

  // CRUD for the facade.
  list(): WebhookSubscription[] {
    return [...this.cache.values()].map((c) => c.sub).sort((a, b) => a.id - b.id);
  }

  get(id: number): WebhookSubscription {
    const c = this.cache.get(id);
    if (!c) throw notFound('webhook subscription', id);
    return c.sub;
  }

  async create(input: WebhookSubscriptionInput): Promise<WebhookSubscription & { secret: string }> {
    checkWebhookUrl(input.url, this.o.allowPrivate);
    const secret = input.secret ?? generateSecret();
    if (!isValidSecret(secret)) throw new PbxError('SB_VALIDATION', 'secret must be "whsec_" followed by the base64 of 24 to 64 random bytes', [{ path: '/secret', message: 'not a whsec_ secret' }]);
    const row = await this.db
      .insertInto('webhookSubscriptions')
      .values({ url: input.url, events: JSON.stringify(input.events), secret, enabled: input.enabled === false ? 0 : 1, description: input.description ?? '', createdAt: (this.o.now?.() ?? new Date()).toISOString() })
      .returningAll()
      .executeTakeFirstOrThrow();
    const sub = toSubscription(row);
    this.cache.set(sub.id, { sub, secret });
    await this.changed();
    return { ...sub, secret };
  }

  async patch(id: number, input: Partial<Omit<WebhookSubscriptionInput, 'secret'>>): Promise<WebhookSubscription> {
    this.get(id);
    if (input.url !== undefined) checkWebhookUrl(input.url, this.o.allowPrivate);
    const row = await this.db
      .updateTable('webhookSubscriptions')
      .set({
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.events !== undefined ? { events: JSON.stringify(input.events) } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled ? 1 : 0 } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const sub = toSubscription(row);
    this.cache.set(id, { sub, secret: row.secret });
    await this.changed();
    return sub;
  }

  /** Deletes a subscription and its undelivered rows (they could no longer be signed). */
  async remove(id: number): Promise<void> {
    this.get(id);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('webhookOutbox').where('subscriptionId', '=', id).execute();
      await trx.deleteFrom('webhookSubscriptions').where('id', '=', id).execute();
    });
    this.cache.delete(id);
    await this.changed();
  }

  /**
   * Replay: every logged event in [from, to] that the subscription takes is
   * queued again, with its original webhook-id so receivers can tell.
   */
  async replay(id: number, from: string, to: string): Promise<number> {
    this.get(id);
    let after = 0;
    let queued = 0;
    for (;;) {
      const rows = await this.db.selectFrom('events').selectAll().where('at', '>=', from).where('at', '<=', to).where('seq', '>', after).orderBy('seq').limit(500).execute();
      if (rows.length === 0) break;
      const messages = rows.flatMap((r) => this.messagesFor({ seq: Number(r.seq), type: r.type as EventType, at: r.at, payload: JSON.parse(r.payload) } as PbxEvent, id));
      await this.outbox.enqueue(this.db, messages);
      queued += messages.length;
      after = Number(rows[rows.length - 1]?.seq ?? after);
    }
    if (queued > 0) this.o.onCommitted();
    return queued;
  }
}
