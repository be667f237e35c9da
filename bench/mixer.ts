// bench/mixer: how many 3-party mixes one core carries with < 1 % late frames.
// The mixers run in a process of their own (bench/mixer-server.ts, one relay
// and one AudioMixer per mix, every member a real UDP relay leg); this process
// is the load generator: 3 fake phones per mix send µ-law 20 ms RTP, paced by
// the clock, and count what comes back. Per step: frames mixed late (20 ms or
// more after due, or skipped) in the measurement window, the mixer process's
// CPU (% of one core, per mix), and the packets received ÷ expected.
// The recorded ratio is the largest clean step ÷ the largest step tried.
//
// `npm run bench -- mixer [--smoke]`; BENCH_MIXES=50,100,200 and
// BENCH_MIXER_SECONDS=10 change the steps and the window; BENCH_NO_RECORD=1
// leaves bench/RESULTS.md alone.
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { join } from 'node:path';
import { linearToUlaw } from '../src/media/g711.ts';
import { serializeRtpHeader } from '../src/media/rtp-packet.ts';
import { record } from './lib.ts';

const HOST = '127.0.0.1';

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }): void => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
  });
}

interface Step {
  mixes: number;
  latePct: number;
  cpuPct: number;
  receivedPct: number;
}

async function step(mixes: number, seconds: number): Promise<Step> {
  const child = fork(join(import.meta.dirname, 'mixer-server.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await next(child, 'ready');
  const sockets: Socket[] = [];
  let received = 0;
  for (let i = 0; i < mixes * 3; i++) {
    const s = createSocket('udp4');
    s.on('message', () => received++);
    s.bind(0, HOST);
    await once(s, 'listening');
    sockets.push(s);
  }
  const phones: [number, number, number][] = [];
  for (let i = 0; i < mixes; i++) phones.push([0, 1, 2].map((k) => sockets[i * 3 + k]!.address().port) as [number, number, number]);
  child.send({ type: 'setup', phones });
  const { ports } = await next<{ ports: [number, number, number][] }>(child, 'legs');
  const payload = Buffer.alloc(160);
  for (let i = 0; i < 160; i++) payload[i] = linearToUlaw(Math.round(4000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  const t0 = Date.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.floor((Date.now() - t0) / 20);
    for (; sent < due; sent++) {
      for (let i = 0; i < sockets.length; i++) {
        const p = Buffer.allocUnsafe(172);
        serializeRtpHeader({ payloadType: 0, sequenceNumber: sent & 0xffff, timestamp: (sent * 160) >>> 0, ssrc: 1000 + i, marker: sent === 0 }, p);
        payload.copy(p, 12);
        sockets[i]!.send(p, ports[Math.floor(i / 3)]![i % 3]!, HOST);
      }
    }
  }, 20);
  await new Promise((r) => setTimeout(r, 2000)); // warm-up
  const markP = next<{ frames: number; late: number; cpuMs: number }>(child, 'mark');
  child.send({ type: 'mark' });
  const a = await markP;
  const r0 = received;
  const w0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const markQ = next<{ frames: number; late: number; cpuMs: number }>(child, 'mark');
  child.send({ type: 'mark' });
  const b = await markQ;
  const window = Date.now() - w0;
  clearInterval(timer);
  child.kill('SIGKILL');
  for (const s of sockets) s.close();
  const frames = b.frames - a.frames;
  const expected = (mixes * 3 * window) / 20;
  return { mixes, latePct: (100 * (b.late - a.late)) / Math.max(1, frames), cpuPct: (100 * (b.cpuMs - a.cpuMs)) / window, receivedPct: (100 * (received - r0)) / expected };
}

export async function run(o: { smoke: boolean }): Promise<void> {
  const steps = (process.env.BENCH_MIXES ?? (o.smoke ? '10' : '50,100,200,400')).split(',').map(Number);
  const seconds = Number(process.env.BENCH_MIXER_SECONDS ?? (o.smoke ? 3 : 10));
  const results: Step[] = [];
  for (const mixes of steps) {
    const r = await step(mixes, seconds);
    results.push(r);
    process.stdout.write(`mixer ${mixes} mixes: late ${r.latePct.toFixed(2)} % of frames, cpu ${r.cpuPct.toFixed(1)} % (${(r.cpuPct / mixes).toFixed(3)} %/mix), received ${r.receivedPct.toFixed(1)} %\n`);
  }
  const clean = results.filter((r) => r.latePct < 1).map((r) => r.mixes);
  const best = clean.length > 0 ? Math.max(...clean) : 0;
  const summary = `${results.map((r) => `${r.mixes} mixes: late ${r.latePct.toFixed(2)} %, cpu ${r.cpuPct.toFixed(1)} % (${(r.cpuPct / r.mixes).toFixed(3)} %/mix), received ${r.receivedPct.toFixed(1)} %`).join('; ')}; largest step with < 1 % late frames: ${best} mixes; ${seconds} s windows`;
  process.stdout.write(`${summary}\n`);
  if (!o.smoke && process.env.BENCH_NO_RECORD !== '1') record('mixer', `${process.env.BENCH_MIXES ? `BENCH_MIXES=${process.env.BENCH_MIXES} ` : ''}npm run bench -- mixer`, summary, best / Math.max(...steps));
}
