// The calls of a node that died (issue 14): its open-calls rows (migration
// 019) stop being touched by its heartbeat. Once they are stale and the node
// is not a live member (members.ts), another node does for them what the
// dead node would have done at its next start (src/engine/cdr/crash-recovery.ts):
// a CDR each and a `call.ended`, which every node's call list, WebSocket and
// webhooks hear through the stream. Both conditions, so neither a node whose
// beats are delayed nor one whose database writes lag loses a live call; and
// the row's delete in the CDR's transaction makes sure one CDR is written
// even when the dead node restarts meanwhile or two survivors try at once.
import type { Logger } from 'pino';
import type { Store } from '../../store/index.ts';
import type { CdrWriter } from '../cdr/cdr-writer.ts';
import { HEARTBEAT_MS } from '../cdr/open-call-journal.ts';
import { recoverOpenCalls } from '../cdr/crash-recovery.ts';

/** A row not touched for this long belongs to a node that stopped (four missed heartbeats). */
const STALE_MS = 4 * HEARTBEAT_MS;

export interface DeadNodeCallsOptions {
  store: Store;
  cdr: CdrWriter;
  logger: Logger;
  node: string;
  isAlive(node: string): boolean;
}

export class DeadNodeCalls {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly o: DeadNodeCallsOptions) {}

  start(): void {
    this.timer = setInterval(() => this.sweep(), HEARTBEAT_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One look now (a node was just seen gone); one at a time. */
  sweep(): Promise<void> {
    this.running ??= this.takeOver()
      .catch((err: unknown) => this.o.logger.error({ err }, 'cluster: taking over a dead node\'s calls failed'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async takeOver(): Promise<void> {
    const staleBefore = new Date(Date.now() - STALE_MS).toISOString();
    const rows = await this.o.store.db.selectFrom('openCalls').select('node').distinct().where('node', 'not in', ['', this.o.node]).where('aliveAt', '<', staleBefore).execute();
    for (const { node } of rows) {
      if (this.o.isAlive(node)) continue;
      const cut = await recoverOpenCalls(this.o.store, this.o.cdr, this.o.logger, [node], staleBefore);
      if (cut.length > 0) this.o.logger.warn({ node, calls: cut.length }, 'cluster: the calls of a dead node ended with their CDRs');
    }
  }
}
