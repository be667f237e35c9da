// A voice bot on a route point, written the way 3CX's Call Control clients
// are (multipart token, GETs, the WebSocket over wss://, then actions and the
// raw PCM streams), against a real Switchboard over HTTPS with real phones:
// 101 (sending 1000 Hz) dials route point 850; the bot sees the participant
// ringing on the WebSocket, answers, plays 2000 Hz into the POST stream
// (with a WAV header, in bursts ahead of real time), hears 101's tone in the
// GET stream, takes 101's DTMF digit from the WebSocket, routes the call to
// 102 and drops its own participant; 102 rings, answers and talks to 101.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.ts';
import { eventually, audioFlowsBothWays } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { soxStat } from '../peers/audio.ts';
import { startHttpsServer, httpsRegisteredPhone, type CallControlClient, type FrameLog } from '../helpers/callcontrol-client.ts';
import { openPcmReader, openPcmWriter, sinePcm, toneShare, writeInBursts } from '../helpers/pcm-stream.ts';
import { wavHeader } from '../../src/media/wav-file.ts';
import { SEED, assertConforms } from './seed-contract.ts';

interface WireParticipant {
  id: number;
  status: string;
  dn: string;
  party_dn: string;
  party_dn_type: string;
  party_caller_id: string;
  callid: number;
  legid: number;
}

describe('a voice bot on a route point', () => {
  let t: TestServer;
  let bot: CallControlClient;
  let ws: FrameLog;
  let p101: Baresip;
  let p102: Baresip;

  before(async () => {
    ({ t, client: bot } = await startHttpsServer());
    const created = await t.server.control.directory.routePoints.create({ number: '850', name: 'Voice bot', noAppTimeout: 30, fallback: { type: 'extension', number: '103' } });
    assert.equal(created.number, '850');
    const key = (await t.server.control.keys.create('control', 'voice bot', '850')).key;
    const token = await bot.connect('850', key);
    assert.equal(token.status, 200, JSON.stringify(token.body));
    p101 = await httpsRegisteredPhone(t, '101', { toneHz: 1000 });
    p102 = await httpsRegisteredPhone(t, '102', { toneHz: 500, answermode: 'manual' });
  });
  after(async () => {
    ws?.close();
    for (const p of [p101, p102]) await p?.stop();
    await t?.stop();
  });

  it('answers, talks both ways over the raw streams, and routes the caller to 102', async () => {
    // The client's first reads: the route point in the tree, as 3CX types it.
    const tree = await bot.get('/callcontrol');
    assert.equal(tree.status, 200);
    assertConforms(tree.body, SEED.dnList);
    assert.deepEqual(tree.body, [{ dn: '850', type: 'Wroutepoint', devices: [], participants: [] }], 'a token of DN 850 sees DN 850 only');
    ws = await bot.ws();

    const up = p101.waitForType('CALL_ESTABLISHED', 15_000);
    await p101.dial(`sip:850@127.0.0.1:${String(t.sipPort)}`);
    const upsert = await ws.waitFor((f) => f.event.event_type === 0 && f.event.entity.startsWith('/callcontrol/850/participants/'));
    assertConforms(upsert, SEED.frame);
    const entity = upsert.event.entity;
    const ringing = await eventually(async () => {
      const r = await bot.get(entity);
      return r.status === 200 && r.body.status === 'Ringing' ? (r.body as WireParticipant) : undefined;
    }, 10_000, 'the route point participant rings');
    assertConforms(ringing, SEED.participant);
    assert.equal(ringing.dn, '850');
    assert.equal(ringing.party_dn, '101');
    assert.equal(ringing.party_caller_id, '101');
    assert.equal(ringing.party_dn_type, 'Wextension');
    const callId = String(ringing.callid);
    assert.equal(t.server.sip.b2bua.get(callId)?.mediaStats().caller?.packetsOut ?? 0, 0, 'no media while it rings');
    // Too early for audio: the participant is not connected yet.
    const early = await openPcmReader(bot, `${entity}/stream`);
    assert.equal(early.status, 422);

    const answered = await bot.post(`${entity}/answer`);
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assertConforms(answered.body, SEED.result);
    await up;
    await eventually(async () => (await bot.get(entity)).body.status === 'Connected', 5000, 'the participant is connected');

    // GET: the caller's 1000 Hz arrives as PCM s16le 8 kHz, at real time.
    const reader = await openPcmReader(bot, `${entity}/stream`);
    assert.equal(reader.status, 200);
    assert.equal(reader.headers['content-type'], 'application/octet-stream');
    const started = Date.now();
    const heard = await reader.waitFor(32_000, 10_000);
    const took = Date.now() - started;
    assert.ok(took > 1200, `2 s of audio came in ${String(took)} ms: faster than real time`);
    const share = toneShare(heard.subarray(8000, 32_000), 1000);
    assert.ok(share > 0.8, `the GET stream holds 101's 1000 Hz (share ${share.toFixed(2)})`);
    reader.abort();

    // POST: 2 s of 2000 Hz with a WAV header, 0.5 s bursts ahead of real time.
    const tone = sinePcm(2000, 2);
    const writer = openPcmWriter(bot, `${entity}/stream`);
    const call = t.server.sip.b2bua.get(callId)!;
    const outBefore = call.mediaStats().caller?.packetsOut ?? 0;
    const postStart = Date.now();
    await writeInBursts(writer, Buffer.concat([wavHeader({ channels: 1, sampleRate: 8000 }, tone.length), tone]));
    writer.end();
    const posted = await writer.response;
    const postMs = Date.now() - postStart;
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    assertConforms(posted.body, SEED.result);
    const sent = (call.mediaStats().caller?.packetsOut ?? 0) - outBefore;
    assert.ok(sent >= 95 && sent <= 110, `2 s of upload became ${String(sent)} packets of 20 ms`);
    assert.ok(postMs >= 1900, `the upload was paced at real time (${String(postMs)} ms for 2 s)`);

    // DTMF from the caller shows on the route point's participant.
    const from = ws.frames.length;
    await p101.sendDtmf('2');
    const digit = await ws.waitFor((f) => f.event.event_type === 2 && f.event.entity === entity, 10_000, from);
    assert.equal(digit.event.attached_data.dtmf, '2');

    // A second reader, to see the stream end when the participant leaves.
    const lastReader = await openPcmReader(bot, `${entity}/stream`);
    assert.equal(lastReader.status, 200);
    // routeto 102, then at once drop the bot's own participant: 101 waits for 102.
    const rings = p102.waitForType('CALL_INCOMING', 10_000);
    const routed = await bot.post(`${entity}/routeto`, { destination: '102', reason: 'None' });
    assert.equal(routed.status, 200, JSON.stringify(routed.body));
    assert.equal((await bot.post(`${entity}/drop`)).status, 200);
    await rings;
    await lastReader.ended;
    assert.equal((await bot.get(entity)).status, 404, 'the route point participant has left');
    const connected = p102.waitForType('CALL_ESTABLISHED', 10_000);
    await p102.accept();
    await connected;
    const info = await eventually(async () => {
      const c = t.server.control.calls.get(callId);
      const dns = c.participants.map((p) => `${p.dn}:${p.status}`).sort().join();
      return dns === '101:Connected,102:Connected' ? c : undefined;
    }, 10_000, '101 and 102 connected in the same call');
    assert.equal(info.state, 'Talking');
    await audioFlowsBothWays(t, callId, '101 and 102 hear each other');
    await new Promise((r) => setTimeout(r, 1500));
    const closed = p102.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await closed;

    // What 101 heard: the bot's 2000 Hz, then 102's 500 Hz.
    const file = await eventually(async () => (await p101.receivedRecordings()).at(-1), 5000, '101 recording');
    await new Promise((r) => setTimeout(r, 300));
    const botBand = await soxStat(file, ['sinc', '1900-2100']);
    const calleeBand = await soxStat(file, ['sinc', '400-600']);
    assert.ok(botBand.rmsAmplitude > 0.05, `101 heard the bot's 2000 Hz (band RMS ${String(botBand.rmsAmplitude)})`);
    assert.ok(calleeBand.rmsAmplitude > 0.05, `101 heard 102's 500 Hz (band RMS ${String(calleeBand.rmsAmplitude)})`);
  });
});
