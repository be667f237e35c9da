// Shared by bench/ws-fanout and its child processes: the clock and the
// latency histogram (0.05 ms buckets up to 2 s).
export const BUCKET_MS = 0.05;
export const BUCKETS = 40_000;

/** Wall-clock ms with sub-ms resolution, comparable between processes of one machine. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export function bucketOf(ms: number): number {
  return Math.max(0, Math.min(BUCKETS - 1, Math.floor(ms / BUCKET_MS)));
}

/** The upper edge of the bucket holding the p-th percentile of `total` samples. */
export function percentile(hist: number[], total: number, p: number): number {
  const want = (p / 100) * total;
  let seen = 0;
  for (let b = 0; b < hist.length; b++) {
    seen += hist[b] ?? 0;
    if (seen >= want) return (b + 1) * BUCKET_MS;
  }
  return BUCKETS * BUCKET_MS;
}
