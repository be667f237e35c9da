// Brute-force protection: a source that fails authentication too often in a
// window is banned for a while, and its packets are dropped before parsing.
// Only failures with credentials count (a first, unauthenticated request that
// gets its challenge is normal).

export interface AuthFailureGuardOptions {
  maxFailures?: number;
  windowMs?: number;
  banMs?: number;
  /** Never banned: e.g. the SIP trunks' addresses and 127.0.0.1 in tests. */
  allow?: (address: string) => boolean;
  now?: () => number;
  onBan?: (address: string, untilMs: number) => void;
}

export class AuthFailureGuard {
  private readonly failures = new Map<string, { count: number; since: number }>();
  private readonly bans = new Map<string, number>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly banMs: number;
  private readonly now: () => number;

  constructor(private readonly options: AuthFailureGuardOptions = {}) {
    this.maxFailures = options.maxFailures ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
    this.banMs = options.banMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Cheap check for the transports: false drops the packet or connection. */
  admit = (address: string): boolean => {
    if (this.bans.size === 0) return true;
    const until = this.bans.get(address);
    if (until === undefined) return true;
    if (until > this.now()) return false;
    this.bans.delete(address);
    return true;
  };

  failure(address: string): void {
    if (this.options.allow?.(address)) return;
    const now = this.now();
    const f = this.failures.get(address);
    if (!f || now - f.since > this.windowMs) {
      this.failures.set(address, { count: 1, since: now });
      this.prune(now);
      return;
    }
    f.count++;
    if (f.count >= this.maxFailures) {
      this.failures.delete(address);
      const until = now + this.banMs;
      this.bans.set(address, until);
      this.options.onBan?.(address, until);
    }
  }

  success(address: string): void {
    this.failures.delete(address);
  }

  isBanned(address: string): boolean {
    return !this.admit(address);
  }

  get bannedCount(): number {
    return this.bans.size;
  }

  /** Bounds memory under a spray of sources. */
  private prune(now: number): void {
    if (this.failures.size < 100_000) return;
    for (const [a, f] of this.failures) if (now - f.since > this.windowMs) this.failures.delete(a);
  }
}
