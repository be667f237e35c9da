// RFC 3261 §17 and Table 4 (Appendix A) — the transaction timers, and the
// clock they run on. RFC 6026 §8.4 and §8.7 add Timers M and L.
//
// Time is injected: the transaction layer never calls the global setTimeout
// itself, so tests drive every retransmission with a ManualClock.

/** Opaque: whatever the Clock's setTimeout returned. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds; only differences matter. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The process clock. Timers are unref'd: a pending retransmission must not keep
 * a process alive whose sockets are closed (the sockets themselves do while open).
 */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface ManualTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to. advance(ms) fires every timer that falls
 * due, in time order (equal times in the order they were set), with now() equal
 * to the timer's due time while it runs; a timer set by a callback fires in the
 * same advance() if it falls due within it.
 */
export class ManualClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }

  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let due: ManualTimer | undefined;
      for (const t of this.timers.values()) {
        if (t.at <= target && (due === undefined || t.at < due.at || (t.at === due.at && t.id < due.id))) due = t;
      }
      if (!due) break;
      this.timers.delete(due.id);
      this.time = due.at;
      due.fn();
    }
    this.time = target;
  }

  /** Advances to the next pending timer and fires it (and any due at the same time). */
  advanceToNext(): boolean {
    const at = this.nextDue();
    if (at === undefined) return false;
    this.advance(at - this.time);
    return true;
  }

  /** Due time of the earliest pending timer. */
  nextDue(): number | undefined {
    let at: number | undefined;
    for (const t of this.timers.values()) if (at === undefined || t.at < at) at = t.at;
    return at;
  }

  /** How many timers are pending. */
  get pending(): number {
    return this.timers.size;
  }
}

// RFC 3261 Table 4:
//   T1  500 ms default  — RTT estimate
//   T2  4 s             — maximum retransmit interval for non-INVITE requests and INVITE responses
//   T4  5 s             — maximum duration a message will remain in the network
export interface TimerConfig {
  T1: number;
  T2: number;
  T4: number;
}

export const DEFAULT_TIMER_CONFIG: Readonly<TimerConfig> = { T1: 500, T2: 4000, T4: 5000 };

/**
 * The derived timers of Table 4, for one configuration. Functions of `reliable`
 * are the timers whose value is zero over a reliable transport.
 */
export class Timers {
  readonly T1: number;
  readonly T2: number;
  readonly T4: number;

  constructor(config: Partial<TimerConfig> = {}) {
    this.T1 = config.T1 ?? DEFAULT_TIMER_CONFIG.T1;
    this.T2 = config.T2 ?? DEFAULT_TIMER_CONFIG.T2;
    this.T4 = config.T4 ?? DEFAULT_TIMER_CONFIG.T4;
    for (const [name, v] of [['T1', this.T1], ['T2', this.T2], ['T4', this.T4]] as const) {
      if (!Number.isFinite(v) || v <= 0) throw new RangeError(`timer ${name} must be a positive number of milliseconds, got ${v}`);
    }
  }

  /** Timer A — INVITE request retransmit interval, for UDP only: initially T1. */
  get A(): number {
    return this.T1;
  }
  /** Timer B — INVITE transaction timeout: 64*T1. */
  get B(): number {
    return 64 * this.T1;
  }
  /**
   * Timer D — wait time for response retransmits: "> 32s for UDP, 0s for TCP/SCTP".
   * Never less than Timer H (64*T1), which bounds how long the server retransmits
   * the final response, so a larger T1 still has every retransmission absorbed.
   */
  D(reliable: boolean): number {
    return reliable ? 0 : Math.max(32_000, 64 * this.T1);
  }
  /** Timer E — non-INVITE request retransmit interval, UDP only: initially T1. */
  get E(): number {
    return this.T1;
  }
  /** Timer F — non-INVITE transaction timeout: 64*T1. */
  get F(): number {
    return 64 * this.T1;
  }
  /** Timer G — INVITE response retransmit interval: initially T1. */
  get G(): number {
    return this.T1;
  }
  /** Timer H — wait time for ACK receipt: 64*T1. */
  get H(): number {
    return 64 * this.T1;
  }
  /** Timer I — wait time for ACK retransmits: T4 for UDP, 0 for TCP/SCTP. */
  I(reliable: boolean): number {
    return reliable ? 0 : this.T4;
  }
  /** Timer J — wait time for non-INVITE request retransmits: 64*T1 for UDP, 0 for TCP/SCTP. */
  J(reliable: boolean): number {
    return reliable ? 0 : 64 * this.T1;
  }
  /** Timer K — wait time for response retransmits: T4 for UDP, 0 for TCP/SCTP. */
  K(reliable: boolean): number {
    return reliable ? 0 : this.T4;
  }
  /** Timer L (RFC 6026 §8.7) — wait time for accepted INVITE request retransmits: 64*T1. */
  get L(): number {
    return 64 * this.T1;
  }
  /** Timer M (RFC 6026 §8.4) — wait time for retransmission of 2xx to INVITE or additional 2xx from other branches: 64*T1. */
  get M(): number {
    return 64 * this.T1;
  }
  /**
   * §17.2.1 — "the server transaction MUST generate a 100 (Trying) response unless
   * it knows that the TU will generate a provisional or final response within 200 ms".
   */
  get trying(): number {
    return 200;
  }
}
