// The queues' live statistics as events: after anything that may change a
// queue (a call or participant changing, a phone registering, the directory
// editing a queue or an extension, the queue service itself), every queue's
// snapshot is taken again and what differs from the last one said becomes a
// `queue.agent` event per agent and one `queue.updated` per queue. Refreshes
// are serialized and coalesced: a burst of changes is one refresh (or two).
import type { Logger } from 'pino';
import type { PbxEvent } from '../../core/pbx-control.ts';
import type { QueueStatus } from '../../core/queue-status.ts';
import type { Store } from '../../store/index.ts';
import { agentKey, statusKey } from './queue-snapshot.ts';

const TRIGGERS = new Set(['participant.updated', 'call.ended', 'device.registered', 'device.unregistered', 'directory.changed']);

export class QueueEvents {
  private readonly lastQueue = new Map<string, string>();
  private readonly lastAgent = new Map<string, string>();
  private running: Promise<void> | undefined;
  private again = false;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly snapshot: () => Promise<QueueStatus[]>,
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
    while (this.running) await this.running;
  }

  private async refresh(): Promise<void> {
    const statuses = await this.snapshot();
    const seen = new Set<string>();
    for (const s of statuses) {
      seen.add(s.queue);
      for (const a of s.agents) {
        const key = `${s.queue}/${a.extension}`;
        const said = agentKey(a);
        if (this.lastAgent.get(key) === said) continue;
        this.lastAgent.set(key, said);
        await this.store.events.append('queue.agent', a);
      }
      const said = statusKey(s);
      if (this.lastQueue.get(s.queue) === said) continue;
      this.lastQueue.set(s.queue, said);
      await this.store.events.append('queue.updated', s);
    }
    for (const q of [...this.lastQueue.keys()]) if (!seen.has(q)) this.lastQueue.delete(q);
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
  }
}
