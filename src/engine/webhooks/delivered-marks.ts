// Successful deliveries waiting to be marked in the outbox. One UPDATE per
// delivery was the ceiling of a busy destination (a commit, and on PostgreSQL
// a WAL flush, between two POSTs); marks are written in batches instead, in
// the background while the next POSTs go out. Durability is unchanged: a row
// was on disk before it was sent, and a crash before its mark is written only
// sends it again (at least once, same webhook-id), as a crash between a POST
// and its UPDATE always did. The row stays leased to us until it is marked.
import type { Outbox } from './outbox.ts';

export interface DeliveredMark {
  id: number;
  status: number;
  latencyMs: number;
}

export class DeliveredMarks {
  private buffer: DeliveredMark[] = [];
  private firstAt = 0;
  private writing: Promise<void>[] = [];
  private failure: unknown;

  constructor(
    private readonly outbox: Outbox,
    /** Marks per UPDATE at most. */
    private readonly batch = 100,
    /** A mark waits at most this long for others (a slow receiver must not leave rows unmarked for long). */
    private readonly maxWaitMs = 200,
  ) {}

  add(mark: DeliveredMark): void {
    if (this.buffer.length === 0) this.firstAt = performance.now();
    this.buffer.push(mark);
    if (this.buffer.length >= this.batch || performance.now() - this.firstAt >= this.maxWaitMs) this.write();
  }

  /** Writes what is buffered and waits for every write; throws the first write that failed. */
  async flush(): Promise<void> {
    this.write();
    const writing = this.writing;
    this.writing = [];
    await Promise.all(writing);
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      throw err instanceof Error ? err : new Error(String(err));
    }
  }

  private write(): void {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    // Caught at once (a rejection nobody handles yet would end the process); flush() reports it.
    this.writing.push(this.outbox.deliveredMany(rows).catch((err: unknown) => void (this.failure ??= err)));
  }
}
