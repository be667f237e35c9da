// The two event sources of bench/ws-fanout, each a child process of the bench,
// told what to do over IPC:
// - `switchboard`: a real Switchboard (startServer, as `switchboard start`)
//   whose events are appended through the event log's public write path
//   (`store.events.append`, what the engine calls), streamed to subscribers by
//   the native /api/v1/events WebSocket;
// - `peer`: a bare `ws` server that serializes each event once and sends it
//   to every client, the least any broadcaster can do.
// Both make the same `dtmf` events at the same pace and report, per seq, when
// each was created (before the append / before the serialization).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';
import { nowMs } from './ws-fanout-histogram.ts';

export type SourceCommand = { cmd: 'generate'; rate: number; count: number } | { cmd: 'stop' };

interface WsServer {
  clients: Set<{ send(data: string): void }>;
  address(): { port: number };
  on(event: 'listening', l: () => void): void;
  close(cb: () => void): void;
}
const { WebSocketServer } = createRequire(import.meta.url)('ws') as { WebSocketServer: new (o: object) => WsServer };

const send = (m: object): void => void process.send?.(m);

const payload = (i: number) => ({ callId: String(1000 + (i % 50)), participantId: `p${String(i % 100)}`, digit: '0123456789*#'[i % 12] ?? '1', durationMs: 120 });

/** Calls `emit(i)` `count` times, `rate` per second, on a fixed schedule (late ticks catch up). */
async function pace(rate: number, count: number, emit: (i: number) => void): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0.5) await new Promise((r) => setTimeout(r, wait));
    emit(i);
  }
}

async function switchboard(): Promise<{ generate(rate: number, count: number): Promise<[number, number][]>; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-fanout-'));
  const server = await startServer(
    loadConfig({ SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_HTTP_PORT: '0', SWITCHBOARD_SIP_PORT: '0', SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_LOG_LEVEL: 'warn', SWITCHBOARD_DEMO: 'false' }),
  );
  const key = (await server.control.keys.create('read', 'bench')).key;
  const lastSeq = await server.store.events.lastSeq();
  send({ ready: true, url: `ws://127.0.0.1:${String(server.ports.http)}/api/v1/events`, headers: { authorization: `Bearer ${key}` }, firstSeq: lastSeq + 1 });
  return {
    async generate(rate, count) {
      const created: [number, number][] = [];
      const appends: Promise<void>[] = [];
      await pace(rate, count, (i) => {
        const t0 = nowMs();
        appends.push(server.store.events.append('dtmf', payload(i)).then((e) => void created.push([e.seq, t0])));
      });
      await Promise.all(appends);
      return created;
    },
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function peer(): Promise<{ generate(rate: number, count: number): Promise<[number, number][]>; stop(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.on('listening', () => r()));
  let seq = 0;
  send({ ready: true, url: `ws://127.0.0.1:${String(wss.address().port)}/`, headers: {}, firstSeq: 1 });
  return {
    async generate(rate, count) {
      const created: [number, number][] = [];
      await pace(rate, count, (i) => {
        const t0 = nowMs();
        seq++;
        const frame = JSON.stringify({ seq, type: 'dtmf', at: new Date().toISOString(), payload: payload(i) });
        for (const c of wss.clients) c.send(frame);
        created.push([seq, t0]);
      });
      return created;
    },
    stop: () => new Promise<void>((r) => wss.close(() => r())),
  };
}

const source = await (process.argv[2] === 'peer' ? peer() : switchboard());
process.on('message', (msg: SourceCommand) => {
  const work = async (): Promise<void> => {
    if (msg.cmd === 'generate') send({ created: await source.generate(msg.rate, msg.count) });
    else {
      await source.stop();
      send({ stopped: true });
      process.exit(0);
    }
  };
  work().catch((err: unknown) => send({ error: String(err) }));
});
