// A client modelled on the seed's sample PHP client (Textalk websocket-php:
// connect, then read with a 5 s timeout, give up on the first read that times
// out, look at the keys of `text`) stays connected through 60 s of an idle PBX.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { PbxClient } from './ws-client.ts';

const IDLE_MS = 60_000;
const READ_TIMEOUT_MS = 5000;

describe('CloudPBX WebSocket on an idle PBX', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ SWITCHBOARD_PBX_NAME: 'Idle' });
  });
  after(async () => t.stop());

  it('never leaves a 5 s read waiting, for 60 s', { timeout: IDLE_MS + 20_000 }, async () => {
    const key = (await t.server.control.keys.create('read', 'php')).key;
    const c = new PbxClient(`${t.base.replace('http', 'ws')}/ws/pbx_Idle?pbxkey=${key}`);
    await c.opened;
    const start = Date.now();
    let closedEarly = false;
    void c.closed.then(() => {
      closedEarly = Date.now() - start < IDLE_MS;
    });
    await new Promise((r) => setTimeout(r, IDLE_MS));
    assert.equal(closedEarly, false, 'the server closed the channel');
    const gaps = [start, ...c.arrivals].slice(1).map((at, i) => at - ([start, ...c.arrivals][i] ?? start));
    const longest = Math.max(...gaps, Date.now() - (c.arrivals.at(-1) ?? start));
    assert.ok(longest < READ_TIMEOUT_MS, `a read would have waited ${longest} ms`);
    // Besides the snapshot of the six demo extensions and of queue 800 (its queue frame and three agents), only keep-alives: empty `text`, same channel.
    assert.equal(c.events.length, 16);
    assert.deepEqual(c.events.slice(12).map((f) => Object.keys(f.text)[0]), ['queue', 'qmember', 'qmember', 'qmember']);
    const keepAlives = c.frames.filter((f) => Object.keys(f.text).length === 0);
    assert.ok(keepAlives.length >= IDLE_MS / 3000, `${keepAlives.length} keep-alives in 60 s`);
    for (const f of keepAlives) assert.equal(f.channel, 'pbx_Idle');
    c.close();
  });
});
