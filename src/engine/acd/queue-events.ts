// The queues' live statistics as events: after anything that may change a
// queue (a call or participant changing, a phone registering, the directory
// editing a queue or an extension, the queue service itself), every queue's
// snapshot is taken again and what differs from the last one said becomes a
// `queue.agent` event per agent and one `queue.updated` per queue. Refreshes
// are serialized and coalesced: a burst of changes is one refresh (or two).
// A token bucket bounds the rate: a refresh reads every queue and every
// agent's facts, and at 150 calls/s the triggers (seven per call) kept it
// running back to back, 8 % of a call's CPU. Light traffic is never delayed,
// so every transition (an agent ringing for 50 ms) is still told; under load
// the statistics come at most REFRESH_RATE times a second, which is more than
// a wallboard can show.
// A refresh reads the agents' states once its store reads are done, so an
// agent offered a call and answering it meanwhile would skip from free to
// busy; the snapshot also names the agents offered a call since the last one
// (taken in the same turn as the states), and such an agent no longer
// ringing is told `ringing` first, then its state now.
import type { Logger } from 'pino';
import type { PbxEvent } from '../../core/pbx-control.ts';
import type { QueueAgentStatus, QueueStatus } from '../../core/queue-status.ts';
import type { Store } from '../../store/index.ts';
import { agentKey, statusKey } from './queue-snapshot.ts';

const REFRESH_RATE = 20;
const REFRESH_BURST = 10;

export interface QueueSnapshot {
  statuses: QueueStatus[];
  /** Extensions offered a call since the last snapshot: they rang, if only briefly. */
  offered: ReadonlySet<string>;
}

const TRIGGERS = new Set(['participant.updated', 'call.ended', 'device.registered', 'device.unregistered', 'directory.changed']);

export class QueueEvents {
  private readonly lastQueue = new Map<string, string>();
  private readonly lastAgent = new Map<string, string>();
  /** The state last told per `${queue}/${extension}`. */
  private readonly lastState = new Map<string, string>();
  private running: Promise<void> | undefined;
  private again = false;
  private tokens = REFRESH_BURST;
  private tokensAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly snapshot: () => Promise<QueueSnapshot>,
  ) {
    this.unsubscribe = store.events.subscribe((e) => this.onEvent(e));
  }

  private onEvent(e: PbxEvent): void {
    if (!TRIGGERS.has(e.type)) return;
    if (e.type === 'directory.changed') {
      const entity = (e as PbxEvent<'directory.changed'>).payload.entity;
      if (entity !== 'queues' && entity !== 'extensions') return;
    }
    this.changed();
  }

  /** Something may have changed: look again soon. */
  changed(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    const now = Date.now();
    this.tokens = Math.min(REFRESH_BURST, this.tokens + ((now - this.tokensAt) * REFRESH_RATE) / 1000);
    this.tokensAt = now;
    if (this.tokens < 1) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.changed();
        },
        Math.ceil(((1 - this.tokens) * 1000) / REFRESH_RATE),
      );
      return;
    }
    this.tokens -= 1;
    this.running = this.refresh()
      .catch((err: unknown) => this.logger.error({ err }, 'queue statistics refresh failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.changed();
        }
      });
  }

  /** Resolves when no refresh is pending (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running || this.timer) {
      if (this.running) await this.running;
      else await new Promise((resolve) => setTimeout(resolve, 1000 / REFRESH_RATE / 4));
    }
  }

  private async refresh(): Promise<void> {
    const { statuses, offered } = await this.snapshot();
    const seen = new Set<string>();
    for (const s of statuses) {
      seen.add(s.queue);
      for (const a of s.agents) {
        const key = `${s.queue}/${a.extension}`;
        if (offered.has(a.extension) && a.state !== 'ringing' && this.lastState.get(key) !== 'ringing') await this.tell(key, { ...a, state: 'ringing', wrapUpUntil: null });
        await this.tell(key, a);
      }
      const said = statusKey(s);
      if (this.lastQueue.get(s.queue) === said) continue;
      this.lastQueue.set(s.queue, said);
      await this.store.events.append('queue.updated', s);
    }
    for (const q of [...this.lastQueue.keys()]) if (!seen.has(q)) this.lastQueue.delete(q);
  }

  private async tell(key: string, a: QueueAgentStatus): Promise<void> {
    const said = agentKey(a);
    if (this.lastAgent.get(key) === said) return;
    this.lastAgent.set(key, said);
    this.lastState.set(key, a.state);
    await this.store.events.append('queue.agent', a);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe();
  }
}
