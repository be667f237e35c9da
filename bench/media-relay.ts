// bench/media-relay: N concurrent calls of G.711 20 ms RTP, both directions,
// relayed by our MediaRelay (its own process) and by rtpengine in userspace, in
// the same run, from the same load generator (two Node processes, each holding
// half of the calls' fake phones). A "direct" run, phones sending straight to
// each other, measures what the generator itself adds to jitter.
//
// Per system: packet loss in the measurement window, the receivers'
// inter-arrival deviation from 20 ms (p50/p99; it includes the generator's own
// lateness in sending, which the direct run shows), the path's jitter |D| of
// RFC 3550 §6.4.1 (consecutive packets' transit-time difference, from the
// send times the generator recorded), the relay process's CPU from
// /proc/PID/stat (per call, and per relayed packet), and the generator's CPU.
// The recorded ratio is calls per core, ours ÷ rtpengine (higher is better).
//
// `npm run bench -- media-relay [--smoke]`; BENCH_MEDIA_CALLS=100,300,500 and
// BENCH_MEDIA_SECONDS=20 change the steps and the measurement window;
// BENCH_NO_RECORD=1 leaves bench/RESULTS.md alone (exploratory runs).
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { record } from './lib.ts';
import type { LoadResult } from './media-relay-load.ts';
import { RtpEngine } from './media-relay-rtpengine.ts';

const HERE = import.meta.dirname;
const GENERATORS = 2;
const OUR_PORTS = { min: 20000, max: 23999 };
const RTPENGINE_PORTS = { min: 24000, max: 27999 };

type System = 'direct' | 'switchboard' | 'switchboard-transcode' | 'rtpengine';

interface Measured {
  system: System;
  calls: number;
  sent: number;
  received: number;
  lossPct: number;
  /** |Δt − 20 ms| at the receiver, p50 and p99, ms. */
  p50: number;
  p99: number;
  /** |D| of RFC 3550 §6.4.1 (the path's jitter, without the generator's send lateness), p50 and p99, ms. */
  d50: number;
  d99: number;
  /** Relay CPU in % of one core over the window (undefined for direct). */
  cpuPct: number | undefined;
  generatorCpuPct: number;
  sendLateP99Ms: number;
  /** Datagrams the kernel dropped for full receive buffers during the window, machine-wide (/proc/net/snmp). */
  rcvbufErrors: number;
  /** Our relay only: garbage collections and their total pause over the whole run (warm-up to drain). */
  gc?: { count: number; ms: number; runMs: number };
}

/** A forked TypeScript child answering one request at a time over IPC. */
class Child {
  private waiting: ((msg: { type: string }) => void) | undefined;

  private constructor(readonly proc: ChildProcess) {
    proc.on('message', (msg: { type: string }) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(msg);
    });
  }

  static async start(file: string, env: Record<string, string> = {}): Promise<Child> {
    const proc = fork(join(HERE, file), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const child = new Child(proc);
    const ready = await child.next(20_000);
    if (ready.type !== 'ready') throw new Error(`${file}: ${JSON.stringify(ready)}`);
    return child;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  next<T extends { type: string }>(timeoutMs = 120_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('child did not answer')), timeoutMs);
      const onExit = (code: number | null) => reject(new Error(`child exited with ${String(code)}`));
      this.proc.once('exit', onExit);
      this.waiting = (msg) => {
        clearTimeout(timer);
        this.proc.off('exit', onExit);
        resolve(msg as T);
      };
    });
  }

  async request<T extends { type: string }>(msg: object, timeoutMs?: number): Promise<T> {
    const reply = this.next<T>(timeoutMs);
    this.proc.send(msg);
    const r = await reply;
    if (r.type === 'error') throw new Error(JSON.stringify(r));
    return r;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) return resolve();
      this.proc.once('exit', () => resolve());
      this.proc.disconnect();
      setTimeout(() => this.proc.kill('SIGKILL'), 3000).unref();
    });
  }
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a whole process (all its threads), in seconds (proc(5) fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function percentile(hist: Map<number, number>, p: number): number {
  const total = [...hist.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  let seen = 0;
  for (const bucket of [...hist.keys()].sort((a, b) => a - b)) {
    seen += hist.get(bucket)!;
    if (seen >= total * p) return bucket * 0.01;
  }
  return NaN;
}

/** Udp RcvbufErrors from /proc/net/snmp: counts every socket on the machine. */
function rcvbufErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'latin1').split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  return Number(values[names.indexOf('RcvbufErrors')] ?? 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(
  system: System,
  calls: number,
  timing: { warmupMs: number; measureMs: number; drainMs: number },
  gens: Child[],
  relay: { server?: Child; engine?: RtpEngine },
): Promise<Measured> {
  // Phones: calls split over the generators.
  const share = gens.map((_, g) => Math.floor(calls / gens.length) + (g < calls % gens.length ? 1 : 0));
  const phones = await Promise.all(gens.map((g, i) => g.request<{ type: 'opened'; ports: [number, number][] }>({ type: 'open', calls: share[i] })));
  let relayPid: number | undefined;
  const callIds: string[] = [];
  const targets: [number, number][][] = [];
  if (system === 'direct') {
    for (const p of phones) targets.push(p.ports.map(([a, b]) => [b, a]));
  } else if (system === 'rtpengine') {
    const engine = relay.engine!;
    relayPid = engine.child.pid;
    for (const [g, p] of phones.entries()) {
      const t: [number, number][] = [];
      for (const [i, [a, b]] of p.ports.entries()) {
        const id = `bench-${process.pid}-${calls}-${g}-${i}-${Date.now()}`;
        callIds.push(id);
        t.push(await engine.call(id, a, b));
      }
      targets.push(t);
    }
  } else {
    const server = relay.server!;
    relayPid = server.pid;
    const all = phones.flatMap((p) => p.ports);
    const legs = await server.request<{ type: 'legs'; ports: [number, number][] }>({ type: 'setup', phones: all, transcode: system === 'switchboard-transcode' });
    let at = 0;
    for (const p of phones) {
      targets.push(legs.ports.slice(at, at + p.ports.length));
      at += p.ports.length;
    }
  }

  const results = Promise.all(gens.map((g, i) => g.request<LoadResult>({ type: 'run', targets: targets[i], ...timing })));
  await sleep(timing.warmupMs + 5);
  const cpu0 = relayPid !== undefined ? cpuSeconds(relayPid) : 0;
  const gen0 = gens.reduce((s, g) => s + cpuSeconds(g.pid), 0);
  const drops0 = rcvbufErrors();
  const t0 = performance.now();
  await sleep(timing.measureMs);
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = relayPid !== undefined ? cpuSeconds(relayPid) : 0;
  const gen1 = gens.reduce((s, g) => s + cpuSeconds(g.pid), 0);
  const drops1 = rcvbufErrors();
  const res = await results;
  if (process.env.BENCH_DEBUG) process.stderr.write(`${system} ${calls}: ${JSON.stringify(res.map((r) => ({ sent: r.sent, received: r.received, lateP99: r.sendLateP99Ms, lateMax: r.sendLateMaxMs })))}\n`);

  let gc: Measured['gc'];
  if (system === 'rtpengine') for (const id of callIds) await relay.engine!.delete(id);
  if (system === 'switchboard' || system === 'switchboard-transcode') {
    const st = await relay.server!.request<{ type: 'stats'; inUse: number; gcCount: number; gcMs: number }>({ type: 'teardown' });
    gc = { count: st.gcCount, ms: st.gcMs, runMs: timing.warmupMs + timing.measureMs + timing.drainMs };
    if (process.env.BENCH_DEBUG) process.stderr.write(`${system} ${calls}: relay ${JSON.stringify(st)}\n`);
    if (st.inUse !== 0) throw new Error(`relay kept ${st.inUse} port pairs after teardown`);
  }
  await Promise.all(gens.map((g) => g.request({ type: 'close' })));

  const hist = new Map<number, number>();
  for (const r of res) for (const [b, c] of r.histogram) hist.set(b, (hist.get(b) ?? 0) + c);
  const dHist = new Map<number, number>();
  for (const r of res) for (const [b, c] of r.transitHistogram) dHist.set(b, (dHist.get(b) ?? 0) + c);
  const sent = res.reduce((s, r) => s + r.sent, 0);
  const received = res.reduce((s, r) => s + r.received, 0);
  return {
    system,
    calls,
    sent,
    received,
    lossPct: sent === 0 ? 100 : ((sent - received) / sent) * 100,
    p50: percentile(hist, 0.5),
    p99: percentile(hist, 0.99),
    d50: percentile(dHist, 0.5),
    d99: percentile(dHist, 0.99),
    cpuPct: relayPid !== undefined ? ((cpu1 - cpu0) / seconds) * 100 : undefined,
    generatorCpuPct: ((gen1 - gen0) / seconds) * 100,
    sendLateP99Ms: Math.max(...res.map((r) => r.sendLateP99Ms)),
    rcvbufErrors: drops1 - drops0,
    gc,
  };
}

function describe(m: Measured, measureMs: number): string {
  const jitter = `jitter p50/p99 ${m.p50.toFixed(2)}/${m.p99.toFixed(2)} ms (path D ${m.d50.toFixed(2)}/${m.d99.toFixed(2)})`;
  const loss = `loss ${m.lossPct.toFixed(3)} %${m.rcvbufErrors > 0 ? ` (machine-wide kernel rcvbuf drops ${m.rcvbufErrors})` : ''}`;
  if (m.cpuPct === undefined) return `${m.system} ${loss}, ${jitter}`;
  const packets = m.sent; // every packet sent in the window is one the relay had to forward
  const usPerPacket = ((m.cpuPct / 100) * (measureMs / 1000) * 1e6) / Math.max(1, packets);
  const gc = m.gc ? `, gc ${(m.gc.count / (m.gc.runMs / 1000)).toFixed(1)}/s ${((m.gc.ms / m.gc.runMs) * 100).toFixed(2)} % of time` : '';
  return `${m.system} ${loss}, ${jitter}, cpu ${m.cpuPct.toFixed(1)} % (${(m.cpuPct / m.calls).toFixed(3)} %/call, ${usPerPacket.toFixed(1)} µs/pkt${gc})`;
}

export async function run(opts: { smoke: boolean }): Promise<void> {
  const steps = opts.smoke ? [5] : (process.env.BENCH_MEDIA_CALLS ?? '100,300,500').split(',').map(Number);
  const measureMs = opts.smoke ? 2000 : Number(process.env.BENCH_MEDIA_SECONDS ?? 20) * 1000;
  const timing = { warmupMs: opts.smoke ? 500 : 2000, measureMs, drainMs: opts.smoke ? 300 : 500 };
  const systems: System[] = opts.smoke ? ['direct', 'switchboard', 'rtpengine'] : ['direct', 'switchboard', 'switchboard-transcode', 'rtpengine'];

  const gens: Child[] = [];
  let server: Child | undefined;
  let engine: RtpEngine | undefined;
  let engineProblem: string | undefined;
  try {
    const started = await Promise.all([
      ...Array.from({ length: GENERATORS }, () => Child.start('media-relay-load.ts')),
      Child.start('media-relay-server.ts', { BENCH_RTP_MIN: String(OUR_PORTS.min), BENCH_RTP_MAX: String(OUR_PORTS.max) }),
    ]);
    server = started.pop();
    gens.push(...started);
    if (!RtpEngine.available()) engineProblem = 'rtpengine is not installed (apt-get install -y rtpengine-daemon)';
    else {
      try {
        engine = await RtpEngine.start({ portMin: RTPENGINE_PORTS.min, portMax: RTPENGINE_PORTS.max });
      } catch (e) {
        engineProblem = `rtpengine did not start: ${e instanceof Error ? e.message : String(e)}`;
      }
    }

    for (const calls of steps) {
      const measured = new Map<System, Measured>();
      for (const system of systems) {
        if (system === 'rtpengine' && !engine) continue;
        measured.set(system, await measure(system, calls, timing, gens, { server, engine }));
      }
      const ours = measured.get('switchboard')!;
      const peer = measured.get('rtpengine');
      const parts = systems.flatMap((s) => (measured.has(s) ? [describe(measured.get(s)!, measureMs)] : []));
      const genCpu = Math.max(...[...measured.values()].map((m) => m.generatorCpuPct));
      const ratio = peer?.cpuPct && ours.cpuPct ? peer.cpuPct / ours.cpuPct : NaN;
      const summary = `${calls} calls × ${measureMs / 1000} s: ${parts.join('; ')}; generator ≤ ${genCpu.toFixed(0)} % cpu (2 processes)${peer ? `; calls per core ours ÷ rtpengine ${ratio.toFixed(2)}` : `; ${engineProblem ?? 'rtpengine not measured'}`}`;
      process.stdout.write(`bench/media-relay: ${summary}${opts.smoke ? ' (smoke)' : ''}\n`);
      if (!opts.smoke && process.env.BENCH_NO_RECORD !== '1') record('media-relay', `${process.env.BENCH_MEDIA_CALLS ? `BENCH_MEDIA_CALLS=${process.env.BENCH_MEDIA_CALLS} ` : ''}npm run bench -- media-relay`, summary, Number.isFinite(ratio) ? ratio : 0);
      if (ours.received === 0) throw new Error('no packet made it through our relay');
    }
  } finally {
    await engine?.stop();
    await server?.stop();
    await Promise.all(gens.map((g) => g.stop()));
  }
}
