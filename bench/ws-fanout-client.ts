// A child process of bench/ws-fanout: opens N WebSocket subscribers to one
// URL and notes when each receives each event (by seq). Given the events'
// creation times afterwards, it answers a latency histogram (0.05 ms buckets),
// so millions of frames never cross the IPC channel one by one.
import { createRequire } from 'node:module';
import { BUCKETS, bucketOf, nowMs } from './ws-fanout-histogram.ts';

interface Ws {
  on(event: 'message', l: (data: Buffer) => void): void;
  on(event: 'open', l: () => void): void;
  on(event: 'error', l: (err: Error) => void): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string, opts: object) => Ws;


export type ClientCommand =
  | { cmd: 'open'; url: string; headers: Record<string, string>; clients: number; firstSeq: number; maxEvents: number }
  | { cmd: 'times'; created: [seq: number, atMs: number][] }
  | { cmd: 'close' };

export interface ClientHistogram {
  hist: number[];
  missing: number;
  maxMs: number;
}


const send = (m: object): void => void process.send?.(m);

const sockets: Ws[] = [];
/** received[client * maxEvents + (seq - firstSeq)]: when it arrived, 0 while it has not. */
let received = new Float64Array(0);
let maxEvents = 0;
let firstSeq = 0;

function onFrame(client: number, data: Buffer): void {
  const at = nowMs();
  // Both servers' frames start with the seq: no JSON.parse per frame on the client.
  const m = /^\{"seq":(\d+)/.exec(data.toString('latin1', 0, 32));
  if (!m) return;
  const i = Number(m[1]) - firstSeq;
  if (i >= 0 && i < maxEvents) received[client * maxEvents + i] = at;
}

async function open(msg: Extract<ClientCommand, { cmd: 'open' }>): Promise<void> {
  maxEvents = msg.maxEvents;
  firstSeq = msg.firstSeq;
  received = new Float64Array(msg.clients * maxEvents);
  for (let c = 0; c < msg.clients; c += 50) {
    // Fifty handshakes at a time: a thousand at once only measures the accept queue.
    const batch: Promise<void>[] = [];
    for (let k = c; k < Math.min(msg.clients, c + 50); k++) {
      const ws = new WebSocket(msg.url, { headers: msg.headers, perMessageDeflate: false });
      ws.on('message', (d) => onFrame(k, d));
      batch.push(new Promise<void>((resolve, reject) => (ws.on('open', () => resolve()), ws.on('error', reject))));
      sockets.push(ws);
    }
    await Promise.all(batch);
  }
  send({ opened: sockets.length });
}

function histogram(created: [number, number][]): ClientHistogram {
  const hist = new Array<number>(BUCKETS).fill(0);
  let missing = 0;
  let maxMs = 0;
  for (let c = 0; c < sockets.length; c++) {
    for (const [seq, t0] of created) {
      const at = received[c * maxEvents + (seq - firstSeq)] ?? 0;
      if (at === 0) {
        missing++;
        continue;
      }
      const ms = at - t0;
      if (ms > maxMs) maxMs = ms;
      const b = bucketOf(ms);
      hist[b] = (hist[b] ?? 0) + 1;
    }
  }
  return { hist, missing, maxMs };
}

process.on('message', (msg: ClientCommand) => {
  const work = async (): Promise<void> => {
    if (msg.cmd === 'open') await open(msg);
    else if (msg.cmd === 'times') send(histogram(msg.created));
    else {
      for (const s of sockets) s.close();
      send({ closed: true });
      setTimeout(() => process.exit(0), 100).unref();
    }
  };
  work().catch((err: unknown) => send({ error: String(err) }));
});
send({ ready: true });
