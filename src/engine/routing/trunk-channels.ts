// A trunk's simultaneous calls (3CX "simultaneous calls", Trunk.maxChannels):
// a channel is taken when a call starts on the trunk, in or out, and given
// back when that call ends or the attempt through the trunk fails. Counted on
// this node; 0 means no limit.
export class TrunkChannels {
  private readonly inUse = new Map<number, number>();

  /** Calls on the trunk now. */
  count(trunkId: number): number {
    return this.inUse.get(trunkId) ?? 0;
  }

  /** Takes a channel; the returned release (safe to call twice) gives it back. Undefined when all `max` are in use. */
  take(trunkId: number, max: number): (() => void) | undefined {
    const n = this.count(trunkId);
    if (max > 0 && n >= max) return undefined;
    this.inUse.set(trunkId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.count(trunkId) - 1;
      if (left > 0) this.inUse.set(trunkId, left);
      else this.inUse.delete(trunkId);
    };
  }
}
