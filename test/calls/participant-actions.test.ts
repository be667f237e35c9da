// Participant-level actions of the native API with baresip phones each
// sending its own tone (101: 500 Hz, 102: 1 kHz, 103: 1.7 kHz):
// mute/unmute (two-party: the relay stops forwarding 101; mixed: the mixer
// leaves 101 out), record/stop-recording on a participant, per-participant
// whisper, and a supervisor switching listen → whisper → barge in the mixer.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { api, type TestServer } from '../helpers/server.ts';
import { startToneRig, talkingBetween, hangUpAndSettle, type ToneRig, eventually, audioFlowsBothWays, lastHeard } from '../helpers/phones.ts';
import { bandRmsRatio, bandShareIn, soxStat } from '../peers/audio.ts';
import type { Baresip } from '../peers/baresip.ts';
import { openAudioSocket } from '../helpers/audio-socket.ts';
import { sinePcm } from '../helpers/pcm-stream.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TONE: Record<string, number> = { '101': 500, '102': 1000, '103': 1700 };

/** Per tone, the share of a window of `file` near that tone, as whole percents. */
async function tonesIn(file: string, start: number, seconds: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [dn, hz] of Object.entries(TONE)) out[dn] = Math.round((await bandShareIn(file, start, seconds, hz - 120, hz + 120)) * 100);
  return out;
}
const hears = (who: string, l: Record<string, number>, dn: string) => assert.ok(l[dn]! >= 35, `${who} hears ${dn}: ${JSON.stringify(l)} (% of RMS per tone)`);
const deaf = (who: string, l: Record<string, number>, dn: string) => assert.ok(l[dn]! <= 12, `${who} does not hear ${dn}: ${JSON.stringify(l)} (% of RMS per tone)`);

describe('participant actions: mute, record, supervisor per participant and live mode change', () => {
  let rig: ToneRig;
  let t: TestServer;
  let dir: string;
  let phones: Record<string, Baresip>;
  before(async () => {
    rig = await startToneRig(TONE, 'sb-part-');
    ({ t, dir, phones } = rig);
  });
  after(() => rig?.stop());

  /** 101 calls 102 and audio flows both ways. */
  const talk = async () => {
    const c = await talkingBetween(t, phones);
    return { callId: c.callId, up: c.up, p101: c.caller, p102: c.callee };
  };

  const hangUp = () => hangUpAndSettle(t, phones['101']!, phones['102']!);

  const post = (path: string, body?: unknown) => api(t.base, t.adminKey, 'POST', path, body);

  it('mute in a two-party call: 102 gets nothing of 101 while 101 still hears 102; unmute restores it; JSON and events show it', async () => {
    const { callId, p101 } = await talk();
    const call = t.server.sip.b2bua.get(callId)!;
    const since = (await api(t.base, t.adminKey, 'GET', '/api/v1/events?limit=1')).body.lastSeq as number;

    const res = await post(`/api/v1/calls/${callId}/participants/${p101}/mute`);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const mutedAt = Date.now();
    const shown = (await api(t.base, t.adminKey, 'GET', `/api/v1/calls/${callId}`)).body;
    assert.deepEqual(shown.participants.map((p: any) => `${String(p.dn)}:${String(p.muted)}`), ['101:true', '102:false']);
    assert.equal((await post(`/api/v1/calls/${callId}/participants/${p101}/mute`)).status, 202, 'idempotent');

    await sleep(300);
    const a = call.mediaStats();
    await sleep(2500);
    const b = call.mediaStats();
    const to102 = (b.callee?.packetsOut ?? 0) - (a.callee?.packetsOut ?? 0);
    const to101 = (b.caller?.packetsOut ?? 0) - (a.caller?.packetsOut ?? 0);
    const from101 = (b.caller?.packetsIn ?? 0) - (a.caller?.packetsIn ?? 0);
    assert.ok(to102 <= 3, `102 was sent ${to102} packets of 101 while 101 was muted`);
    assert.ok(to101 > 80, `101 still hears 102: ${to101} packets in 2.5 s`);
    assert.ok(from101 > 80, `101's phone still sends (${from101} packets), the PBX drops them`);

    assert.equal((await post(`/api/v1/calls/${callId}/participants/${p101}/unmute`)).status, 202);
    const unmutedAt = Date.now();
    await audioFlowsBothWays(t, callId, 'audio both ways after unmute');
    assert.equal((await api(t.base, t.adminKey, 'GET', `/api/v1/calls/${callId}`)).body.participants[0].muted, false);
    await sleep(2000);
    const endAt = Date.now();
    await hangUp();

    const events = (await api(t.base, t.adminKey, 'GET', `/api/v1/events?since=${String(since)}&limit=1000`)).body.events as any[];
    const mine = events.filter((e) => e.type === 'participant.updated' && e.payload.participant.id === p101).map((e) => e.payload.participant.muted);
    assert.deepEqual(mine.slice(0, 2), [true, false], 'one participant.updated for mute, one for unmute');

    // 102's phone records only what it received: the muted stretch is missing, the rest is 101's tone.
    const file = await lastHeard(phones['102']!);
    const heard = await soxStat(file);
    const mutedSeconds = (unmutedAt - mutedAt) / 1000;
    const callSeconds = (endAt - mutedAt) / 1000 + 1;
    assert.ok(heard.lengthSeconds < callSeconds + 2 - mutedSeconds * 0.8, `102 heard ${heard.lengthSeconds} s of a call with ${mutedSeconds} s muted`);
    const tones = await tonesIn(file, 0.3, Math.max(1, heard.lengthSeconds - 0.6));
    hears('102', tones, '101');
  });

  it('mute in a mixed call: 102 hears the barged-in 103 but not 101; after unmute 101 again', async () => {
    const { callId, up, p101 } = await talk();
    const joined = phones['103']!.waitForType('CALL_ESTABLISHED', 10_000);
    assert.equal((await post(`/api/v1/calls/${callId}/participants/${p101}/barge`, { extension: '103' })).status, 202);
    await joined;
    await eventually(async () => {
      const members = t.server.sip.b2bua.get(callId)?.mediaTap().mixer?.info() ?? [];
      return members.length === 3 && members.every((m) => m.packetsIn > 25 && m.packetsOut > 25);
    }, 8000, 'three members mixed');
    assert.equal((await post(`/api/v1/calls/${callId}/participants/${p101}/mute`)).status, 202);
    const mutedAt = Date.now();
    // Audio cannot be played into a mixed call (the mixer owns what each phone hears): refused, nothing disturbed.
    const socket = await openAudioSocket(`${t.base.replace(/^http/, 'ws')}/api/v1/calls/${callId}/participants/${p101}/audio?key=${t.adminKey}`);
    socket.send(sinePcm(2000, 0.2));
    assert.equal((await socket.closed).code, 4422);
    await sleep(3000);
    assert.equal((await post(`/api/v1/calls/${callId}/participants/${p101}/unmute`)).status, 202);
    const unmutedAt = Date.now();
    await sleep(3000);
    const endAt = Date.now();
    const closed103 = phones['103']!.waitForType('CALL_CLOSED', 10_000);
    await phones['103']!.hangup();
    await closed103;
    await hangUp();

    const file = await lastHeard(phones['102']!);
    const s = (at: number) => (at - up) / 1000;
    const muted = await tonesIn(file, s(mutedAt) + 0.5, s(unmutedAt) - s(mutedAt) - 0.8);
    deaf('102 while 101 is muted', muted, '101');
    hears('102 while 101 is muted', muted, '103');
    const after = await tonesIn(file, s(unmutedAt) + 0.5, s(endAt) - s(unmutedAt) - 0.8);
    hears('102 after unmute', after, '101');
    hears('102 after unmute', after, '103');
  });

  it('record → stop-recording on a participant: a recording row of its call and an MP3 of the tones', async () => {
    const { callId, p102 } = await talk();
    assert.equal((await post(`/api/v1/calls/${callId}/participants/${p102}/record`)).status, 202);
    await sleep(3000);
    assert.equal((await post(`/api/v1/calls/${callId}/participants/${p102}/stop-recording`)).status, 202);
    await sleep(500);
    await hangUp();
    const rec = await eventually(async () => {
      const rows = (await api(t.base, t.adminKey, 'GET', `/api/v1/recordings?callId=${callId}`)).body as any[];
      return rows.length === 1 ? rows[0] : undefined;
    }, 20_000, 'a recording row');
    assert.equal(rec.format, 'mp3');
    assert.ok(rec.durationMs >= 2500 && rec.durationMs <= 4500, `durationMs ${String(rec.durationMs)} for 3 s recorded`);
    const mp3 = await fetch(`${t.base}${String(rec.link)}`);
    assert.equal(mp3.status, 200);
    writeFileSync(join(dir, 'part.mp3'), Buffer.from(await mp3.arrayBuffer()));
    await run('sox', [join(dir, 'part.mp3'), join(dir, 'part.wav')]);
    const stat = await soxStat(join(dir, 'part.wav'));
    assert.ok(stat.rmsAmplitude > 0.05, `rms ${String(stat.rmsAmplitude)}`);
    const low = await bandRmsRatio(join(dir, 'part.wav'), 380, 620);
    const high = await bandRmsRatio(join(dir, 'part.wav'), 880, 1120);
    assert.ok(low > 0.3 && high > 0.3, `both tones in the recording: 500 Hz ${low.toFixed(2)}, 1 kHz ${high.toFixed(2)}`);
  });

  it('a supervisor listening switches to whisper to 101, then to barge-in, without a second leg', async () => {
    const { callId, up, p101 } = await talk();
    const joined = phones['103']!.waitForType('CALL_ESTABLISHED', 10_000);
    assert.equal((await post(`/api/v1/calls/${callId}/listen`, { extension: '103' })).status, 202);
    await joined;
    const members = () => t.server.sip.b2bua.get(callId)?.mediaTap().mixer?.info() ?? [];
    await eventually(async () => members().length === 3 && members().every((m) => m.packetsIn > 25 && m.packetsOut > 25), 8000, 'three members mixed');
    const listenAt = Date.now();
    await sleep(2500);
    const whisper = await post(`/api/v1/calls/${callId}/participants/${p101}/whisper`, { extension: '103' });
    assert.equal(whisper.status, 202, JSON.stringify(whisper.body));
    const whisperAt = Date.now();
    assert.equal(whisper.body.participants.filter((p: any) => p.dn === '103').length, 1, 'the same supervisor participant');
    assert.deepEqual(members().filter((m) => m.mode === 'whisper').map((m) => m.target), [p101], '103 whispers to 101');
    await sleep(2500);
    assert.equal((await post(`/api/v1/calls/${callId}/barge`, { extension: '103' })).status, 202);
    const bargeAt = Date.now();
    assert.deepEqual(members().map((m) => m.mode), ['speak+hear', 'speak+hear', 'speak+hear']);
    await sleep(2500);
    const endAt = Date.now();
    const closed103 = phones['103']!.waitForType('CALL_CLOSED', 10_000);
    await phones['103']!.hangup();
    await closed103;
    await hangUp();
    assert.equal((await api(t.base, t.adminKey, 'GET', `/api/v1/cdr`)).body.find((r: any) => r.callId === callId).lastdata, 'SIP/102&SIP/103', 'one supervisor leg');

    const s = (at: number) => (at - up) / 1000;
    const f101 = await lastHeard(phones['101']!);
    const f102 = await lastHeard(phones['102']!);
    const win = async (file: string, from: number, to: number) => tonesIn(file, s(from) + 0.5, s(to) - s(from) - 0.8);
    deaf('101 while 103 listens', await win(f101, listenAt, whisperAt), '103');
    deaf('102 while 103 listens', await win(f102, listenAt, whisperAt), '103');
    hears('101 while 103 whispers to it', await win(f101, whisperAt, bargeAt), '103');
    deaf('102 while 103 whispers to 101', await win(f102, whisperAt, bargeAt), '103');
    hears('101 after barge-in', await win(f101, bargeAt, endAt), '103');
    hears('102 after barge-in', await win(f102, bargeAt, endAt), '103');
  });

  it('refuses bad participant actions with a coded error and changes nothing', async () => {
    const { callId, p101 } = await talk();
    const read = (await t.server.control.keys.create('read', 'wall')).key;
    const cases: [string | undefined, string, unknown, number, string][] = [
      [t.adminKey, `/api/v1/calls/${callId}/participants/${callId}.99/mute`, undefined, 404, 'SB_NOT_FOUND'],
      [t.adminKey, `/api/v1/calls/nope/participants/${p101}/mute`, undefined, 404, 'SB_NOT_FOUND'],
      [t.adminKey, `/api/v1/calls/${callId}/participants/${p101}/shout`, undefined, 400, 'SB_VALIDATION'],
      [t.adminKey, `/api/v1/calls/${callId}/participants/${callId}.99/record`, undefined, 404, 'SB_NOT_FOUND'],
      [t.adminKey, `/api/v1/calls/${callId}/participants/${callId}.99/whisper`, { extension: '103' }, 404, 'SB_NOT_FOUND'],
      [t.adminKey, `/api/v1/calls/${callId}/participants/${p101}/whisper`, {}, 400, 'SB_VALIDATION'],
      [t.adminKey, `/api/v1/calls/${callId}/participants/${p101}/barge`, { extension: '103', participantId: p101 }, 400, 'SB_VALIDATION'],
      [read, `/api/v1/calls/${callId}/participants/${p101}/mute`, undefined, 403, 'SB_FORBIDDEN'],
      [undefined, `/api/v1/calls/${callId}/participants/${p101}/record`, undefined, 401, 'SB_UNAUTHORIZED'],
    ];
    for (const [key, path, body, status, code] of cases) {
      const r = await api(t.base, key, 'POST', path, body);
      assert.equal(r.status, status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, code, path);
    }
    const c = (await api(t.base, t.adminKey, 'GET', `/api/v1/calls/${callId}`)).body;
    assert.deepEqual(c.participants.map((p: any) => `${String(p.dn)}:${String(p.muted)}`), ['101:false', '102:false'], 'nothing muted, nobody added');
    assert.equal(((await api(t.base, t.adminKey, 'GET', `/api/v1/recordings?callId=${callId}`)).body as any[]).length, 0);
    await hangUp();
  });
});
