// The event stream, GET /api/v1/events as a WebSocket, against a real server
// and a real `ws` client: authentication before the upgrade, history then live
// with nothing lost or repeated across a reconnect, slow clients cut off with
// 4008, keep-alive, and no subscription left behind by a closed socket.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { assertInOrder, Conn, connect, countingControl, eventually, streamApp, WebSocket, wsUrl } from '../helpers/event-stream.ts';
import { CLOSE_SLOW_CONSUMER } from '../../src/api/native/events-ws.ts';
import type { PbxControl, PbxEvent } from '../../src/core/pbx-control.ts';
import type { EventLog } from '../../src/store/event-log.ts';

/** Attempts an upgrade that must be refused; returns the HTTP status and body and every frame that arrived anyway. */
async function refused(url: string, headers: Record<string, string> = {}, protocols?: string[]): Promise<{ status: number; body: { code?: string }; frames: number }> {
  const ws = new WebSocket(url, protocols, { headers });
  let frames = 0;
  ws.on('message', () => frames++);
  return new Promise((resolve, reject) => {
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { code?: string }, frames }));
    });
  });
}

/** The whole log through the JSON poll route, the reference the stream is held to. */
async function polledLog(t: TestServer): Promise<PbxEvent[]> {
  const all: PbxEvent[] = [];
  for (;;) {
    const r = await api(t.base, t.adminKey, 'GET', `/api/v1/events?since=${String(all.at(-1)?.seq ?? 0)}&limit=1000`);
    assert.equal(r.status, 200);
    const page = r.body.events as PbxEvent[];
    all.push(...page);
    if (page.length < 1000) return all;
  }
}

let nextNumber = 3000;
async function makeExtensions(t: TestServer, n: number, concurrently = false): Promise<void> {
  const one = async (): Promise<void> => {
    const r = await api(t.base, t.adminKey, 'POST', '/api/v1/extensions', { number: String(nextNumber++) });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  };
  if (concurrently) await Promise.all(Array.from({ length: n }, one));
  else for (let i = 0; i < n; i++) await one();
}

function listenerCount(t: TestServer): number {
  // The EventLog's own subscriber set: the leak a forgotten unsubscribe would leave.
  return (t.server.store.events as unknown as { listeners: Set<unknown> }).listeners.size;
}

describe('event stream (WebSocket on /api/v1/events)', () => {
  let t: TestServer;
  let readKey: string;
  before(async () => {
    t = await startTestServer();
    readKey = (await t.server.control.keys.create('read', 'stream')).key;
    await makeExtensions(t, 5);
  });
  after(async () => t.stop());

  it('is a read route of its own in the route table, and the JSON poll still answers', async () => {
    const routes = t.server.http.routeTable.filter((r) => r.url === '/api/v1/events' && r.method === 'GET');
    assert.equal(routes.length, 2, 'the poll and the stream');
    assert.ok(routes.some((r) => r.role === 'read'));
    const poll = await api(t.base, readKey, 'GET', '/api/v1/events?since=0&limit=2');
    assert.equal(poll.status, 200);
    assert.equal(poll.body.events.length, 2);
  });

  it('refuses the upgrade with 401 without a key or with a wrong one, sending nothing', async () => {
    const before = listenerCount(t);
    const wrong = 'sb_000000000000_wrongwrongwrongwrongwrongwrongwr';
    for (const [what, r] of [
      ['no key', await refused(wsUrl(t.base, '?since=0'))],
      ['wrong bearer', await refused(wsUrl(t.base, '?since=0'), { authorization: `Bearer ${wrong}` })],
      ['wrong X-Api-Key', await refused(wsUrl(t.base, '?since=0'), { 'x-api-key': wrong })],
      ['wrong ?key=', await refused(wsUrl(t.base, `?since=0&key=${wrong}`))],
      ['wrong subprotocol key', await refused(wsUrl(t.base, '?since=0'), {}, ['bearer', wrong])],
    ] as const) {
      assert.equal(r.status, 401, what);
      assert.equal(r.body.code, 'SB_UNAUTHORIZED', what);
      assert.equal(r.frames, 0, what);
    }
    assert.equal(listenerCount(t), before, 'a refused upgrade subscribes to nothing');
  });

  it('takes the key from ?key= or from the subprotocols "bearer, <key>" (browsers cannot set headers)', async () => {
    const byQuery = await connect(t.base, undefined, `?key=${readKey}&since=0`);
    assert.equal(byQuery.hello.since, 0);
    await byQuery.close();
    const byProtocol = await connect(t.base, undefined, '?since=0', ['bearer', readKey]);
    assert.equal(byProtocol.ws.protocol, 'bearer', 'the server picks "bearer", never echoes the key');
    await byProtocol.close();
    const viaHeader = new Conn(new WebSocket(wsUrl(t.base), undefined, { headers: { 'x-api-key': readKey } }));
    await viaHeader.opened;
    await viaHeader.close();
  });

  it('rejects a bad query before the upgrade', async () => {
    const r = await refused(wsUrl(t.base, '?since=-1'), { authorization: `Bearer ${readKey}` });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'SB_VALIDATION');
  });

  it('with since=0 sends hello, then every event of the log in order', async () => {
    const log = await polledLog(t);
    assert.ok(log.length >= 5);
    const c = await connect(t.base, readKey, '?since=0');
    await c.until(() => c.lastSeq >= log.at(-1)!.seq, 5000, 'the history');
    assert.deepEqual(c.hello, { type: 'hello', lastSeq: log.at(-1)!.seq, since: 0 });
    assert.deepEqual(c.events, log);
    assert.ok(c.events.some((e) => e.type === 'directory.changed'));
    await c.close();
  });

  it('without since starts at live: hello with the last seq, then only new events, promptly', async () => {
    const head = (await polledLog(t)).at(-1)!.seq;
    const c = await connect(t.base, readKey);
    assert.deepEqual(c.hello, { type: 'hello', lastSeq: head, since: head });
    const started = Date.now();
    await makeExtensions(t, 1);
    await c.until(() => c.events.length === 1, 1000, 'the live event');
    const ms = Date.now() - started;
    assert.ok(ms < 1000, `arrived after ${String(ms)} ms`);
    assert.equal(c.events[0]!.seq, head + 1);
    assert.deepEqual(c.events[0]!.payload, { entity: 'extensions', action: 'created', key: String(nextNumber - 1) });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.events.length, 1, 'nothing from before the connection');
    await c.close();
  });

  it('resumes with since=<last seq> with no event lost and none repeated, while events keep coming', async () => {
    const first = await connect(t.base, readKey, '?since=0');
    const head = first.hello.lastSeq;
    await c_until(first, head);
    const live = makeExtensions(t, 10);
    await c_until(first, head + 3);
    await first.close();
    await live;
    await makeExtensions(t, 50);
    // Reconnect while 30 more requests are in flight, some landing during the replay.
    const racing = makeExtensions(t, 30, true);
    const second = await connect(t.base, readKey, `?since=${String(first.lastSeq)}`);
    await racing;
    const log = await polledLog(t);
    const last = log.at(-1)!.seq;
    await c_until(second, last);
    await new Promise((r) => setTimeout(r, 100));

    assertInOrder(first.events);
    assertInOrder(second.events);
    const seqs = [...first.events, ...second.events].map((e) => e.seq);
    assert.deepEqual(seqs, Array.from({ length: last }, (_, i) => i + 1), 'every seq from 1 to the last, once each');
    assert.deepEqual([...first.events, ...second.events], log);
    await second.close();

    async function c_until(c: Conn, seq: number): Promise<void> {
      await c.until(() => c.lastSeq >= seq, 10_000, `seq ${String(seq)}`);
    }
  });

  it('filters by event type prefix with types=', async () => {
    const head = (await polledLog(t)).at(-1)!.seq;
    const c = await connect(t.base, readKey, `?since=${String(head)}&types=key`);
    const created = await api(t.base, t.adminKey, 'POST', '/api/v1/keys', { role: 'read', label: 'filtered' });
    assert.equal(created.status, 201);
    await makeExtensions(t, 2);
    await t.server.control.keys.revoke(created.body.id as string);
    await c.until(() => c.events.length === 2, 2000, 'the key events');
    assert.deepEqual(
      c.events.map((e) => e.type),
      ['key.created', 'key.revoked'],
    );
    await c.close();
  });

  it('leaves no subscription behind when clients close or vanish', async () => {
    const baseline = listenerCount(t);
    const clients = await Promise.all([connect(t.base, readKey), connect(t.base, readKey, '?since=0'), connect(t.base, readKey, '?types=directory')]);
    assert.equal(listenerCount(t), baseline + 3);
    await clients[0]!.close();
    clients[1]!.ws.terminate();
    await clients[2]!.close();
    await eventually(() => listenerCount(t) === baseline, 2000, 'the listeners to go');
  });

  it('closes its streams when the server stops, and the stop does not wait on them', async () => {
    const other = await startTestServer();
    const key = (await other.server.control.keys.create('read', 'x')).key;
    const c = await connect(other.base, key, '?since=0');
    const started = Date.now();
    await other.stop();
    await c.closed;
    assert.ok(Date.now() - started < 5000);
  });
});

/** The real log behind since(), held at two points: before it reads, and after it read but before it answers. */
function gatedControl(control: PbxControl): { control: PbxControl; reading: Promise<void>; read: Promise<void>; letRead: () => void; letAnswer: () => void } {
  let letRead = (): void => undefined;
  let letAnswer = (): void => undefined;
  let reachedRead = (): void => undefined;
  let reachedAnswer = (): void => undefined;
  const mayRead = new Promise<void>((r) => (letRead = r));
  const mayAnswer = new Promise<void>((r) => (letAnswer = r));
  const reading = new Promise<void>((r) => (reachedRead = r));
  const read = new Promise<void>((r) => (reachedAnswer = r));
  return {
    reading,
    read,
    letRead,
    letAnswer,
    control: {
      ...control,
      events: {
        ...control.events,
        since: async (seq, limit) => {
          reachedRead();
          await mayRead;
          const page = await control.events.since(seq, limit);
          reachedAnswer();
          await mayAnswer;
          return page;
        },
      },
    },
  };
}

describe('event stream on its own instance (switch-over, limits, keep-alive)', () => {
  let t: TestServer;
  let key: string;
  let log: EventLog;
  before(async () => {
    t = await startTestServer();
    key = (await t.server.control.keys.create('read', 'limits')).key;
    log = t.server.store.events;
  });
  after(async () => t.stop());

  it('switches from history to live with no gap and no repeat, whatever lands while the history is read', async () => {
    const gated = gatedControl(t.server.control);
    const { app, base } = await streamApp(gated.control, {});
    try {
      const from = await log.lastSeq();
      const c = await connect(base, key, `?since=${String(from)}`);
      await gated.reading;
      // In the log before the history is read, and also in the live buffer: must not come twice.
      const before = await log.append('directory.changed', { entity: 'test', action: 'created', key: 'before-read' });
      gated.letRead();
      await gated.read;
      // After the history was read, before it was sent: only the live buffer has it.
      const after = await log.append('directory.changed', { entity: 'test', action: 'created', key: 'after-read' });
      gated.letAnswer();
      await c.until(() => c.lastSeq >= after.seq, 2000, 'both events');
      const live = await log.append('directory.changed', { entity: 'test', action: 'created', key: 'live' });
      await c.until(() => c.lastSeq >= live.seq, 2000, 'the live event');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(
        c.events.map((e) => e.payload),
        [before, after, live].map((e) => e.payload),
      );
      assert.deepEqual(
        c.events.map((e) => e.seq),
        [from + 1, from + 2, from + 3],
      );
      await c.close();
    } finally {
      await app.close();
    }
  });

  it('closes a client that stops reading with 4008 and since=<last seq>; resuming from it loses nothing', async () => {
    const counted = countingControl(t.server.control);
    const { app, base } = await streamApp(counted.control, { maxQueuedEvents: 20, highWaterBytes: 64 * 1024 });
    try {
      const c = await connect(base, key);
      const from = c.hello.lastSeq;
      c.ws.pause();
      // Big events fill the kernel's socket buffers quickly; then the
      // server's own queue fills, and it gives up on the client.
      const big = 'x'.repeat(256 * 1024);
      let appended = 0;
      while (counted.active() > 0) {
        assert.ok(appended < 400, 'the server never gave up on the paused client');
        await log.append('directory.changed', { entity: 'test', action: 'updated', key: `${String(appended++)}:${big}` });
      }
      const end = await log.lastSeq();
      c.ws.resume();
      const { code, reason } = await c.closed;
      assert.equal(code, CLOSE_SLOW_CONSUMER);
      const m = /since=(\d+)/.exec(reason);
      assert.ok(m, reason);
      assert.equal(Number(m[1]), c.lastSeq, 'the reason names the last event the client got');
      assert.ok(c.lastSeq < end, 'the client really fell behind');

      const resumed = await connect(base, key, `?since=${m[1]}`);
      await resumed.until(() => resumed.lastSeq >= end, 20_000, 'the rest');
      const seqs = [...c.events, ...resumed.events].map((e) => e.seq);
      assert.deepEqual(seqs, Array.from({ length: end - from }, (_, i) => from + 1 + i));
      await resumed.close();
      await eventually(() => counted.active() === 0, 2000, 'the subscriptions to go');
    } finally {
      await app.close();
    }
  });

  it('pings every interval and drops a client that does not answer', async () => {
    const counted = countingControl(t.server.control);
    const { app, base } = await streamApp(counted.control, { pingIntervalMs: 100 });
    try {
      const mute = new Conn(new WebSocket(wsUrl(base), undefined, { headers: { authorization: `Bearer ${key}` }, autoPong: false }));
      const healthy = await connect(base, key);
      let pings = 0;
      healthy.ws.on('ping', () => pings++);
      await mute.opened;
      const { code } = await mute.closed;
      assert.equal(code, 1006, 'terminated, without a closing handshake');
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(pings >= 3, `${String(pings)} pings`);
      assert.equal(counted.active(), 1, 'the healthy client is still streaming');
      await healthy.close();
      await eventually(() => counted.active() === 0, 2000, 'the subscriptions to go');
    } finally {
      await app.close();
    }
  });
});
