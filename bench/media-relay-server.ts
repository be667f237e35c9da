// Our MediaRelay in a process of its own for bench/media-relay, so its CPU can
// be read from /proc/PID/stat apart from the load generator's.
//
// Parent → child (IPC): { type: 'setup', phones: [a, b][], transcode } → { type: 'legs', ports: [a, b][] }
//                       { type: 'teardown' } → { type: 'stats', … } (every leg removed; GC count and time since setup)
import { PerformanceObserver } from 'node:perf_hooks';
import { PortAllocator } from '../src/media/port-allocator.ts';
import { MediaRelay } from '../src/media/relay.ts';

const HOST = '127.0.0.1';
const min = Number(process.env.BENCH_RTP_MIN ?? 20000);
const max = Number(process.env.BENCH_RTP_MAX ?? 23999);
const allocator = new PortAllocator({ min, max }, HOST);
const relay = new MediaRelay({ allocator, host: HOST });
let legs: string[] = [];
// Garbage collection in this process, as a measure of what the packet path allocates
// (ours and Node's: each datagram brings a Buffer and an rinfo object).
let gcCount = 0;
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcCount++;
    gcMs += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

type Command = { type: 'setup'; phones: [number, number][]; transcode: boolean } | { type: 'teardown' };

process.on('message', (msg: Command) => {
  void (async () => {
    try {
      if (msg.type === 'setup') {
        const ports: [number, number][] = [];
        for (const [i, [phoneA, phoneB]] of msg.phones.entries()) {
          const a = `c${i}a`;
          const b = `c${i}b`;
          const legA = await relay.addLeg(a);
          const legB = await relay.addLeg(b);
          legs.push(a, b);
          relay.setRemote(a, { address: HOST, port: phoneA, codec: 'PCMU', payloadType: 0, telephoneEventPayloadType: 101 });
          relay.setRemote(b, msg.transcode ? { address: HOST, port: phoneB, codec: 'PCMA', payloadType: 8, telephoneEventPayloadType: 101 } : { address: HOST, port: phoneB, codec: 'PCMU', payloadType: 0, telephoneEventPayloadType: 101 });
          relay.bridge(a, b);
          ports.push([legA.port, legB.port]);
        }
        gcCount = 0;
        gcMs = 0;
        process.send!({ type: 'legs', ports });
      } else if (msg.type === 'teardown') {
        let packetsIn = 0;
        let packetsOut = 0;
        let dropped = 0;
        for (const id of legs) {
          const s = relay.stats(id);
          packetsIn += s?.packetsIn ?? 0;
          packetsOut += s?.packetsOut ?? 0;
          dropped += s?.packetsDropped ?? 0;
          relay.removeLeg(id);
        }
        legs = [];
        process.send!({ type: 'stats', packetsIn, packetsOut, dropped, inUse: allocator.inUse, gcCount, gcMs });
      }
    } catch (e) {
      process.send!({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  })();
});
process.on('disconnect', () => {
  relay.close();
  process.exit(0);
});
process.send!({ type: 'ready' });
