// Load generator for bench/media-relay, run as a child process (several of
// them spread the load over the cores). Each call is two fake phones, each a
// UDP socket on 127.0.0.1 sending G.711 20 ms RTP (172-octet packets, 50/s)
// towards the relay and receiving the other phone's stream back.
//
// Packet k of a stream carries RTP timestamp k·160, so the receiver knows which
// 20 ms slot it belongs to: packets of slots [warmup, warmup + measure) are the
// measurement window, counted for loss, and consecutive ones give the
// inter-arrival deviation |Δt − 20 ms| that the jitter figures come from.
// Both phones of a call live in the same process, so the receiver also knows
// when each packet really left: |D| = |(R_j − R_i) − (S_j − S_i)| of RFC 3550
// §6.4.1 for consecutive packets is the jitter the path (the relay) added,
// without the generator's own lateness in sending.
//
// Parent → child (IPC): { type: 'open', calls } → { type: 'opened', ports: [a, b][] }
//                       { type: 'run', targets: [a, b][], warmupMs, measureMs, drainMs } → { type: 'result', … }
//                       { type: 'close' } → sockets closed → { type: 'closed' }
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { linearToUlaw } from '../src/media/g711.ts';
import { literalLookup } from '../src/media/port-allocator.ts';
import { serializeRtpHeader } from '../src/media/rtp-packet.ts';

const HOST = '127.0.0.1';
const PTIME = 20;
const PACKET = 12 + 160;
const RING = 4;
/** Histogram of |Δt − 20 ms| in 10 µs buckets up to 500 ms. */
const BUCKET_MS = 0.01;
const BUCKETS = 50_000;

export interface LoadResult {
  type: 'result';
  streams: number;
  sent: number;
  received: number;
  /** Sparse histograms: [bucket, count] pairs in BUCKET_MS units, of |Δt − 20 ms| and of |D|. */
  histogram: [number, number][];
  transitHistogram: [number, number][];
  /** How late the generator itself sent, at worst and at p99 (its own scheduling jitter). */
  sendLateMaxMs: number;
  sendLateP99Ms: number;
}

interface Stream {
  socket: Socket;
  ring: Buffer[];
  target: number;
  phase: number;
  /** When slot k really left, at [k % SENT_RING]. */
  sentAt: Float64Array;
  // receiving side of this socket
  lastSlot: number;
  lastAt: number;
  lastSentAt: number;
  peer: Stream | undefined;
}

const SENT_RING = 256;

const streams: Stream[] = [];
const payload = Buffer.alloc(160);
for (let i = 0; i < 160; i++) payload[i] = linearToUlaw(Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));

let windowStart = 0;
let windowEnd = 0;
let received = 0;
const histogram = new Uint32Array(BUCKETS + 1);
const transit = new Uint32Array(BUCKETS + 1);

function onPacket(s: Stream, buf: Buffer): void {
  const at = performance.now();
  if (buf.length < 12) return;
  const slot = (((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0) / 160;
  const sentAt = s.peer ? s.peer.sentAt[slot % SENT_RING]! : 0;
  if (slot >= windowStart && slot < windowEnd) {
    received++;
    if (slot === s.lastSlot + 1 && s.lastSlot >= windowStart) {
      const dev = Math.abs(at - s.lastAt - PTIME);
      histogram[Math.min(BUCKETS, Math.round(dev / BUCKET_MS))]!++;
      const d = Math.abs(at - s.lastAt - (sentAt - s.lastSentAt));
      transit[Math.min(BUCKETS, Math.round(d / BUCKET_MS))]!++;
    }
  }
  if (slot > s.lastSlot || slot < s.lastSlot - 1000) {
    s.lastSlot = slot;
    s.lastAt = at;
    s.lastSentAt = sentAt;
  }
}

async function open(calls: number): Promise<[number, number][]> {
  const ports: [number, number][] = [];
  for (let c = 0; c < calls; c++) {
    const pair: number[] = [];
    for (let side = 0; side < 2; side++) {
      const socket = createSocket({ type: 'udp4', lookup: literalLookup });
      // literalLookup answers synchronously, so 'listening' fires inside bind().
      const listening = once(socket, 'listening');
      socket.bind(0, HOST);
      await listening;
      const ssrc = (streams.length * 7919 + 1) >>> 0;
      const ring: Buffer[] = [];
      for (let i = 0; i < RING; i++) {
        const b = Buffer.alloc(PACKET);
        serializeRtpHeader({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc }, b);
        payload.copy(b, 12);
        ring.push(b);
      }
      const s: Stream = { socket, ring, target: 0, phase: 0, sentAt: new Float64Array(SENT_RING), lastSlot: -2, lastAt: 0, lastSentAt: 0, peer: undefined };
      socket.on('message', (buf: Buffer) => onPacket(s, buf));
      socket.on('error', () => undefined);
      streams.push(s);
      pair.push(socket.address().port);
    }
    const a = streams[streams.length - 2]!;
    const b = streams[streams.length - 1]!;
    a.peer = b;
    b.peer = a;
    ports.push([pair[0]!, pair[1]!]);
  }
  return ports;
}

function run(targets: [number, number][], warmupMs: number, measureMs: number, drainMs: number): Promise<LoadResult> {
  targets.forEach(([a, b], c) => {
    streams[2 * c]!.target = a;
    streams[2 * c + 1]!.target = b;
  });
  const n = streams.length;
  // Spread the streams evenly over the 20 ms period, so the load is smooth.
  streams.forEach((s, i) => {
    s.phase = (i * PTIME) / n;
    s.lastSlot = -2;
  });
  const warmSlots = Math.round(warmupMs / PTIME);
  const totalSlots = warmSlots + Math.round(measureMs / PTIME);
  windowStart = warmSlots;
  windowEnd = totalSlots;
  received = 0;
  histogram.fill(0);
  transit.fill(0);
  let sent = 0;
  const lateness = new Uint32Array(1001); // 0.1 ms buckets up to 100 ms
  let lateMax = 0;
  const start = performance.now() + 5;
  let slot = 0;
  let next = 0;
  return new Promise((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (slot < totalSlots) {
        const s = streams[next]!;
        const due = start + slot * PTIME + s.phase;
        if (due > now) break;
        const late = now - due;
        if (late > lateMax) lateMax = late;
        lateness[Math.min(1000, Math.floor(late * 10))]!++;
        const buf = s.ring[slot % RING]!;
        buf[2] = (slot >> 8) & 0xff;
        buf[3] = slot & 0xff;
        const ts = slot * 160;
        buf[4] = (ts >>> 24) & 0xff;
        buf[5] = (ts >>> 16) & 0xff;
        buf[6] = (ts >>> 8) & 0xff;
        buf[7] = ts & 0xff;
        s.sentAt[slot % SENT_RING] = performance.now();
        s.socket.send(buf, s.target, HOST);
        if (slot >= warmSlots) sent++;
        if (++next === n) {
          next = 0;
          slot++;
        }
      }
      if (slot < totalSlots) {
        setTimeout(tick, 1);
        return;
      }
      setTimeout(() => {
        const sparse = (h: Uint32Array): [number, number][] => {
          const out: [number, number][] = [];
          h.forEach((count, bucket) => {
            if (count > 0) out.push([bucket, count]);
          });
          return out;
        };
        let seen = 0;
        const total = lateness.reduce((a, b) => a + b, 0);
        let p99 = 0;
        for (let i = 0; i < lateness.length; i++) {
          seen += lateness[i]!;
          if (seen >= total * 0.99) {
            p99 = i / 10;
            break;
          }
        }
        resolve({ type: 'result', streams: n, sent, received, histogram: sparse(histogram), transitHistogram: sparse(transit), sendLateMaxMs: lateMax, sendLateP99Ms: p99 });
      }, drainMs);
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
}

type Command = { type: 'open'; calls: number } | { type: 'run'; targets: [number, number][]; warmupMs: number; measureMs: number; drainMs: number } | { type: 'close' };

process.on('message', (msg: Command) => {
  void (async () => {
    if (msg.type === 'open') {
      process.send!({ type: 'opened', ports: await open(msg.calls) });
    } else if (msg.type === 'run') {
      process.send!(await run(msg.targets, msg.warmupMs, msg.measureMs, msg.drainMs));
    } else if (msg.type === 'close') {
      for (const s of streams.splice(0)) s.socket.close();
      process.send!({ type: 'closed' });
    }
  })();
});
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready' });
