// The event stream's fan-out path (src/api/native/event-batch.ts, src/api/http/ws-frame.ts):
// frames built once and written straight to the TCP socket, a turn's events in
// one write. What a client sees must not change: every frame a valid RFC 6455
// text message (read by ws's own parser), events in seq order with none lost
// or repeated when a group commit's events go out together, when a stream
// moves between the batched path and its back-pressure queue, and with ws's
// own control frames (pings) written to the same socket in between.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { assertInOrder, connect, eventually, streamApp } from '../helpers/event-stream.ts';
import { textFrame } from '../../src/api/http/ws-frame.ts';
import type { PbxEvent } from '../../src/core/pbx-control.ts';
import type { EventLog } from '../../src/store/event-log.ts';

interface WsReceiver {
  write(chunk: Buffer): boolean;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
}
const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver: new (options: { isServer: boolean; maxPayload?: number }) => WsReceiver };

/** Server-side sockets of the plugin's app (@fastify/websocket's ws server): to see its back-pressure. */
type ServerSockets = { websocketServer: { clients: Set<{ bufferedAmount: number }> } };

describe('WebSocket frames built once (RFC 6455 §5.2)', () => {
  it('are read by ws as text messages at every payload-length boundary, also when several arrive in one chunk', () => {
    // 7-bit, 16-bit and 64-bit lengths, each at the edge.
    const sizes = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000];
    const payloads = sizes.map((n, i) => Buffer.from('abcdefgh'[i % 8]!.repeat(n)));
    const got: { data: string; binary: boolean }[] = [];
    const receiver = new Receiver({ isServer: false, maxPayload: 0 });
    receiver.on('error', (err) => assert.fail(err));
    receiver.on('message', (data, binary) => got.push({ data: data.toString(), binary }));
    const joined = Buffer.concat(payloads.map(textFrame));
    // Split at an odd point so a header straddles two chunks.
    receiver.write(joined.subarray(0, 131));
    receiver.write(joined.subarray(131));
    assert.deepEqual(
      got.map((m) => [m.data.length, m.binary]),
      sizes.map((n) => [n, false]),
    );
    assert.deepEqual(
      got.map((m) => m.data),
      payloads.map((p) => p.toString()),
    );
  });
});

describe('event stream fan-out (batched turns, back-pressure, pings)', () => {
  let t: TestServer;
  let key: string;
  let log: EventLog;
  before(async () => {
    t = await startTestServer();
    key = (await t.server.control.keys.create('read', 'fanout')).key;
    log = t.server.store.events;
  });
  after(async () => t.stop());

  it('sends the events of one group commit to every stream, filtered or not, in order and once', async () => {
    const all = await connect(t.base, key);
    const directory = await connect(t.base, key, '?types=directory');
    const dtmf = await connect(t.base, key, '?types=dtmf');
    const from = all.hello.lastSeq;
    // Appended in one turn: one group commit, announced together, batched per stream.
    const appended = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 3 === 0 ? log.append('dtmf', { callId: 'c1', participantId: 'p1', digit: String(i % 10), durationMs: 100 }) : log.append('directory.changed', { entity: 'test', action: 'created', key: `burst-${String(i)}` }),
      ),
    );
    const last = Math.max(...appended.map((e) => e.seq));
    const stored = await log.since(from, 1000);
    assert.equal(stored.length, 60);
    const expect = (types: string | undefined): number[] => stored.filter((e) => types === undefined || e.type.startsWith(types)).map((e) => e.seq);
    await all.until(() => all.lastSeq >= last, 10_000, 'every event');
    await directory.until(() => directory.events.at(-1)?.seq === expect('directory').at(-1), 10_000, 'the directory events');
    await dtmf.until(() => dtmf.events.at(-1)?.seq === expect('dtmf').at(-1), 10_000, 'the dtmf events');
    assert.deepEqual(
      all.events.map((e) => e.seq),
      expect(undefined),
    );
    assert.deepEqual(
      directory.events.map((e) => e.seq),
      expect('directory'),
    );
    assert.deepEqual(
      dtmf.events.map((e) => e.seq),
      expect('dtmf'),
    );
    // The frames carry the events themselves, not only their numbers.
    assert.deepEqual(
      all.events.map((e) => [e.type, e.at, e.payload]),
      stored.map((e) => [e.type, e.at, e.payload]),
    );
    await Promise.all([all.close(), directory.close(), dtmf.close()]);
  });

  it('keeps seq order with no loss or repeat as a paused client moves between the back-pressure queue and the batched path', async () => {
    const highWaterBytes = 64 * 1024;
    const { app, base } = await streamApp(t.server.control, { highWaterBytes, maxQueuedEvents: 100_000 });
    try {
      const c = await connect(base, key);
      const from = c.hello.lastSeq;
      const server = [...(app as unknown as ServerSockets).websocketServer.clients][0];
      assert.ok(server);
      c.ws.pause();
      // Lone appends and same-turn bursts, until the server holds more than
      // the mark for this client (so later events wait in its queue).
      const filler = 'f'.repeat(16 * 1024);
      let n = 0;
      const burst = (k: number): Promise<PbxEvent[]> => Promise.all(Array.from({ length: k }, () => log.append('directory.changed', { entity: 'test', action: 'updated', key: `${String(n++)}:${filler}` })));
      while (server.bufferedAmount < highWaterBytes) {
        assert.ok(n < 2000, 'the server never held the paused client back');
        await burst(n % 2 === 0 ? 1 : 5);
      }
      // Events while held back: into the queue.
      await burst(5);
      await burst(1);
      c.ws.resume();
      // Events while the queue drains and after, when the batched path is back.
      for (let i = 0; i < 20; i++) await burst(i % 4 === 0 ? 8 : 1);
      const end = await log.lastSeq();
      await c.until(() => c.lastSeq >= end, 20_000, 'every event');
      await new Promise((r) => setTimeout(r, 50));
      assertInOrder(c.events);
      assert.deepEqual(
        c.events.map((e) => e.seq),
        Array.from({ length: end - from }, (_, i) => from + 1 + i),
      );
      await c.close();
    } finally {
      await app.close();
    }
  });

  it('interleaves ws pings with the frames it writes itself without breaking either', async () => {
    const { app, base } = await streamApp(t.server.control, { pingIntervalMs: 100 });
    try {
      const c = await connect(base, key);
      const from = c.hello.lastSeq;
      let pings = 0;
      c.ws.on('ping', () => pings++);
      const errors: Error[] = [];
      c.ws.on('error', (err) => errors.push(err));
      const started = Date.now();
      let n = 0;
      while (Date.now() - started < 600 || pings < 5) {
        assert.ok(Date.now() - started < 20_000, `only ${String(pings)} pings`);
        await Promise.all(Array.from({ length: 1 + (n % 7) }, () => log.append('directory.changed', { entity: 'test', action: 'updated', key: `ping-${String(n++)}` })));
      }
      const end = await log.lastSeq();
      let closedWith: number | undefined;
      void c.closed.then(({ code }) => (closedWith = code));
      await c.until(() => c.lastSeq >= end || closedWith !== undefined, 10_000, 'every event');
      assert.equal(closedWith, undefined, 'the stream stays open');
      assert.deepEqual(errors, []);
      assert.deepEqual(
        c.events.map((e) => e.seq),
        Array.from({ length: end - from }, (_, i) => from + 1 + i),
      );
      await c.close();
      await eventually(() => app.websocketServer.clients.size === 0, 2000, 'the server socket to close');
    } finally {
      await app.close();
    }
  });
});
