// One owner node per ACD queue (issue 14). Each node, every RENEW_MS, takes
// or renews a lease row per queue in the shared `queue_owners` table
// (migration 015): the row's node keeps it while it renews, any node takes it
// once its lease ran out (the owner died), and a node that stops cleanly
// deletes its rows so another takes them at its next round. One statement per
// queue decides, so two nodes never both believe they own a queue for longer
// than a lease: the conditional upsert is atomic on PostgreSQL.
//
// What an owner is for (the design, src/engine/cluster/README.md): the
// queue's waiting list, its offers and its statistics live on one node; a
// caller reaching another node is handed to the owner.
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Store } from '../../store/index.ts';

export interface QueueOwnershipOptions {
  store: Store;
  node: string;
  logger: Logger;
  /** How long a lease lasts without renewal; a dead owner's queues move after at most this. */
  leaseMs?: number;
  now?: () => Date;
}

export class QueueOwnership {
  private readonly owners = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;
  private readonly leaseMs: number;
  private readonly now: () => Date;

  constructor(private readonly o: QueueOwnershipOptions) {
    this.leaseMs = o.leaseMs ?? 10_000;
    this.now = o.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    await this.renew();
    // Three renewals per lease: one lost round (a slow query) does not lose the queue.
    this.timer = setInterval(() => void this.renew(), Math.max(200, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  /** Gives this node's queues back at once (a clean stop), so another node takes them at its next round. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.round;
    await this.o.store.db.deleteFrom('queueOwners').where('node', '=', this.o.node).execute();
    this.owners.clear();
  }

  /** The node that owns the queue, as last seen (undefined: not decided yet). */
  ownerOf(queue: string): string | undefined {
    return this.owners.get(queue);
  }

  owns(queue: string): boolean {
    return this.owners.get(queue) === this.o.node;
  }

  /** Every queue and its owner, as last seen. */
  all(): Map<string, string> {
    return new Map(this.owners);
  }

  /** One round: take or renew every queue whose lease is ours or free; note who owns the others. */
  renew(): Promise<void> {
    if (this.round || this.stopped) return this.round ?? Promise.resolve();
    this.round = this.renewAll()
      .catch((err: unknown) => this.o.logger.error({ err }, 'cluster: queue ownership round failed'))
      .finally(() => {
        this.round = undefined;
      });
    return this.round;
  }

  private async renewAll(): Promise<void> {
    const db = this.o.store.db;
    const now = this.now();
    const nowIso = now.toISOString();
    const until = new Date(now.getTime() + this.leaseMs).toISOString();
    const queues = (await db.selectFrom('queues').select('number').execute()).map((q) => q.number);
    const seen = new Map<string, string>();
    for (const queue of queues) {
      // Ours to renew, or free to take: the WHERE of ON CONFLICT is evaluated on the locked row.
      const taken = await sql<{ node: string }>`insert into queue_owners (queue, node, lease_until) values (${queue}, ${this.o.node}, ${until})
        on conflict (queue) do update set node = excluded.node, lease_until = excluded.lease_until
        where queue_owners.node = excluded.node or queue_owners.lease_until < ${nowIso}
        returning node`.execute(db);
      if (taken.rows.length > 0) {
        if (this.owners.get(queue) !== this.o.node) this.o.logger.info({ queue }, 'cluster: this node now owns the queue');
        seen.set(queue, this.o.node);
      }
    }
    const others = await db.selectFrom('queueOwners').select(['queue', 'node']).where('node', '!=', this.o.node).execute();
    for (const r of others) if (!seen.has(r.queue)) seen.set(r.queue, r.node);
    // Rows of queues deleted from the directory go with them.
    const gone = [...(await db.selectFrom('queueOwners').select('queue').execute())].map((r) => r.queue).filter((q) => !queues.includes(q));
    if (gone.length > 0) await db.deleteFrom('queueOwners').where('queue', 'in', gone).execute();
    if (this.stopped) return;
    this.owners.clear();
    for (const [q, n] of seen) if (queues.includes(q)) this.owners.set(q, n);
  }
}
