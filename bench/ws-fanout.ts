// bench/ws-fanout: 1,000 subscribers on the native event WebSocket
// (/api/v1/events), 200 events/s appended through the event log's public
// write path; latency from the event's creation (before the append) to its
// receipt by each subscriber, p50/p99 over every (event, subscriber) pair.
// Peer: a bare `ws` server broadcasting the same payloads in the same run.
// The subscribers live in two client processes (ws-fanout-client.ts) so that
// the receiving side is not the bottleneck; the ratio is our p99 ÷ the peer's.
// Goal: p99 < 10 ms.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, record } from './lib.ts';
import type { ClientCommand, ClientHistogram } from './ws-fanout-client.ts';
import { BUCKET_MS, BUCKETS, percentile } from './ws-fanout-histogram.ts';
import type { SourceCommand } from './ws-fanout-source.ts';

const CLIENT_PROCESSES = 2;
const GOAL_P99_MS = 10;

type Reply = Record<string, unknown>;

function next(child: ChildProcess, key: string, timeoutMs = 120_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.off('message', on), reject(new Error(`no "${key}" from a child within ${String(timeoutMs)} ms`))), timeoutMs);
    const on = (m: Reply): void => {
      if (m.error !== undefined) {
        clearTimeout(timer);
        child.off('message', on);
        reject(new Error(String(m.error)));
      } else if (key in m) {
        clearTimeout(timer);
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
  });
}

interface Measured {
  p50: number;
  p99: number;
  max: number;
  frames: number;
  missing: number;
}

async function measure(system: 'switchboard' | 'peer', clients: number, rate: number, count: number): Promise<Measured> {
  // BENCH_CPU_PROF=DIR: a CPU profile of the event source (the server) into DIR.
  const prof = process.env.BENCH_CPU_PROF;
  const execArgv = [...process.execArgv, ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])];
  const source = fork(join(ROOT, 'bench/ws-fanout-source.ts'), [system], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const subscribers: ChildProcess[] = [];
  try {
    const ready = await next(source, 'ready');
    for (let k = 0; k < CLIENT_PROCESSES; k++) {
      const c = fork(join(ROOT, 'bench/ws-fanout-client.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      subscribers.push(c);
      await next(c, 'ready');
    }
    const share = Math.ceil(clients / CLIENT_PROCESSES);
    for (const c of subscribers) {
      const open: ClientCommand = { cmd: 'open', url: String(ready.url), headers: ready.headers as Record<string, string>, clients: share, firstSeq: Number(ready.firstSeq), maxEvents: count + 100 };
      c.send(open);
      await next(c, 'opened');
    }
    // Let the handshakes' aftermath (key checks, hello frames) settle first.
    await new Promise((r) => setTimeout(r, 1000));
    const generate: SourceCommand = { cmd: 'generate', rate, count };
    source.send(generate);
    const { created } = (await next(source, 'created')) as unknown as { created: [number, number][] };
    // Stragglers: the last events' frames may still be on their way.
    await new Promise((r) => setTimeout(r, 2000));
    const hist = new Array<number>(BUCKETS).fill(0);
    let missing = 0;
    let max = 0;
    for (const c of subscribers) {
      const times: ClientCommand = { cmd: 'times', created };
      c.send(times);
      const h = (await next(c, 'hist')) as unknown as ClientHistogram;
      h.hist.forEach((n, b) => (hist[b] = (hist[b] ?? 0) + n));
      missing += h.missing;
      max = Math.max(max, h.maxMs);
    }
    const frames = hist.reduce((a, b) => a + b, 0);
    return { p50: percentile(hist, frames, 50), p99: percentile(hist, frames, 99), max, frames, missing };
  } finally {
    for (const c of subscribers) {
      const close: ClientCommand = { cmd: 'close' };
      c.send(close);
      await next(c, 'closed', 10_000).catch(() => c.kill('SIGKILL'));
    }
    const stop: SourceCommand = { cmd: 'stop' };
    source.send(stop);
    await next(source, 'stopped', 20_000).catch(() => source.kill('SIGKILL'));
  }
}

export async function run(opts: { smoke: boolean }): Promise<void> {
  const clients = opts.smoke ? 200 : Number(process.env.BENCH_FANOUT_CLIENTS ?? 1000);
  const rate = Number(process.env.BENCH_FANOUT_RATE ?? 200);
  const seconds = opts.smoke ? 3 : Number(process.env.BENCH_FANOUT_SECONDS ?? 20);
  const count = rate * seconds;
  const ours = await measure('switchboard', clients, rate, count);
  const peer = await measure('peer', clients, rate, count);
  // The histogram ends at 2 s: a percentile past it is printed as such.
  const ms = (v: number): string => (v >= BUCKETS * BUCKET_MS ? `≥ ${String(BUCKETS * BUCKET_MS)}` : v.toFixed(2));
  const describe = (m: Measured): string => `p50 ${ms(m.p50)} ms, p99 ${ms(m.p99)} ms, max ${m.max.toFixed(1)} ms (${String(m.frames)} frames, ${String(m.missing)} missing)`;
  const ratio = ours.p99 / peer.p99;
  const summary = `${String(clients)} subscribers × ${String(rate)} events/s × ${String(seconds)} s: switchboard /api/v1/events ${describe(ours)}; bare ws ${describe(peer)}; goal p99 < ${String(GOAL_P99_MS)} ms`;
  process.stdout.write(`bench/ws-fanout: ${summary}, ratio ${ratio.toFixed(2)}${opts.smoke ? ' (smoke)' : ''}\n`);
  const envs = ['BENCH_FANOUT_CLIENTS', 'BENCH_FANOUT_RATE', 'BENCH_FANOUT_SECONDS'].filter((k) => process.env[k] !== undefined).map((k) => `${k}=${process.env[k] ?? ''} `);
  if (!opts.smoke && process.env.BENCH_NO_RECORD !== '1') record('ws-fanout', `${envs.join('')}npm run bench -- ws-fanout`, summary, ratio);
  if (ours.missing > 0) throw new Error(`${String(ours.missing)} frames never reached a subscriber`);
}
