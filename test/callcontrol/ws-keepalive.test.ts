// The Call Control WebSocket's keep-alive and its limits, on the plugin with
// short timers over the real server's PbxControl: pings arrive; a client that
// stops answering them is dropped; one that never reads is let go (4008, or
// the missed pong) instead of growing the server's memory.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { callControlApi } from '../../src/api/callcontrol/routes.ts';

interface WsClient {
  on(event: 'open' | 'ping', l: () => void): void;
  on(event: 'close', l: (code: number) => void): void;
  on(event: 'error', l: (err: Error) => void): void;
  on(event: 'message', l: (data: Buffer) => void): void;
  pause(): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string, opts: { headers: Record<string, string>; autoPong?: boolean }) => WsClient;

describe('call control WebSocket keep-alive', () => {
  let t: TestServer;
  let app: FastifyInstance;
  let url: string;
  let token: string;
  before(async () => {
    t = await startTestServer();
    app = Fastify();
    await app.register(websocket);
    await app.register(callControlApi, { control: t.server.control, ws: { pingIntervalMs: 150, highWaterBytes: 4096 } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    url = `ws://127.0.0.1:${String(port)}/callcontrol/ws`;
    const key = (await t.server.control.keys.create('read', 'ws test')).key;
    const res = await app.inject({ method: 'POST', url: '/connect/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `client_id=101&client_secret=${key}&grant_type=client_credentials` });
    token = (res.json() as { access_token: string }).access_token;
  });
  after(async () => {
    await app.close();
    await t.stop();
  });

  const open = (autoPong: boolean): Promise<{ ws: WsClient; pings: () => number; closed: Promise<number> }> => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, autoPong });
    let pings = 0;
    ws.on('ping', () => void (pings += 1));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    return new Promise((resolve, reject) => {
      ws.on('open', () => resolve({ ws, pings: () => pings, closed }));
      ws.on('error', reject);
    });
  };

  it('pings a client that answers, and keeps it', async () => {
    const c = await open(true);
    await new Promise((r) => setTimeout(r, 700));
    assert.ok(c.pings() >= 3, `${String(c.pings())} pings`);
    c.ws.close();
    assert.equal(await c.closed, 1005);
  });

  it('drops a client that stops answering pings', async () => {
    const c = await open(false);
    const code = await Promise.race([c.closed, new Promise<string>((r) => setTimeout(() => r('still open'), 2000))]);
    assert.equal(code, 1006, 'terminated without a close frame');
    assert.ok(c.pings() >= 1);
  });

  it('drops a client that never reads, while events keep coming, instead of queueing for it', async () => {
    const c = await open(true);
    const server = app.websocketServer as { clients: Set<unknown> };
    assert.equal(server.clients.size, 1);
    c.ws.pause();
    for (let i = 0; i < 300; i++) {
      await t.server.store.events.append('device.registered', { extension: '101', contact: `sip:101@10.0.0.1:${String(5000 + i)};${'x'.repeat(2000)}`, userAgent: 'bench', transport: 'udp', source: '10.0.0.1:5060', expiresAt: new Date().toISOString() });
    }
    const end = Date.now() + 5000;
    while (server.clients.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.clients.size, 0, 'the server let go of the client');
    c.ws.close();
  });
});
