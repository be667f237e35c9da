// Whether the database answers, as the writes that must not be lost see it.
// When it stops answering (PostgreSQL restarted, its backends terminated, the
// network cut), those writes — events, CDRs — wait in memory, in order, and
// are retried until it is back (`untilStored`); reads fail at once with
// SB_STORE_UNAVAILABLE (503). Listeners hear each change (logs, metrics).
import { PbxError, isStoreUnavailable } from '../core/errors.ts';

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 2000;

export class StoreHealth {
  private downSince: number | undefined;
  private closed = false;
  private readonly listeners = new Set<(available: boolean, err?: unknown) => void>();

  get available(): boolean {
    return this.downSince === undefined;
  }

  /** ms since the database stopped answering, 0 while it answers. */
  downForMs(now = Date.now()): number {
    return this.downSince === undefined ? 0 : now - this.downSince;
  }

  onChange(listener: (available: boolean, err?: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The store is closing: waiting writes give up. */
  close(): void {
    this.closed = true;
  }

  /**
   * Runs `write` until it succeeds. A failure because the database is
   * unreachable is retried with a growing pause (up to 2 s); any other
   * failure, or the store closing, is thrown.
   */
  async untilStored<T>(write: () => Promise<T>): Promise<T> {
    let pause = FIRST_RETRY_MS;
    for (;;) {
      try {
        const result = await write();
        this.reachable();
        return result;
      } catch (err) {
        if (!isStoreUnavailable(err)) throw err;
        this.failed(err);
        if (this.closed) throw new PbxError('SB_STORE_UNAVAILABLE', 'the store closed while the database was unreachable');
        await new Promise((r) => setTimeout(r, pause));
        pause = Math.min(MAX_RETRY_MS, pause * 2);
      }
    }
  }

  /** The database stopped answering (a write failed, a pooled connection dropped). */
  failed(err: unknown): void {
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    for (const l of this.listeners) l(false, err);
  }

  /** The database answered (a write succeeded, a connection opened). */
  reachable(): void {
    if (this.downSince === undefined) return;
    this.downSince = undefined;
    for (const l of this.listeners) l(true);
  }
}
