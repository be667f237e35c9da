// Barge-in, listen and whisper with three baresip phones, each playing its own
// tone (101: 500 Hz, 102: 1 kHz, 103: 1.7 kHz). 101 calls 102; supervisor 103
// is rung through the API (or seed 000 bargein) and joins the call's mixer.
// What each phone heard while mixed is cut out of its own recording and
// measured per tone band.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, type TestServer } from '../helpers/server.ts';
import { startToneRig, callBetween, type ToneRig, eventually, audioFlowsBothWays, lastHeard } from '../helpers/phones.ts';
import { bandShareIn } from '../peers/audio.ts';
import type { Baresip } from '../peers/baresip.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TONE: Record<string, number> = { '101': 500, '102': 1000, '103': 1700 };

/** Per tone, the share of a window of what `phone` heard, as whole percents. */
async function heardTones(phone: Baresip, start: number, seconds: number): Promise<Record<string, number>> {
  const file = await lastHeard(phone);
  const out: Record<string, number> = {};
  for (const [dn, hz] of Object.entries(TONE)) out[dn] = Math.round((await bandShareIn(file, start, seconds, hz - 120, hz + 120)) * 100);
  return out;
}

const hears = (who: string, l: Record<string, number>, dn: string) => assert.ok(l[dn]! >= 35, `${who} hears ${dn}: ${JSON.stringify(l)} (% of RMS per tone)`);
const deaf = (who: string, l: Record<string, number>, dn: string) => assert.ok(l[dn]! <= 12, `${who} does not hear ${dn}: ${JSON.stringify(l)} (% of RMS per tone)`);

describe('barge-in, listen, whisper', () => {
  let rig: ToneRig;
  let t: TestServer;
  let dir: string;
  let phones: Record<string, Baresip>;
  before(async () => {
    rig = await startToneRig(TONE, 'sb-mix-');
    ({ t, dir, phones } = rig);
  });
  after(() => rig?.stop());

  /** 101 calls 102; returns the call id and when each phone's call came up. */
  async function talk(): Promise<{ callId: string; up: number }> {
    const { callId, up } = await callBetween(t, phones);
    return { callId, up };
  }

  /** The supervisor is connected in the call (its phone answered, the call shows it). */
  async function joined(callId: string): Promise<number> {
    await eventually(async () => {
      const c = (await api(t.base, t.adminKey, 'GET', `/api/v1/calls/${callId}`)).body;
      return c.participants?.some((p: any) => p.dn === '103' && p.status === 'Connected');
    }, 10_000, '103 connected in the call');
    // Every member's audio goes through the mixer both ways before the window starts.
    await eventually(async () => {
      const members = t.server.sip.b2bua.get(callId)?.mediaTap().mixer?.info() ?? [];
      return members.length === 3 && members.every((m) => m.packetsIn > 25 && m.packetsOut > 25);
    }, 5000, 'audio both ways through the mixer for all three');
    return Date.now();
  }

  /** Mixes for 3 s, then 103 leaves, then 101 hangs up; returns the mixed window [from, to) since `up`. */
  async function mixAndEnd(up: number, joinedAt: number): Promise<{ start: number; seconds: number }> {
    await sleep(3000);
    const leftAt = Date.now();
    const closed103 = phones['103']!.waitForType('CALL_CLOSED', 10_000);
    await phones['103']!.hangup();
    await closed103;
    await sleep(300);
    const closed102 = phones['102']!.waitForType('CALL_CLOSED', 10_000);
    await phones['101']!.hangup();
    await closed102;
    await eventually(async () => ((await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as any[]).length === 0, 5000, 'no calls');
    const start = (joinedAt - up) / 1000 + 0.6;
    return { start, seconds: (leftAt - up) / 1000 - 0.3 - start };
  }

  it('barge-in: all three hear each other; the call, its events and its CDR show 103; the recording is the mix', async () => {
    const { callId, up } = await talk();
    await sleep(500);
    assert.equal((await api(t.base, t.adminKey, 'POST', `/api/v1/calls/${callId}/record/start`)).status, 202);
    const established = phones['103']!.waitForType('CALL_ESTABLISHED', 10_000);
    const res = await api(t.base, t.adminKey, 'POST', `/api/v1/calls/${callId}/barge`, { extension: '103' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.id, callId);
    assert.ok(res.body.participants.some((p: any) => p.dn === '103' && p.direction === 'outbound'), 'the supervisor is a participant at once (ringing)');
    await established;
    const joinedAt = await joined(callId);
    const w = await mixAndEnd(up, joinedAt);

    const h103 = await heardTones(phones['103']!, 0.6, 2);
    hears('103', h103, '101');
    hears('103', h103, '102');
    deaf('103', h103, '103');
    const h101 = await heardTones(phones['101']!, w.start, w.seconds);
    hears('101', h101, '102');
    hears('101', h101, '103');
    deaf('101', h101, '101');
    const h102 = await heardTones(phones['102']!, w.start, w.seconds);
    hears('102', h102, '101');
    hears('102', h102, '103');
    deaf('102', h102, '102');

    const events = (await api(t.base, t.adminKey, 'GET', '/api/v1/events?since=0&limit=1000')).body.events as any[];
    const updated = events.filter((e) => e.type === 'call.updated' && e.payload.call.id === callId);
    assert.ok(
      updated.some((e) => e.payload.call.participants.some((p: any) => p.dn === '103' && p.status === 'Connected')),
      'a call.updated shows 103 connected',
    );
    const ended = events.find((e) => e.type === 'call.ended' && e.payload.call.id === callId);
    assert.equal(ended.payload.disposition, 'ANSWERED');
    const cdr = ((await api(t.base, t.adminKey, 'GET', '/api/v1/cdr')).body as any[]).find((r) => r.callId === callId);
    assert.equal(cdr.lastdata, 'SIP/102&SIP/103', 'the CDR lists the extra channel as Dial does');

    // The recording: the two parties before the barge-in, all three after (the mixer's mix).
    const rec = await eventually(async () => {
      const rows = (await api(t.base, t.adminKey, 'GET', `/api/v1/recordings?callId=${callId}`)).body as any[];
      return rows.length === 1 ? rows[0] : undefined;
    }, 20_000, 'a recording');
    assert.ok(rec.participants.some((p: any) => p.dn === '103'), 'the recording lists 103');
    const wav = await fetch(`${t.base}${String(rec.link).replace(/\.mp3$/, '.wav')}`);
    assert.equal(wav.status, 200);
    const file = join(dir, 'mix.wav');
    writeFileSync(file, Buffer.from(await wav.arrayBuffer()));
    const recStart = (joinedAt - up) / 1000 - 0.5 + 0.6;
    const mixed: Record<string, number> = {};
    for (const [dn, hz] of Object.entries(TONE)) mixed[dn] = Math.round((await bandShareIn(file, recStart, 2, hz - 120, hz + 120)) * 100);
    for (const dn of ['101', '102', '103']) hears('the recording', mixed, dn);
  });

  it('listen: 103 hears 101 and 102; neither hears 103', async () => {
    const { callId, up } = await talk();
    const established = phones['103']!.waitForType('CALL_ESTABLISHED', 10_000);
    const res = await api(t.base, t.adminKey, 'POST', `/api/v1/calls/${callId}/listen`, { extension: '103' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await established;
    const w = await mixAndEnd(up, await joined(callId));
    const h103 = await heardTones(phones['103']!, 0.6, 2);
    hears('103', h103, '101');
    hears('103', h103, '102');
    const h101 = await heardTones(phones['101']!, w.start, w.seconds);
    hears('101', h101, '102');
    deaf('101', h101, '103');
    const h102 = await heardTones(phones['102']!, w.start, w.seconds);
    hears('102', h102, '101');
    deaf('102', h102, '103');
  });

  it('whisper to 101: 101 hears 103, 102 does not; 103 hears both', async () => {
    const { callId, up } = await talk();
    const call = (await api(t.base, t.adminKey, 'GET', `/api/v1/calls/${callId}`)).body;
    const agent = call.participants.find((p: any) => p.dn === '101').id as string;
    const established = phones['103']!.waitForType('CALL_ESTABLISHED', 10_000);
    const res = await api(t.base, t.adminKey, 'POST', `/api/v1/calls/${callId}/whisper`, { extension: '103', participantId: agent });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await established;
    const w = await mixAndEnd(up, await joined(callId));
    const h103 = await heardTones(phones['103']!, 0.6, 2);
    hears('103', h103, '101');
    hears('103', h103, '102');
    const h101 = await heardTones(phones['101']!, w.start, w.seconds);
    hears('101', h101, '102');
    hears('101', h101, '103');
    const h102 = await heardTones(phones['102']!, w.start, w.seconds);
    hears('102', h102, '101');
    deaf('102', h102, '103');
  });

  it('seed 000 bargein (internal, external suffix, num, contact) makes 103 hear the call; 101 hanging up leaves 102 with 103', async () => {
    const control = (await t.server.control.keys.create('control', 'crm')).key;
    const { callId } = await talk();
    const established = phones['103']!.waitForType('CALL_ESTABLISHED', 10_000);
    const port = `:${phones['103']!.sipAddress.split(':')[1] ?? ''}`;
    const res = await fetch(`${t.base}/webapi/${control}/bargein?internal=101&external=2&num=103&contact=${encodeURIComponent(port)}`);
    assert.equal(res.status, 200);
    assert.equal(await res.json(), true);
    await established;
    await joined(callId);
    await sleep(2500);
    // 101 leaves: the supervisor who barged in takes its place; the call goes on.
    await phones['101']!.hangup();
    await sleep(1500);
    const c = (await api(t.base, t.adminKey, 'GET', `/api/v1/calls/${callId}`)).body;
    assert.deepEqual(
      c.participants.filter((p: any) => p.status === 'Connected').map((p: any) => p.dn).sort(),
      ['102', '103'],
    );
    const closed = phones['102']!.waitForType('CALL_CLOSED', 10_000);
    await phones['103']!.hangup();
    await closed;
    const h103 = await heardTones(phones['103']!, 0.6, 2);
    hears('103', h103, '101');
    hears('103', h103, '102');
  });

  it('a supervisor who declines leaves no trace; one dropped by the API leaves while 101 and 102 talk on', async () => {
    const { callId } = await talk();
    await phones['103']!.setAnswermode('manual');
    const incoming = phones['103']!.waitForType('CALL_INCOMING', 10_000);
    assert.equal((await api(t.base, t.adminKey, 'POST', `/api/v1/calls/${callId}/barge`, { extension: '103' })).status, 202);
    await incoming;
    await phones['103']!.hangup(); // 486
    await eventually(async () => {
      const c = (await api(t.base, t.adminKey, 'GET', `/api/v1/calls/${callId}`)).body;
      return c.participants.map((p: any) => p.dn).join() === '101,102';
    }, 5000, 'the declined supervisor gone from the call');
    await phones['103']!.setAnswermode('auto');

    const established = phones['103']!.waitForType('CALL_ESTABLISHED', 10_000);
    assert.equal((await api(t.base, t.adminKey, 'POST', `/api/v1/calls/${callId}/listen`, { extension: '103' })).status, 202);
    await established;
    await joined(callId);
    const supervisor = (await api(t.base, t.adminKey, 'GET', `/api/v1/calls/${callId}`)).body.participants.find((p: any) => p.dn === '103').id as string;
    const closed = phones['103']!.waitForType('CALL_CLOSED', 10_000);
    assert.equal((await api(t.base, t.adminKey, 'POST', `/api/v1/calls/${callId}/participants/${supervisor}/drop`)).status, 202);
    await closed;
    const c = (await api(t.base, t.adminKey, 'GET', `/api/v1/calls/${callId}`)).body;
    assert.equal(c.state, 'Talking');
    assert.deepEqual(c.participants.map((p: any) => `${String(p.dn)}:${String(p.status)}`), ['101:Connected', '102:Connected']);
    // The two go on talking through the mixer.
    await audioFlowsBothWays(t, callId, 'audio between 101 and 102 after the supervisor left');
    const down = phones['102']!.waitForType('CALL_CLOSED', 10_000);
    await phones['101']!.hangup();
    await down;
  });

  it('refuses bad requests with a coded error and changes nothing', async () => {
    const { callId } = await talk();
    const read = (await t.server.control.keys.create('read', 'wall')).key;
    const cases: [string, string, unknown, number, string][] = [
      [t.adminKey, `/api/v1/calls/nope/barge`, { extension: '103' }, 404, 'SB_NOT_FOUND'],
      [t.adminKey, `/api/v1/calls/${callId}/barge`, { extension: '999' }, 404, 'SB_NOT_FOUND'],
      [t.adminKey, `/api/v1/calls/${callId}/barge`, { extension: 'abc' }, 400, 'SB_VALIDATION'],
      [t.adminKey, `/api/v1/calls/${callId}/barge`, {}, 400, 'SB_VALIDATION'],
      [t.adminKey, `/api/v1/calls/${callId}/listen`, { extension: '103', participantId: `${callId}.1` }, 400, 'SB_VALIDATION'],
      [t.adminKey, `/api/v1/calls/${callId}/whisper`, { extension: '103', participantId: `${callId}.99` }, 404, 'SB_NOT_FOUND'],
      [t.adminKey, `/api/v1/calls/${callId}/barge`, { extension: '104' }, 422, 'SB_UNPROCESSABLE'],
      [t.adminKey, `/api/v1/calls/${callId}/barge`, { extension: '101' }, 409, 'SB_CONFLICT'],
      [read, `/api/v1/calls/${callId}/barge`, { extension: '103' }, 403, 'SB_FORBIDDEN'],
      [undefined as unknown as string, `/api/v1/calls/${callId}/barge`, { extension: '103' }, 401, 'SB_UNAUTHORIZED'],
    ];
    for (const [key, path, body, status, code] of cases) {
      const r = await api(t.base, key, 'POST', path, body);
      assert.equal(r.status, status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, code, path);
    }
    const c = (await api(t.base, t.adminKey, 'GET', `/api/v1/calls/${callId}`)).body;
    assert.deepEqual(c.participants.map((p: any) => p.dn), ['101', '102'], 'nobody was added');
    const closed = phones['102']!.waitForType('CALL_CLOSED', 10_000);
    await phones['101']!.hangup();
    await closed;
  });
});
