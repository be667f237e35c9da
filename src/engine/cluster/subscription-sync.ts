// Webhook subscriptions across the nodes: each node keeps the list in memory
// (the event writer decides on it synchronously, inside the event's
// transaction), so a change made on one node is announced on
// `switchboard.<cluster>.webhooks` once it is committed, and every other node
// reads the list again from the shared database. The announcing node flushes
// before its API answers, so the others hear of it within a NATS hop. A
// re-read every RESYNC_MS covers an announcement lost while a node was
// disconnected.
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';
import type { ClusterNames } from './names.ts';

const RESYNC_MS = 30_000;

interface ChangeNotice {
  node: string;
}
const codec = JSONCodec<ChangeNotice>();

export interface ReloadableSubscriptions {
  /** Reads the subscriptions from the store again. */
  reload(): Promise<void>;
  /** Called after each change this node committed. */
  onChange(listener: () => Promise<void>): void;
}

export class SubscriptionSync {
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: ClusterNames,
    private readonly node: string,
    private readonly subscriptions: ReloadableSubscriptions,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.subscriptions.onChange(async () => {
      // The change is committed: a NATS failure must not make it look failed (the resync catches up).
      try {
        this.nc.publish(this.names.webhooksSubject, codec.encode({ node: this.node }));
        await this.nc.flush();
      } catch (err) {
        this.onError(err);
      }
    });
    this.subscription = this.nc.subscribe(this.names.webhooksSubject, {
      callback: (err, msg) => {
        if (err) return;
        if (codec.decode(msg.data).node !== this.node) this.reload();
      },
    });
    this.timer = setInterval(() => this.reload(), RESYNC_MS);
    this.timer.unref();
  }

  stop(): void {
    this.subscription?.unsubscribe();
    if (this.timer) clearInterval(this.timer);
  }

  /** One reload at a time; a change announced during one is read by one more. */
  private reload(): void {
    if (this.reloading) {
      this.again = true;
      return;
    }
    this.reloading = (async () => {
      do {
        this.again = false;
        await this.subscriptions.reload().catch(this.onError);
      } while (this.again);
    })().finally(() => {
      this.reloading = undefined;
    });
  }
}
