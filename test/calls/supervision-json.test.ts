// A supervisor's mode in the native participant JSON (src/api/native/README.md
// "supervision"): baresip phones 101 and 102 talk, 103 is rung in to listen,
// switched to whisper to 101, then to barge-in; the calls JSON, the verbs'
// replies and the participant.updated events show each mode, on 103 only.
// When 101 hangs up the barged-in 103 takes its place and is a plain party.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, type TestServer } from '../helpers/server.ts';
import { startToneRig, talkingBetween, eventually, type ToneRig } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';

const TONE: Record<string, number> = { '101': 500, '102': 1000, '103': 1700 };

describe('supervision in the participant JSON', () => {
  let rig: ToneRig;
  let t: TestServer;
  let phones: Record<string, Baresip>;
  before(async () => {
    rig = await startToneRig(TONE, 'sb-supervision-');
    ({ t, phones } = rig);
  });
  after(() => rig?.stop());

  const post = (path: string, body: unknown) => api(t.base, t.adminKey, 'POST', path, body);
  /** Each participant as `dn:status:supervision` (`-` when it has none). */
  const shape = (call: any) => call.participants.map((p: any) => `${String(p.dn)}:${String(p.status)}:${p.supervision === undefined ? '-' : `${String(p.supervision.mode)}>${String(p.supervision.target)}`}`);
  const live = async (callId: string) => shape((await api(t.base, t.adminKey, 'GET', `/api/v1/calls/${callId}`)).body);

  it('shows listen, whisper to 101 and barge on 103 alone, in replies, GET and events; a supervisor taking an end’s place loses it', async () => {
    const { callId, caller: p101 } = await talkingBetween(t, phones);
    const since = (await api(t.base, t.adminKey, 'GET', '/api/v1/events?limit=1')).body.lastSeq as number;

    const joined = phones['103']!.waitForType('CALL_ESTABLISHED', 10_000);
    const listen = await post(`/api/v1/calls/${callId}/listen`, { extension: '103' });
    assert.equal(listen.status, 202, JSON.stringify(listen.body));
    const ringing = shape(listen.body);
    assert.deepEqual(ringing.slice(0, 2), ['101:Connected:-', '102:Connected:-']);
    assert.match(ringing[2], /^103:(Dialing|Ringing):listen>null$/, 'a ringing supervisor already shows its mode');
    await joined;
    await eventually(async () => (await live(callId))[2] === '103:Connected:listen>null', 5000, '103 connected, listening');

    const whisper = await post(`/api/v1/calls/${callId}/participants/${p101}/whisper`, { extension: '103' });
    assert.equal(whisper.status, 202, JSON.stringify(whisper.body));
    assert.deepEqual(shape(whisper.body), ['101:Connected:-', '102:Connected:-', `103:Connected:whisper>${p101}`]);
    const mixer = t.server.sip.b2bua.get(callId)!.mediaTap().mixer!.info();
    assert.deepEqual(mixer.filter((m) => m.mode === 'whisper').map((m) => m.target), [p101], 'the JSON says what the mixer does');
    assert.deepEqual(await live(callId), shape(whisper.body));

    const barge = await post(`/api/v1/calls/${callId}/barge`, { extension: '103' });
    assert.equal(barge.status, 202, JSON.stringify(barge.body));
    assert.deepEqual(shape(barge.body), ['101:Connected:-', '102:Connected:-', '103:Connected:barge>null']);

    // 101 leaves: the barged-in 103 is 102's partner now, supervising nobody.
    const closed101 = phones['101']!.waitForType('CALL_CLOSED', 10_000);
    await phones['101']!.hangup();
    await closed101;
    await eventually(async () => JSON.stringify(await live(callId)) === JSON.stringify(['102:Connected:-', '103:Connected:-']), 5000, '103 in 101’s place, no supervision');

    const closed = phones['102']!.waitForType('CALL_CLOSED', 10_000);
    await phones['103']!.hangup();
    await closed;
    await eventually(async () => ((await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as unknown[]).length === 0, 5000, 'no calls');

    const events = (await api(t.base, t.adminKey, 'GET', `/api/v1/events?since=${String(since)}&limit=1000`)).body.events as any[];
    const of103 = events.filter((e) => e.type === 'participant.updated' && e.payload.participant.dn === '103').map((e) => e.payload.participant.supervision);
    const modes = of103.map((s) => (s === undefined ? '-' : `${String(s.mode)}>${String(s.target)}`)).filter((m, i, all) => i === 0 || m !== all[i - 1]);
    assert.deepEqual(modes, ['listen>null', `whisper>${p101}`, 'barge>null', '-'], `103's participant.updated events: ${JSON.stringify(of103)}`);
    const others = events.filter((e) => e.type === 'participant.updated' && e.payload.participant.dn !== '103');
    assert.ok(others.every((e) => e.payload.participant.supervision === undefined), 'no one else is a supervisor');
  });
});
