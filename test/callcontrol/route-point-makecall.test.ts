// Seed 001 makecall from a route point: an application calls out (an
// outbound voice bot). No phone rings first; the destination 102 (sending
// 1 kHz) rings and answers; the bot's participant on the route point goes
// Dialing → Connected on the WebSocket, hears 102 in the GET stream, speaks
// 2 kHz through the POST stream, and drops the call; an operator mutes and
// records 102 with the actions beyond 3CX. Refusals as the seed's.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { soxStat } from '../peers/audio.ts';
import { startHttpsServer, httpsRegisteredPhone, CallControlClient, type FrameLog } from '../helpers/callcontrol-client.ts';
import { openPcmReader, openPcmWriter, sinePcm, toneShare, writeInBursts } from '../helpers/pcm-stream.ts';
import { SEED, assertConforms } from './seed-contract.ts';
import { openAudioSocket } from '../helpers/audio-socket.ts';

describe('makecall from a route point', () => {
  let t: TestServer;
  let bot: CallControlClient;
  let ws: FrameLog;
  let p102: Baresip;

  before(async () => {
    ({ t, client: bot } = await startHttpsServer());
    await t.server.control.directory.routePoints.create({ number: '852', name: 'Outbound bot', noAppTimeout: 30, fallback: { type: 'extension', number: '103' } });
    const key = (await t.server.control.keys.create('control', 'outbound bot', '852')).key;
    assert.equal((await bot.connect('852', key)).status, 200);
    p102 = await httpsRegisteredPhone(t, '102', { toneHz: 1000, answermode: 'auto' });
  });
  after(async () => {
    ws?.close();
    await p102?.stop();
    await t?.stop();
  });

  it('rings the destination at once; the bot hears it, speaks to it and hangs up', async () => {
    ws = await bot.ws();
    const up = p102.waitForType('CALL_ESTABLISHED', 15_000);
    const res = await bot.post('/callcontrol/852/makecall', { destination: '102', timeout: 30, attacheddata: { campaign: 'renewals' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assertConforms(res.body, SEED.result);
    assert.equal(res.body.finalstatus, 'Success');
    const me = res.body.result;
    assert.equal(me.dn, '852');
    assert.equal(me.device_id, '', 'a route point has no device');
    const entity = `/callcontrol/852/participants/${String(me.id)}`;
    await up;
    const connected = await ws.waitFor((f) => f.event.event_type === 0 && f.event.entity === entity && f.event.attached_data.campaign === 'renewals', 10_000);
    assertConforms(connected, SEED.frame);
    const p = await eventually(async () => {
      const r = await bot.get(entity);
      return r.status === 200 && r.body.status === 'Connected' ? r.body : undefined;
    }, 10_000, "the bot's participant connected");
    assertConforms(p, SEED.participant);
    assert.equal(p.party_dn, '102');
    assert.equal(p.party_dn_type, 'Wextension');
    assert.deepEqual(
      t.server.control.calls.get(String(me.callid)).participants.map((x) => `${x.dn}:${x.dnType}:${x.status}`),
      ['852:RoutePoint:Connected', '102:Extension:Connected'],
    );

    // What 102 says reaches the bot.
    const reader = await openPcmReader(bot, `${entity}/stream`);
    assert.equal(reader.status, 200);
    const heard = await reader.waitFor(24_000, 10_000);
    assert.ok(toneShare(heard.subarray(8000, 24_000), 1000) > 0.8, `the GET stream holds 102's 1 kHz (${toneShare(heard.subarray(8000, 24_000), 1000).toFixed(2)})`);
    reader.abort();
    // What the bot says reaches 102.
    const writer = openPcmWriter(bot, `${entity}/stream`);
    await writeInBursts(writer, sinePcm(2000, 2));
    writer.end();
    assert.equal((await writer.response).status, 200);

    // Beyond 3CX: the same stream as a WebSocket on the same path, binary frames both ways.
    const wss = `${bot.base.replace(/^https/, 'wss')}${entity}/stream`;
    const socket = await openAudioSocket(wss, { authorization: `Bearer ${String(bot.token)}` }, bot.ca);
    await socket.waitFrames(60);
    assert.ok(socket.frames.every((f) => f.length === 320), '20 ms frames');
    assert.ok(toneShare(socket.pcm(10), 1000) > 0.8, `the socket carries 102's 1 kHz (${toneShare(socket.pcm(10), 1000).toFixed(2)})`);
    const leg = () => t.server.sip.b2bua.get(String(me.callid))!.mediaStats().callee?.packetsOut ?? 0;
    const outBefore = leg();
    await socket.play(sinePcm(1700, 1));
    await new Promise((r) => setTimeout(r, 300));
    const played = leg() - outBefore;
    assert.ok(played >= 45 && played <= 60, `1 s written became ${String(played)} packets to 102`);

    // Beyond 3CX, on the same URL as the seed's actions: mute and record (an operator's token sees DN 102).
    const operator = new CallControlClient(bot.base, bot.ca);
    operator.token = (await t.server.control.keys.create('control', 'operator')).key;
    const theirs = (await operator.get('/callcontrol/102/participants')).body[0];
    const foreign = await openAudioSocket(`${bot.base.replace(/^https/, 'wss')}/callcontrol/102/participants/${String(theirs.id)}/stream`, { authorization: `Bearer ${String(bot.token)}` }, bot.ca).then(
      () => 101,
      (err: { status?: number }) => err.status,
    );
    assert.equal(foreign, 403, "the bot's token may not open another DN's stream");
    const muted = await operator.post(`/callcontrol/102/participants/${String(theirs.id)}/mute`);
    assert.equal(muted.status, 200, JSON.stringify(muted.body));
    assertConforms(muted.body, SEED.result);
    const live = () => t.server.control.calls.get(String(me.callid)).participants.map((x) => `${x.dn}:${String(x.muted)}`);
    assert.deepEqual(live(), ['852:false', '102:true']);
    assert.equal((await operator.post(`/callcontrol/102/participants/${String(theirs.id)}/unmute`)).status, 200);
    assert.deepEqual(live(), ['852:false', '102:false']);
    const noPhone = await bot.post(`${entity}/mute`);
    assert.equal(noPhone.status, 422, 'a route point has no phone to mute');
    assert.equal(noPhone.body.reason, 'CannotBeExecuted');
    assert.equal((await operator.post(`/callcontrol/102/participants/${String(theirs.id)}/record`)).status, 200);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await operator.post(`/callcontrol/102/participants/${String(theirs.id)}/stop_recording`)).status, 200);

    const closed = p102.waitForType('CALL_CLOSED', 10_000);
    assert.equal((await bot.post(`${entity}/drop`)).status, 200);
    await closed;
    assert.equal((await socket.closed).code, 1000, 'the stream socket closes with the call');
    await eventually(async () => t.server.control.calls.list().length === 0, 5000, 'the call ended');
    const cdr = await eventually(async () => (await t.server.control.cdr.list({})).find((r) => r.callId === String(me.callid)), 5000, 'the CDR');
    assert.deepEqual([cdr.src, cdr.dst, cdr.disposition], ['852', '102', 'ANSWERED']);
    const file = await eventually(async () => (await p102.receivedRecordings()).at(-1), 5000, '102 recording');
    await new Promise((r) => setTimeout(r, 300));
    const band = await soxStat(file, ['sinc', '1900-2100']);
    assert.ok(band.rmsAmplitude > 0.05, `102 heard the bot's 2 kHz (band RMS ${String(band.rmsAmplitude)})`);
    const recordings = await eventually(async () => {
      const rows = await t.server.control.recordings.list({ callId: String(me.callid) });
      return rows.length === 1 ? rows : undefined;
    }, 20_000, 'the recording of the call');
    assert.ok(recordings[0]!.durationMs >= 1000 && recordings[0]!.durationMs <= 3000, `recorded ${String(recordings[0]!.durationMs)} ms`);
  });

  it("gives up after the request's timeout when the destination does not answer", async () => {
    await p102.setAnswermode('manual');
    try {
      const incoming = p102.waitForType('CALL_INCOMING', 10_000);
      const closed = p102.waitForType('CALL_CLOSED', 15_000);
      const started = Date.now();
      const res = await bot.post('/callcontrol/852/makecall', { destination: '102', timeout: 2 });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      await incoming;
      await closed;
      const took = Date.now() - started;
      assert.ok(took >= 1900 && took < 6000, `given up after ${String(took)} ms for a 2 s timeout`);
      const cdr = await eventually(async () => (await t.server.control.cdr.list({})).find((r) => r.callId === String(res.body.result.callid)), 5000, 'the CDR');
      assert.deepEqual([cdr.src, cdr.dst, cdr.disposition], ['852', '102', 'NO ANSWER']);
    } finally {
      await p102.setAnswermode('auto');
    }
  });

  it('refuses what the seed refuses: an unknown destination 422, a device of a route point 404, another DN 403', async () => {
    const unknown = await bot.post('/callcontrol/852/makecall', { destination: '555', timeout: 30 });
    assert.equal(unknown.status, 422, JSON.stringify(unknown.body));
    assert.equal(unknown.body.finalstatus, 'Failure');
    const device = await bot.post(`/callcontrol/852/devices/${encodeURIComponent('sip:x@127.0.0.1')}/makecall`, { destination: '102', timeout: 30 });
    assert.equal(device.status, 404, JSON.stringify(device.body));
    assert.equal((await bot.post('/callcontrol/101/makecall', { destination: '102', timeout: 30 })).status, 403);
    assert.equal(t.server.control.calls.list().length, 0, 'no call was placed');
  });
});
