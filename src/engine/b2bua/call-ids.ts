// Call ids that never repeat: across restarts of a node and across the nodes
// of one database (issues 13 and 14). Ids stay short decimal strings, as the
// dialects show them. One counter row (migration 020) leases blocks: an
// `UPDATE … SET next_id = next_id + block … RETURNING` is atomic on SQLite (one
// writer at a time) and on PostgreSQL (the row lock), so no two leases — by
// this node or another — overlap. Ids are handed out synchronously from the
// block in hand; the next block is leased in the background once half of the
// current one is used, so a call never waits for the database here.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../store/schema.ts';
import { PbxError } from '../../core/errors.ts';

/** Ids per lease: a restart skips at most two blocks (the one in hand, the spare). */
export const CALL_ID_BLOCK = 1000;

interface Block {
  next: number;
  end: number;
}

export class CallIds {
  private current: Block = { next: 0, end: 0 };
  private spare: Block | undefined;
  private leasing: Promise<void> | undefined;
  private closed = false;
  private readonly block: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger?: Logger,
    block = CALL_ID_BLOCK,
  ) {
    this.block = block;
  }

  /** Leases the first block; before any call (a failure here fails the start). */
  async start(): Promise<void> {
    this.current = await this.lease();
  }

  /**
   * The next id. When the block in hand is used up and the next could not be
   * leased (the database unreachable for the whole second half of a block),
   * the call is refused with SB_STORE_UNAVAILABLE (503): an id handed out
   * without a lease could be another node's, and routing refuses new calls
   * during an outage anyway. `refused` runs first: it releases what the
   * caller already took for the call (a relay port).
   */
  next(refused?: () => void): string {
    if (this.current.next >= this.current.end) {
      if (!this.spare) {
        this.refill();
        refused?.();
        throw new PbxError('SB_STORE_UNAVAILABLE', 'no call id: the next block of ids could not be leased from the database');
      }
      this.current = this.spare;
      this.spare = undefined;
    }
    const id = this.current.next++;
    if (!this.spare && this.current.end - this.current.next <= this.block / 2) this.refill();
    return String(id);
  }

  /** Stops leasing (the store is closing); ids in hand may still be handed out. */
  close(): void {
    this.closed = true;
  }

  /** Leases the spare block unless a lease is under way; a failure is retried by the next call's `next()`. */
  private refill(): void {
    if (this.leasing || this.closed) return;
    this.leasing = this.lease()
      .then((b) => {
        this.spare = b;
      })
      .catch((err: unknown) => {
        if (!this.closed) this.logger?.warn({ reason: (err as Error).message }, 'next block of call ids not leased; retried on the next call');
      })
      .finally(() => {
        this.leasing = undefined;
      });
  }

  private async lease(): Promise<Block> {
    const row = await this.db
      .updateTable('callIdCounter')
      .set((eb) => ({ nextId: eb('nextId', '+', this.block) }))
      .where('id', '=', 1)
      .returning('nextId')
      .executeTakeFirstOrThrow();
    const end = Number(row.nextId);
    return { next: end - this.block, end };
  }
}
