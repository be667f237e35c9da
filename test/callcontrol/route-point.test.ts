// Route points without a willing application, and what a client may not do:
// the fallback when no application is connected, when it lets the timeout
// pass, when its WebSocket goes away while the call rings; a 'routepoint'
// destination; divert and drop of a ringing route-point participant; 403
// for a token of another DN; the 4xx of bad stream requests; route points
// in the native API.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { startHttpsServer, httpsRegisteredPhone, CallControlClient } from '../helpers/callcontrol-client.ts';
import { openPcmReader, openPcmWriter, writeInBursts } from '../helpers/pcm-stream.ts';
import { wavHeader } from '../../src/media/wav-file.ts';

interface WireParticipant {
  id: number;
  status: string;
  dn: string;
  party_dn: string;
}

describe('route points: fallback, permissions and bad input', () => {
  let t: TestServer;
  let bot: CallControlClient;
  let other: CallControlClient;
  let admin: CallControlClient;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  let botKey: string;
  const calls = () => t.server.control.calls.list();
  const dial = async (number: string) => p101.dial(`sip:${number}@127.0.0.1:${String(t.sipPort)}`);
  const talkingTo = (dn: string) =>
    eventually(async () => calls().find((c) => c.participants.some((p) => p.dn === dn && p.status === 'Connected') && c.participants.some((p) => p.dn === '101' && p.status === 'Connected')), 15_000, `101 talks to ${dn}`);
  const hangUp = async (other: Baresip) => {
    const closed = other.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await closed;
    await eventually(async () => calls().length === 0, 5000, 'no calls');
  };
  const ringingAt = async (client: CallControlClient, dn: string): Promise<WireParticipant> =>
    eventually(async () => ((await client.get(`/callcontrol/${dn}/participants`)).body as WireParticipant[]).find((p) => p.status === 'Ringing'), 10_000, `a participant ringing at ${dn}`);

  before(async () => {
    ({ t, client: bot } = await startHttpsServer());
    const rp = t.server.control.directory.routePoints;
    await rp.create({ number: '850', name: 'Bot', noAppTimeout: 2, fallback: { type: 'extension', number: '103' } });
    await rp.create({ number: '851', name: 'Front door', noAppTimeout: 30, fallback: { type: 'routepoint', number: '850' } });
    botKey = (await t.server.control.keys.create('control', 'bot', '850')).key;
    assert.equal((await bot.connect('850', botKey)).status, 200);
    other = new CallControlClient(bot.base, bot.ca);
    assert.equal((await other.connect('101', (await t.server.control.keys.create('control', 'desk app', '101')).key)).status, 200);
    admin = new CallControlClient(bot.base, bot.ca);
    admin.token = (await t.server.control.keys.create('control', 'operator')).key;
    p101 = await httpsRegisteredPhone(t, '101', { toneHz: 1000 });
    p102 = await httpsRegisteredPhone(t, '102', { answermode: 'auto' });
    p103 = await httpsRegisteredPhone(t, '103', { answermode: 'auto' });
  });
  after(async () => {
    for (const p of [p101, p102, p103]) await p?.stop();
    await t?.stop();
  });

  it('no application connected: the call goes to the fallback at once', async () => {
    const rings = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await dial('850');
    await rings;
    const call = await talkingTo('103');
    assert.ok(!call.participants.some((p) => p.dn === '850' && p.status !== 'Ended'), 'no participant on the route point');
    await hangUp(p103);
  });

  it('an application that does not act within noAppTimeout: the fallback', async () => {
    const ws = await bot.ws();
    try {
      await dial('850');
      const p = await ringingAt(bot, '850');
      const startedAt = Date.now();
      await talkingTo('103');
      assert.ok(Date.now() - startedAt >= 1500, 'the call waited about noAppTimeout (2 s) at the route point');
      assert.ok(ws.frames.some((f) => f.event.event_type === 1 && f.event.entity === `/callcontrol/850/participants/${String(p.id)}`), 'the route point participant was removed');
      await hangUp(p103);
    } finally {
      ws.close();
    }
  });

  it('the application leaves while the call rings: the fallback; a routepoint destination reaches a route point', async () => {
    const ws = await bot.ws();
    // 851 has no application: its fallback is route point 850, where the bot is.
    await dial('851');
    await ringingAt(bot, '850');
    const rings = p103.waitForType('CALL_ESTABLISHED', 10_000);
    ws.close();
    await rings;
    await talkingTo('103');
    await hangUp(p103);
  });

  it('divert of a ringing route-point participant rings the destination instead', async () => {
    const ws = await bot.ws();
    try {
      await dial('850');
      const p = await ringingAt(bot, '850');
      const res = await bot.post(`/callcontrol/850/participants/${String(p.id)}/divert`, { destination: '102', reason: 'BasedOnCallerID' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await talkingTo('102');
      await hangUp(p102);
    } finally {
      ws.close();
    }
  });

  it('transferto from an answered route point: the caller waits on hold, then talks to 102', async () => {
    const ws = await bot.ws();
    try {
      const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
      await dial('850');
      const p = await ringingAt(bot, '850');
      assert.equal((await bot.post(`/callcontrol/850/participants/${String(p.id)}/answer`)).status, 200);
      await up;
      const res = await bot.post(`/callcontrol/850/participants/${String(p.id)}/transferto`, { destination: '102' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const call = await talkingTo('102');
      assert.ok(!call.participants.some((q) => q.dn === '850'), 'the route point has left');
      await hangUp(p102);
    } finally {
      ws.close();
    }
  });

  it('drop of a ringing route-point participant refuses the call', async () => {
    const ws = await bot.ws();
    try {
      const closed = p101.waitForType('CALL_CLOSED', 10_000);
      await dial('850');
      const p = await ringingAt(bot, '850');
      assert.equal((await bot.post(`/callcontrol/850/participants/${String(p.id)}/drop`)).status, 200);
      await closed;
      await eventually(async () => calls().length === 0, 5000, 'the call ended');
    } finally {
      ws.close();
    }
  });

  it('a token of another DN gets 403 on the route point; bad stream requests get 4xx and change nothing', async () => {
    const ws = await bot.ws();
    try {
      const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
      await dial('850');
      const p = await ringingAt(bot, '850');
      const entity = `/callcontrol/850/participants/${String(p.id)}`;
      // Another DN's token: 403 everywhere on 850, and 850 stays ringing.
      for (const [method, path] of [['GET', '/callcontrol/850'], ['GET', `${entity}`], ['POST', `${entity}/answer`], ['GET', `${entity}/stream`], ['POST', `${entity}/stream`]] as const) {
        const body = path.endsWith('/stream') ? { raw: { body: Buffer.alloc(320), contentType: 'application/octet-stream' } } : { json: {} };
        const res = await other.request(method, path, method === 'POST' ? body : {});
        assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.reason, 'Forbidden');
      }
      assert.equal((await bot.request('GET', '/callcontrol', { token: 'not-a-token.at-all' })).status, 401);
      // Before the answer there is no audio to stream: 422.
      assert.equal((await bot.request('POST', `${entity}/stream`, { raw: { body: Buffer.alloc(320), contentType: 'application/octet-stream' } })).status, 422);
      assert.equal((await bot.get(entity)).body.status, 'Ringing');
      assert.equal((await bot.post(`${entity}/answer`)).status, 200);
      await up;
      // Not audio, audio in another shape, no such participant, not a participant id.
      const json = await bot.request('POST', `${entity}/stream`, { json: { audio: 'x' } });
      assert.equal(json.status, 415, JSON.stringify(json.body));
      assert.equal(json.body.finalstatus, 'Failure');
      const l16 = await bot.request('POST', `${entity}/stream`, { raw: { body: Buffer.alloc(320), contentType: 'audio/L16; rate=16000' } });
      assert.equal(l16.status, 415, JSON.stringify(l16.body));
      const wav16k = openPcmWriter(bot, `${entity}/stream`, 'audio/wav');
      wav16k.write(Buffer.concat([wavHeader({ channels: 1, sampleRate: 16000 }, 3200), Buffer.alloc(3200)]));
      const refused = await wav16k.response;
      assert.equal(refused.status, 415, JSON.stringify(refused.body));
      wav16k.abort();
      assert.equal((await bot.get(`/callcontrol/850/participants/999999/stream`)).status, 404);
      assert.equal((await bot.get(`/callcontrol/850/participants/abc/stream`)).status, 400);
      // The call is untouched: still connected, and a good stream still works.
      assert.equal((await bot.get(entity)).body.status, 'Connected');
      const reader = await openPcmReader(bot, `${entity}/stream`);
      assert.equal(reader.status, 200);
      await reader.waitFor(3200, 5000);
      // An upload that is aborted, never ended, just stops: the call goes on.
      const aborted = openPcmWriter(bot, `${entity}/stream`);
      await writeInBursts(aborted, Buffer.alloc(16000), 0.5);
      aborted.abort();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await bot.get(entity)).body.status, 'Connected');
      const next = openPcmWriter(bot, `${entity}/stream`);
      next.write(Buffer.alloc(3200));
      next.end();
      assert.equal((await next.response).status, 200, 'a new upload after an aborted one plays');
      // A reader that stops reading does not hold the call up.
      reader.pause();
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await bot.get(entity)).body.status, 'Connected');
      const closed = p101.waitForType('CALL_CLOSED', 10_000);
      assert.equal((await bot.post(`${entity}/drop`)).status, 200);
      await closed;
      reader.resume();
      await reader.ended;
      await eventually(async () => calls().length === 0, 5000, 'the call ended');
    } finally {
      ws.close();
    }
  });

  it('route points in the native API and the entity tree', async () => {
    const key = t.adminKey;
    const native = (method: string, path: string, body?: unknown) => admin.request(method, path, { token: key, ...(body !== undefined ? { json: body } : {}) });
    const created = await native('POST', '/api/v1/route-points', { number: '852', name: 'Survey', fallback: { type: 'hangup', number: '' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.noAppTimeout, 30, 'the default timeout');
    assert.equal((await native('POST', '/api/v1/route-points', { number: '101' })).status, 409, 'the number is an extension');
    assert.equal((await native('POST', '/api/v1/route-points', { number: '853', noAppTimeout: -1 })).status, 400);
    assert.equal((await native('POST', '/api/v1/route-points', { number: '853', fallback: { type: 'extension', number: '999' } })).status, 422);
    assert.equal((await native('PATCH', '/api/v1/route-points/852', { noAppTimeout: 5 })).body.noAppTimeout, 5);
    assert.equal((await native('DELETE', '/api/v1/route-points/850')).status, 409, '851 still falls back to 850');
    const tree = (await admin.get('/callcontrol')).body as { dn: string; type: string }[];
    assert.deepEqual(tree.filter((d) => d.type === 'Wroutepoint').map((d) => d.dn), ['850', '851', '852']);
    assert.equal((await native('DELETE', '/api/v1/route-points/852')).status, 204);
  });
});
