// A `ws` client of the event stream (GET /api/v1/events as a WebSocket) for
// tests: every frame it received, waits on them, and the stream plugin on a
// Fastify instance of its own, so a test can set its limits low.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { eventsWs } from '../../src/api/native/events-ws.ts';
import { apiKeyAuth } from '../../src/api/http/auth.ts';
import { toPbxError, sendProblem } from '../../src/api/http/problem.ts';
import type { PbxControl, PbxEvent } from '../../src/core/pbx-control.ts';

// `ws` ships no type declarations (and @types/ws is not installed): this is
// the part of its client the tests use.
export interface WsClient {
  readonly protocol: string;
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open' | 'ping', listener: () => void): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  on(event: 'unexpected-response', listener: (req: unknown, res: IncomingMessage) => void): void;
  close(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
}
export type WsConstructor = new (url: string, protocols?: string[], options?: { headers?: Record<string, string>; autoPong?: boolean }) => WsClient;
export const WebSocket = createRequire(import.meta.url)('ws') as WsConstructor;

export interface Hello {
  type: 'hello';
  lastSeq: number;
  since: number;
}
export type Frame = Hello | PbxEvent;

/** One client connection and everything it has received. */
export class Conn {
  readonly frames: Frame[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WsClient) {
    this.opened = new Promise((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
      ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${String(res.statusCode)}`)));
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const w of this.waiters) w();
    });
    ws.on('close', () => {
      for (const w of this.waiters) w();
    });
  }

  get hello(): Hello {
    const first = this.frames[0];
    assert.ok(first && first.type === 'hello', 'the first frame is hello');
    return first as Hello;
  }

  get events(): PbxEvent[] {
    return this.frames.filter((f): f is PbxEvent => 'seq' in f);
  }

  get lastSeq(): number {
    return this.events.at(-1)?.seq ?? this.hello.since;
  }

  /** Waits until `done()` holds, failing after `ms`. */
  async until(done: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${String(this.frames.length)} frames`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      this.waiters = [];
    }
  }

  async close(): Promise<void> {
    this.ws.close();
    await this.closed;
  }
}

export function wsUrl(base: string, query = ''): string {
  return `${base.replace(/^http/, 'ws')}/api/v1/events${query}`;
}

export async function connect(base: string, key: string | undefined, query = '', protocols?: string[]): Promise<Conn> {
  const c = new Conn(new WebSocket(wsUrl(base, query), protocols, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } }));
  await c.opened;
  await c.until(() => c.frames.length > 0, 5000, 'hello');
  return c;
}


export async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function assertInOrder(events: PbxEvent[]): void {
  for (let i = 1; i < events.length; i++) assert.ok(events[i]!.seq > events[i - 1]!.seq, `seq ${String(events[i]!.seq)} after ${String(events[i - 1]!.seq)}`);
}

/** The plugin on its own Fastify instance over a real server's control, so the limits can be set low. */
export async function streamApp(control: PbxControl, limits: { maxQueuedEvents?: number; highWaterBytes?: number; pingIntervalMs?: number }): Promise<{ app: FastifyInstance; base: string }> {
  const app = Fastify();
  app.setErrorHandler((err, request, reply) => sendProblem(request, reply, toPbxError(err)));
  await app.register(websocket);
  await app.register(async (scope) => {
    await scope.register(apiKeyAuth, { control });
    await scope.register(eventsWs, { prefix: '/api/v1', control, ...limits });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { app, base: `http://127.0.0.1:${String(address.port)}` };
}

/** Counts the stream's subscriptions on the real log. */
export function countingControl(control: PbxControl): { control: PbxControl; active: () => number } {
  let active = 0;
  return {
    active: () => active,
    control: {
      ...control,
      events: {
        ...control.events,
        subscribe: (l) => {
          active++;
          const off = control.events.subscribe(l);
          return () => {
            active--;
            off();
          };
        },
      },
    },
  };
}
