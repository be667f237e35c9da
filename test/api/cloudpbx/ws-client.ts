// A CloudPBX WebSocket client for the tests, built on `ws` (loaded as in
// test/api/events-ws.test.ts: it ships no type declarations).
import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';

interface WsClient {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  on(event: 'unexpected-response', listener: (req: unknown, res: IncomingMessage) => void): void;
  close(): void;
  terminate(): void;
}
type WsConstructor = new (url: string, protocols?: string[], options?: { headers?: Record<string, string> }) => WsClient;
export const WebSocket = createRequire(import.meta.url)('ws') as WsConstructor;

export interface Frame {
  id: number;
  channel: string;
  text: Record<string, unknown>;
}

export class PbxClient {
  readonly frames: Frame[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly ws: WsClient;
  private waiters: (() => void)[] = [];
  /** When each frame arrived (ms since the epoch). */
  readonly arrivals: number[] = [];

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, [], { headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.on('open', () => resolve());
      this.ws.on('error', reject);
      this.ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${String(res.statusCode)}`)));
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      this.arrivals.push(Date.now());
      for (const w of this.waiters) w();
    });
  }

  /** Frames that carry an event (keep-alives have an empty `text`). */
  get events(): Frame[] {
    return this.frames.filter((f) => Object.keys(f.text).length > 0);
  }

  async until(done: () => boolean, what: string, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!done()) {
      if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms; frames: ${JSON.stringify(this.events.map((f) => f.text))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
      this.waiters = [];
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** The HTTP status an upgrade is refused with (0 when it was accepted). */
export function refusal(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? -1));
    ws.on('open', () => {
      ws.close();
      resolve(0);
    });
    ws.on('error', () => undefined);
  });
}
