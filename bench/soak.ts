// bench/soak (not in CI): `npm run bench -- soak --minutes 30`. A real
// `switchboard start` under a steady mixed load for N minutes:
// - SIPp calls UAC 3001 → Switchboard → SIPp UAS 3002 (digest, BENCH_SOAK_CPS
//   calls/s, each held BENCH_SOAK_HOLD_MS),
// - API reads (extensions, live calls, CDR, registrations) in a loop,
// - native event WebSocket subscribers, a few of them reconnecting every sample.
// Every 10 s: the process's RSS and open file descriptors (/proc) and its V8
// heap in use (/metrics). At the end, after a warm-up, the least-squares slope
// of each per minute; it fails when a slope passes its threshold (a leak trend)
// or when calls failed. The ratio is the worst slope ÷ its threshold.
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExtensions, record, startSwitchboard, stop } from './lib.ts';
import { UAC_AUTH } from './b2bua-cps.ts';
import { CALLEE, PASSWORD, registeredUas } from './sipp-calls.ts';
import { startSipp, type SippRun } from '../test/peers/sipp.ts';
import { LOOPBACK } from '../test/peers/ports.ts';

interface Ws {
  on(event: 'open' | 'close', l: () => void): void;
  on(event: 'error', l: (err: Error) => void): void;
  on(event: 'message', l: () => void): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string, opts: object) => Ws;

const SAMPLE_MS = 10_000;
const SUBSCRIBERS = 50;
const CHURN_PER_SAMPLE = 10;
/** Growth per minute beyond which the trend is a leak (override: BENCH_SOAK_MAX_RSS_MIB_MIN, …_HEAP_…, …_FDS_…). */
const LIMITS = {
  rssMiB: Number(process.env.BENCH_SOAK_MAX_RSS_MIB_MIN ?? 2),
  heapMiB: Number(process.env.BENCH_SOAK_MAX_HEAP_MIB_MIN ?? 1),
  fds: Number(process.env.BENCH_SOAK_MAX_FDS_MIN ?? 0.5),
};

interface Sample {
  minute: number;
  rssMiB: number;
  heapMiB: number;
  /** Memory outside the V8 heap that V8 knows of (Buffers): where RSS grows without the heap, look here first. */
  externalMiB: number;
  fds: number;
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] ?? 0) - mx) * ((ys[i] ?? 0) - my);
    den += ((xs[i] ?? 0) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function minutesArg(smoke: boolean): number {
  const i = process.argv.indexOf('--minutes');
  const given = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  if (Number.isFinite(given) && given > 0) return given;
  return smoke ? 0.5 : 30;
}

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${String(pid)}/fd`).length;
}

async function heapMiB(base: string, headers: Record<string, string>): Promise<{ heap: number; external: number }> {
  const text = await (await fetch(`${base}/metrics`, { headers })).text();
  const read = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
  return { heap: read('switchboard_nodejs_heap_size_used_bytes'), external: read('switchboard_nodejs_external_memory_bytes') };
}

/** Native event stream subscribers; `churn(n)` closes n of them and opens n new ones. */
function subscribers(url: string, headers: Record<string, string>): { churn(n: number): Promise<void>; frames(): number; close(): void } {
  const open: Ws[] = [];
  let frames = 0;
  const connect = () =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.on('message', () => void frames++);
      ws.on('open', () => (open.push(ws), resolve()));
      ws.on('error', reject);
    });
  return {
    async churn(n) {
      for (const ws of open.splice(0, Math.min(n, open.length))) ws.close();
      while (open.length < SUBSCRIBERS) await connect();
    },
    frames: () => frames,
    close: () => open.splice(0).forEach((ws) => ws.close()),
  };
}

/** GETs in a loop until stopped; counts answers by status class. */
function apiReader(base: string, headers: Record<string, string>): { stop(): Promise<{ ok: number; failed: number }> } {
  const paths = ['/api/v1/extensions', '/api/v1/calls', '/api/v1/cdr?limit=50', '/api/v1/registrations', '/api/v1/events?limit=20'];
  let running = true;
  let ok = 0;
  let failed = 0;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      try {
        const res = await fetch(`${base}${paths[i % paths.length] ?? ''}`, { headers });
        await res.arrayBuffer();
        if (res.status === 200) ok++;
        else failed++;
      } catch {
        failed++;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { ok, failed };
    },
  };
}

export async function run(opts: { smoke: boolean }): Promise<void> {
  const minutes = minutesArg(opts.smoke);
  const cps = Number(process.env.BENCH_SOAK_CPS ?? 10);
  const holdMs = Number(process.env.BENCH_SOAK_HOLD_MS ?? 3000);
  const warmupMinutes = Math.min(2, minutes / 5);
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-soak-'));
  const env = { SWITCHBOARD_DATA_DIR: join(dir, 'data'), SWITCHBOARD_HTTP_PORT: '0', SWITCHBOARD_SIP_PORT: '0', SWITCHBOARD_HOST: LOOPBACK, SWITCHBOARD_LOG_LEVEL: 'warn' };
  const sb = await startSwitchboard(env);
  const load0 = loadavg()[0] ?? 0;
  let uas: SippRun | undefined;
  let uac: SippRun | undefined;
  try {
    const pid = sb.child.pid ?? 0;
    const { sipPort, base } = sb;
    const headers = { authorization: `Bearer ${sb.key}` };
    await createExtensions(sb, ['3001', CALLEE], PASSWORD);
    uas = await registeredUas({ host: LOOPBACK, port: sipPort });
    const calls = Math.round(cps * minutes * 60);
    uac = await startSipp({ scenarioFile: UAC_AUTH, target: `${LOOPBACK}:${String(sipPort)}`, rate: cps, calls, timeoutMs: (minutes * 60 + 120) * 1000, args: ['-s', CALLEE, '-d', String(holdMs), '-recv_timeout', '10000'] });
    const subs = subscribers(`${base.replace(/^http/, 'ws')}/api/v1/events`, headers);
    await subs.churn(0);
    const reader = apiReader(base, headers);

    const samples: Sample[] = [];
    const t0 = Date.now();
    process.stdout.write(`bench/soak: ${String(minutes)} min, ${String(cps)} calls/s held ${String(holdMs)} ms, API reads, ${String(SUBSCRIBERS)} event subscribers (${String(CHURN_PER_SAMPLE)} reconnect every ${String(SAMPLE_MS / 1000)} s); load average ${load0.toFixed(1)}\n`);
    while (Date.now() - t0 < minutes * 60_000) {
      await new Promise((r) => setTimeout(r, Math.min(SAMPLE_MS, minutes * 60_000 - (Date.now() - t0))));
      const v8 = await heapMiB(base, headers);
      const s: Sample = { minute: (Date.now() - t0) / 60_000, rssMiB: rssMiB(pid), heapMiB: v8.heap, externalMiB: v8.external, fds: openFds(pid) };
      samples.push(s);
      process.stdout.write(`  ${s.minute.toFixed(1).padStart(5)} min  rss ${s.rssMiB.toFixed(1)} MiB  heap ${s.heapMiB.toFixed(1)} MiB  external ${s.externalMiB.toFixed(1)} MiB  fds ${String(s.fds)}\n`);
      await subs.churn(CHURN_PER_SAMPLE);
    }
    const reads = await reader.stop();
    const frames = subs.frames();
    subs.close();
    const sipp = await uac.done;
    uac = undefined;

    const measured = samples.filter((s) => s.minute >= warmupMinutes);
    const xs = measured.map((s) => s.minute);
    const trend = {
      rssMiB: slope(xs, measured.map((s) => s.rssMiB)),
      heapMiB: slope(xs, measured.map((s) => s.heapMiB)),
      fds: slope(xs, measured.map((s) => s.fds)),
    };
    const externalTrend = slope(xs, measured.map((s) => s.externalMiB));
    const ratio = Math.max(trend.rssMiB / LIMITS.rssMiB, trend.heapMiB / LIMITS.heapMiB, trend.fds / LIMITS.fds, 0);
    const first = measured[0];
    const last = measured[measured.length - 1];
    const ok = sipp.stats?.successful ?? 0;
    const failedCalls = sipp.stats?.failed ?? 0;
    const summary =
      `${String(minutes)} min, ${String(cps)} calls/s × ${String(holdMs)} ms: ${String(ok)} calls ok, ${String(failedCalls)} failed; ${String(reads.ok)} API reads (${String(reads.failed)} not 200); ${String(frames)} event frames; ` +
      `after ${warmupMinutes.toFixed(1)} min warm-up rss ${first?.rssMiB.toFixed(0) ?? '?'}→${last?.rssMiB.toFixed(0) ?? '?'} MiB (${trend.rssMiB.toFixed(2)} MiB/min, limit ${String(LIMITS.rssMiB)}), ` +
      `heap ${first?.heapMiB.toFixed(0) ?? '?'}→${last?.heapMiB.toFixed(0) ?? '?'} MiB (${trend.heapMiB.toFixed(2)} MiB/min, limit ${String(LIMITS.heapMiB)}), ` +
      `external ${first?.externalMiB.toFixed(0) ?? '?'}→${last?.externalMiB.toFixed(0) ?? '?'} MiB (${externalTrend.toFixed(2)} MiB/min), ` +
      `fds ${String(first?.fds ?? '?')}→${String(last?.fds ?? '?')} (${trend.fds.toFixed(2)}/min, limit ${String(LIMITS.fds)}); load average ${load0.toFixed(1)}→${(loadavg()[0] ?? 0).toFixed(1)}`;
    process.stdout.write(`bench/soak: ${summary}, ratio ${ratio.toFixed(2)}${opts.smoke ? ' (smoke)' : ''}\n`);
    if (!opts.smoke && process.env.BENCH_NO_RECORD !== '1') record('soak', `npm run bench -- soak --minutes ${String(minutes)}`, summary, ratio);
    if (ok === 0) throw new Error(`no call completed:\n${sipp.stderr}`);
    if (failedCalls > ok / 100) throw new Error(`${String(failedCalls)} of ${String(ok + failedCalls)} calls failed`);
    if (reads.failed > 0) throw new Error(`${String(reads.failed)} API reads did not answer 200`);
    // Half a minute of samples says nothing about a trend: the smoke only proves the harness works.
    if (!opts.smoke && minutes >= 3 && ratio > 1) throw new Error(`growth trend beyond its limit (ratio ${ratio.toFixed(2)}): ${JSON.stringify(trend)}`);
  } finally {
    if (uac) await uac.stop();
    if (uas) await uas.stop();
    await stop(sb.child);
    rmSync(dir, { recursive: true, force: true });
  }
}
