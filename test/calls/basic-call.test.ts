// Real calls between real phones through the B2BUA: 101 calls 102 and each
// side sends its own tone; each recording must hold the other side's tone for
// about the talk time; the CDR says ANSWERED with the right billsec.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import { bandRmsRatio, soxStat } from '../peers/audio.ts';
import type { Baresip } from '../peers/baresip.ts';

const TALK_MS = 3000;

async function talk(t: TestServer, caller: Baresip, callee: Baresip, dialled: string): Promise<{ talkMs: number }> {
  const established = callee.waitForType('CALL_ESTABLISHED', 10_000);
  const callerUp = caller.waitForType('CALL_ESTABLISHED', 10_000);
  await caller.dial(`sip:${dialled}@127.0.0.1:${String(t.sipPort)}`);
  await Promise.all([established, callerUp]);
  const up = Date.now();
  const live = await api(t.base, t.adminKey, 'GET', '/api/v1/calls');
  assert.equal(live.body.length, 1, 'one live call');
  assert.equal(live.body[0].state, 'Talking');
  assert.deepEqual(live.body[0].participants.map((p: { status: string }) => p.status), ['Connected', 'Connected']);
  await new Promise((r) => setTimeout(r, TALK_MS));
  const closed = callee.waitForType('CALL_CLOSED', 10_000);
  await caller.hangup();
  await closed;
  return { talkMs: Date.now() - up };
}

async function heard(phone: Baresip, hz: number, talkMs: number): Promise<void> {
  const files = await eventually(async () => {
    const f = await phone.receivedRecordings();
    return f.length > 0 ? f : undefined;
  }, 5000, 'a recording');
  const file = files[files.length - 1] ?? '';
  const stat = await soxStat(file);
  assert.ok(stat.rmsAmplitude > 0.05, `${phone.user} heard silence (rms ${stat.rmsAmplitude})`);
  const ratio = await bandRmsRatio(file, hz - 100, hz + 100);
  assert.ok(ratio > 0.9, `${phone.user} heard ${String(Math.round(ratio * 100))}% of its audio near ${hz} Hz`);
  const lengthMs = stat.lengthSeconds * 1000;
  assert.ok(Math.abs(lengthMs - talkMs) <= talkMs * 0.1, `${phone.user} recorded ${lengthMs} ms for ${talkMs} ms of talk`);
}

describe('a call between two phones', () => {
  let t: TestServer;
  let p101: Baresip;
  let p102: Baresip;
  before(async () => {
    t = await startTestServer();
    p101 = await registeredPhone(t, '101', { toneHz: 1000, answermode: 'auto' });
    p102 = await registeredPhone(t, '102', { toneHz: 600, answermode: 'auto' });
  });
  after(async () => {
    await p101?.stop();
    await p102?.stop();
    await t.stop();
  });

  it('101 calls 102: each hears the other, the CDR says ANSWERED', async () => {
    const { talkMs } = await talk(t, p101, p102, '102');
    await heard(p102, 1000, talkMs);
    await heard(p101, 600, talkMs);
    const cdr = await eventually(async () => {
      const rows = (await api(t.base, t.adminKey, 'GET', '/api/v1/cdr')).body as { disposition: string; billsec: number; src: string; dst: string }[];
      return rows.length === 1 ? rows : undefined;
    });
    assert.equal(cdr[0]?.disposition, 'ANSWERED');
    assert.equal(cdr[0]?.src, '101');
    assert.equal(cdr[0]?.dst, '102');
    assert.ok(Math.abs((cdr[0]?.billsec ?? 0) - talkMs / 1000) <= 1, `billsec ${cdr[0]?.billsec} for ${talkMs} ms`);
    assert.deepEqual((await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body, []);
    const events = (await api(t.base, t.adminKey, 'GET', '/api/v1/events?since=0&limit=1000')).body.events as { type: string; payload: { participant?: { status: string } } }[];
    const types = events.map((e) => e.type);
    for (const type of ['call.created', 'participant.updated', 'call.updated', 'call.ended']) assert.ok(types.includes(type), `no ${type} event`);
    assert.ok(events.some((e) => e.type === 'participant.updated' && e.payload.participant?.status === 'Ringing'));
  });

  it('102 calls 101: the other direction', async () => {
    const { talkMs } = await talk(t, p102, p101, '101');
    await heard(p101, 600, talkMs);
    await heard(p102, 1000, talkMs);
  });
});
