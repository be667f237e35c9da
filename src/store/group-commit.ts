// Group commit: writes that arrive while one is being committed wait and are
// committed together in the next transaction. One transaction (one commit,
// one WAL flush on PostgreSQL) then carries many writes under load, while a
// lone write is committed at once. Each caller still hears back only after
// the transaction holding its write committed, and writes are committed in
// the order they were queued, one transaction at a time.
export class GroupCommit<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  private running = false;

  constructor(
    /** Commits the items together; returns one result per item, in order. */
    private readonly commitTogether: (items: T[]) => Promise<R[]>,
    /** Commits one item alone (a group that failed is retried item by item, so one bad write fails alone). */
    private readonly commitAlone: (item: T) => Promise<R>,
    private readonly maxGroup = 500,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.running) return;
      this.running = true;
      // Writes made in the same turn of the event loop (a burst) start as one group.
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.maxGroup);
        if (group.length === 1) {
          const [one] = group as [(typeof group)[number]];
          await this.commitAlone(one.item).then(one.resolve, one.reject);
          continue;
        }
        let results: R[] | undefined;
        try {
          results = await this.commitTogether(group.map((g) => g.item));
        } catch {
          results = undefined;
        }
        if (results) group.forEach((g, i) => g.resolve(results[i] as R));
        else for (const g of group) await this.commitAlone(g.item).then(g.resolve, g.reject);
      }
    } finally {
      this.running = false;
    }
  }
}
