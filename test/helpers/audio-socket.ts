// A WebSocket client for a participant's raw audio (native …/audio): keeps
// every binary frame it receives, writes PCM paced at real time, and
// reports how the server closed it or refused the upgrade.
import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';

interface WsClient {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  on(event: 'unexpected-response', listener: (req: unknown, res: IncomingMessage) => void): void;
  send(data: Buffer | string, options?: { binary: boolean }): void;
  close(): void;
}
type WsConstructor = new (url: string, protocols?: string[], options?: { headers?: Record<string, string>; ca?: string }) => WsClient;
const WebSocket = createRequire(import.meta.url)('ws') as WsConstructor;

export interface AudioSocketClient {
  /** Every binary frame received, in order. */
  frames: Buffer[];
  /** The frames received from index `from` on, as one buffer. */
  pcm(from?: number): Buffer;
  /** Resolves once `count` frames have arrived in all. */
  waitFrames(count: number, timeoutMs?: number): Promise<void>;
  /** Sends `pcm` as 20 ms binary frames, paced at real time (100 ms at a time). */
  play(pcm: Buffer): Promise<void>;
  send(data: Buffer | string, binary?: boolean): void;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens the socket (`ca`: trust this certificate for wss://); rejects with the HTTP status of a refused upgrade as `status`. */
export function openAudioSocket(url: string, headers: Record<string, string> = {}, ca?: string): Promise<AudioSocketClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, undefined, { headers, ...(ca !== undefined ? { ca } : {}) });
    const frames: Buffer[] = [];
    let waiters: (() => void)[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      frames.push(data);
      for (const w of waiters.splice(0)) w();
    });
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${String(res.statusCode)}`), { status: res.statusCode, body: Buffer.concat(chunks).toString() })));
    });
    ws.on('error', (err) => reject(err));
    ws.on('open', () =>
      resolve({
        frames,
        pcm: (from = 0) => Buffer.concat(frames.slice(from)),
        waitFrames: async (count, timeoutMs = 10_000) => {
          const end = Date.now() + timeoutMs;
          while (frames.length < count) {
            if (Date.now() > end) throw new Error(`only ${String(frames.length)} of ${String(count)} frames within ${String(timeoutMs)} ms`);
            await new Promise<void>((r) => {
              waiters.push(r);
              setTimeout(r, 100);
            });
          }
          waiters = [];
        },
        play: async (pcm) => {
          const started = Date.now();
          for (let at = 0, n = 0; at < pcm.length; at += 320, n++) {
            ws.send(pcm.subarray(at, at + 320), { binary: true });
            // 100 ms ahead at most: as a client streaming live audio would.
            const due = started + n * 20 - 100;
            if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
          }
        },
        send: (data, binary = true) => ws.send(data, { binary }),
        closed,
        close: () => ws.close(),
      }),
    );
  });
}
