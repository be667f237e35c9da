// Garbage on the three event WebSockets — native /api/v1/events, 3CX Call
// Control /callcontrol/ws, CloudPBX /ws/pbx_NAME — sent by a hand-made client
// (raw-websocket.ts): binary junk, invalid UTF-8, declared lengths of
// exabytes, frames past the 64 KiB limit, unmasked frames, reserved bits,
// unknown opcodes, oversized and fragmented control frames, floods, unframed
// bytes, and fast open/close. Each bad connection is closed by the server
// (or ignored when harmless); the process stays up; a well-behaved
// subscriber on each channel, open all along, still gets the next event;
// and the log has no error for any of it (before, each bad frame was an
// error-level stack trace: a way to flood the log).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registerFrom } from '../helpers/sip-register.ts';
import { freeUdpPort } from '../peers/ports.ts';
import { frame, openRaw } from './raw-websocket.ts';

interface WsClient {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): void;
}
type WsConstructor = new (url: string, protocols?: string[], options?: { headers?: Record<string, string> }) => WsClient;
const WebSocket = createRequire(import.meta.url)('ws') as WsConstructor;

/** A subscriber that behaves: keeps every text frame, notes when it is closed. */
class Subscriber {
  readonly texts: string[] = [];
  closedWith: number | undefined;
  readonly opened: Promise<void>;
  private readonly ws: WsClient;
  constructor(url: string, headers: Record<string, string>) {
    this.ws = new WebSocket(url, [], { headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.on('open', () => resolve());
      this.ws.on('error', reject);
    });
    this.ws.on('message', (d) => this.texts.push(d.toString()));
    this.ws.on('close', (code) => (this.closedWith = code));
  }
  async until(pred: (text: string) => boolean, what: string, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!this.texts.some(pred)) {
      if (Date.now() > end) throw new Error(`${what} not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  close(): void {
    this.ws.close();
  }
}

const PING = 0x9;
const GARBAGE: { name: string; bytes: () => Buffer }[] = [
  { name: 'binary junk', bytes: () => frame(0x2, randomBytes(4000)) },
  { name: 'invalid UTF-8 text', bytes: () => frame(0x1, Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80])) },
  { name: 'declared length 2^62', bytes: () => frame(0x1, Buffer.from('x'), { declaredLength: 2 ** 62 }) },
  { name: '200 KiB text (limit 64 KiB)', bytes: () => frame(0x1, Buffer.alloc(200 * 1024, 0x61)) },
  { name: 'unmasked frame', bytes: () => frame(0x1, Buffer.from('{"a":1}'), { masked: false }) },
  { name: 'RSV1 without extension', bytes: () => frame(0x1, Buffer.from('x'), { rsv: 4 }) },
  { name: 'unknown opcode 0x3', bytes: () => frame(0x3, Buffer.from('x')) },
  { name: 'ping of 200 octets', bytes: () => frame(PING, randomBytes(200)) },
  { name: 'fragmented ping', bytes: () => frame(PING, Buffer.from('x'), { fin: false }) },
  { name: 'continuation without a start', bytes: () => frame(0x0, Buffer.from('x')) },
  { name: 'close with code 999', bytes: () => frame(0x8, Buffer.from([0x03, 0xe7])) },
  { name: 'close with 1 octet', bytes: () => frame(0x8, Buffer.from([0x03])) },
  { name: 'unframed bytes', bytes: () => randomBytes(3000) },
  { name: 'JSON garbage texts', bytes: () => Buffer.concat(['{"a":', '[]', 'null', '{"__proto__":{"x":1}}', 'x'.repeat(60_000)].map((t) => frame(0x1, Buffer.from(t)))) },
  { name: '2,000 small frames', bytes: () => Buffer.concat(Array.from({ length: 2000 }, (_, i) => frame(0x1, Buffer.from(`m${String(i)}`)))) },
];

describe('WebSocket garbage', () => {
  let t: TestServer;
  let channels: { name: string; path: string; headers: Record<string, string> }[];
  const logLines: string[] = [];
  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
        done();
      },
    });
    t = await startTestServer({ SWITCHBOARD_PBX_NAME: 'Fuzz' }, { logger: pino({ level: 'warn' }, sink) });
    const token = await fetch(`${t.base}/connect/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: '101', client_secret: t.adminKey }).toString() });
    assert.equal(token.status, 200, await token.clone().text());
    const accessToken = ((await token.json()) as { access_token: string }).access_token;
    channels = [
      { name: 'native events', path: '/api/v1/events', headers: { authorization: `Bearer ${t.adminKey}` } },
      { name: 'call control', path: '/callcontrol/ws', headers: { authorization: `Bearer ${accessToken}` } },
      { name: 'cloudpbx', path: `/ws/pbx_Fuzz?pbxkey=${encodeURIComponent(t.adminKey)}`, headers: {} },
    ];
  });
  after(async () => t?.stop());

  it('bad frames and fast open/close on every event socket: closed or ignored, process alive, other subscribers unaffected', { timeout: 90_000 }, async () => {
    const port = t.server.ports.http ?? 0;
    const ws = t.base.replace('http', 'ws');
    const good = channels.map((c) => new Subscriber(`${ws}${c.path}`, c.headers));
    await Promise.all(good.map((g) => g.opened));
    const outcomes: string[] = [];
    for (const c of channels) {
      for (const g of GARBAGE) {
        const raw = await openRaw(port, c.path, c.headers);
        raw.socket.on('error', () => undefined);
        raw.socket.write(g.bytes());
        const closed = await raw.closedWithin(1500);
        outcomes.push(`${c.name} / ${g.name}: ${closed ? `closed ${String(raw.closeCode() ?? '(no close frame)')}` : 'open'}`);
        raw.socket.destroy();
      }
      // Fast open/close: 100 upgrades dropped at once, 100 dropped mid-handshake.
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          const raw = await openRaw(port, c.path, c.headers);
          raw.socket.destroy();
        }),
      );
      await Promise.all(
        Array.from(
          { length: 100 },
          () =>
            new Promise<void>((resolve) => {
              const s = connect(port, '127.0.0.1', () => {
                s.write(`GET ${c.path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`);
                s.destroy();
                resolve();
              });
              s.on('error', () => resolve());
            }),
        ),
      );
    }
    process.stderr.write(`${outcomes.map((o) => `  ${o}`).join('\n')}\n`);
    // What RFC 6455 makes a protocol error must end the connection.
    for (const o of outcomes.filter((x) => /2\^62|200 KiB|unmasked|RSV1|opcode|ping of 200|fragmented ping|continuation|code 999|1 octet|invalid UTF-8|unframed/.test(x))) assert.match(o, /closed/, o);

    assert.equal((await fetch(`${t.base}/healthz`)).status, 200, 'alive');
    // A client's broken frames are its mistake: not one error (or warning) in our log for them.
    assert.deepEqual(logLines.map((l) => l.slice(0, 300)), []);
    for (const [i, g] of good.entries()) assert.equal(g.closedWith, undefined, `${channels[i]?.name ?? ''} subscriber was closed`);
    // The next event reaches every well-behaved subscriber: a phone of 103 registers.
    const before = good.map((g) => g.texts.length);
    const password = (await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/103')).body.authPassword as string;
    await registerFrom(await freeUdpPort(), { host: '127.0.0.1', port: t.sipPort }, '103', password);
    await good[0]?.until((s) => s.includes('device.registered') && s.includes('"103"'), 'native: device.registered of 103');
    await good[2]?.until((s) => s.includes('extstatus') && s.includes('"103"'), 'cloudpbx: extstatus of 103');
    await good[1]?.until((s) => good[1] !== undefined && good[1].texts.indexOf(s) >= (before[1] ?? 0), 'call control: a frame after the registration');
    for (const g of good) g.close();
  });
});
