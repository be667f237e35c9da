// The webhook engine as one part for the composition root: the outbox, the
// subscriptions (an event writer on the event log), the deliverer, and the
// facade's `webhooks` verbs. Other producers (the WireCRM notifier) add their
// own event writers over the same outbox.
import type { Logger } from 'pino';
import type { Store } from '../../store/index.ts';
import type { PbxControl } from '../../core/pbx-control.ts';
import { notFound } from '../../core/errors.ts';
import { Outbox, toDelivery } from './outbox.ts';
import { HttpPoster } from './http-post.ts';
import { Deliverer } from './deliverer.ts';
import { WebhookSubscriptions } from './subscriptions.ts';

export interface WebhookServiceOptions {
  store: Store;
  logger: Logger;
  allowPrivate: boolean;
  backoffSeconds: number[];
  timeoutMs: number;
  /** How long this node holds the rows it took (default 60 s). */
  leaseMs?: number;
  userAgent: string;
  pollMs?: number;
}

export class WebhookService {
  readonly outbox: Outbox;
  readonly poster: HttpPoster;
  readonly subscriptions: WebhookSubscriptions;
  readonly deliverer: Deliverer;
  private detach: (() => void) | undefined;

  constructor(private readonly o: WebhookServiceOptions) {
    this.outbox = new Outbox(o.store.db, o.store.dialect);
    this.poster = new HttpPoster({ allowPrivate: o.allowPrivate, timeoutMs: o.timeoutMs, userAgent: o.userAgent });
    this.subscriptions = new WebhookSubscriptions(o.store.db, this.outbox, { allowPrivate: o.allowPrivate, onCommitted: () => this.deliverer.kick() });
    this.deliverer = new Deliverer({ outbox: this.outbox, poster: this.poster, subscriptions: this.subscriptions, logger: o.logger, backoffSeconds: o.backoffSeconds, ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}), ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}) });
  }

  /** Loads the subscriptions, starts writing outbox rows and delivering (rows left by an earlier run go first). */
  async start(): Promise<void> {
    await this.subscriptions.load();
    this.detach = this.o.store.events.addWriter(this.subscriptions);
    this.deliverer.start();
  }

  /** For a cluster: read the subscriptions again, and hear of this node's changes. */
  reloadable(): { reload(): Promise<void>; onChange(listener: () => Promise<void>): void } {
    return { reload: () => this.subscriptions.load(), onChange: (l) => this.subscriptions.onChange(l) };
  }

  async stop(): Promise<void> {
    this.detach?.();
    await this.deliverer.stop();
    this.poster.close();
  }

  control(): PbxControl['webhooks'] {
    const subs = this.subscriptions;
    return {
      list: async () => subs.list(),
      get: async (id) => subs.get(id),
      create: (input) => subs.create(input),
      patch: (id, input) => subs.patch(id, input),
      remove: (id) => subs.remove(id),
      deliveries: async (id, q) => {
        subs.get(id);
        return this.outbox.list(id, q?.limit ?? 100, q?.status);
      },
      redeliver: async (id, deliveryId) => {
        subs.get(id);
        const row = await this.outbox.get(id, deliveryId);
        if (!row) throw notFound('delivery', deliveryId);
        await this.outbox.redeliver(deliveryId);
        this.deliverer.kick();
        return toDelivery({ ...row, status: 'pending' });
      },
      replay: (id, from, to) => subs.replay(id, from, to),
    };
  }
}
