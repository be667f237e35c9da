// Blind transfer: from the API and from a phone (REFER, RFC 3515). 101 calls
// 102; the caller (101) is sent on to 103; 102 leaves; 101 and 103 talk.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { autoAnswerPhones, stopPhonesThenServer, eventually, dialUntilUp, dialUntilRinging, hangUpSeenBy } from '../helpers/phones.ts';
import { createHuntQueue } from '../helpers/queues.ts';
import type { Baresip } from '../peers/baresip.ts';
import type { CallInfo as CallBody } from '../../src/core/calls.ts';

describe('blind transfer', () => {
  let t: TestServer;
  let control: string;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  const talking = async (): Promise<CallBody> =>
    eventually(async () => {
      const calls = (await api(t.base, control, 'GET', '/api/v1/calls')).body as CallBody[];
      return calls.length === 1 && calls[0]?.state === 'Talking' ? calls[0] : undefined;
    }, 10_000, 'a talking call');
  const call101to102 = async (): Promise<CallBody> => {
    await dialUntilUp(t, p101, p102, '102');
    return talking();
  };

  /** While 102 rings for 101 (answering by hand), the API diverts it to `destination` and 103 answers: 101 and 103 talk. */
  const divert102 = async (destination: string): Promise<{ call: CallBody; after: CallBody }> => {
    await p102.setAnswermode('manual');
    await dialUntilRinging(t, p101, p102, '102');
    const call = await eventually(async () => {
      const calls = (await api(t.base, control, 'GET', '/api/v1/calls')).body as CallBody[];
      return calls[0]?.participants.find((p) => p.dn === '102' && p.status === 'Ringing') ? calls[0] : undefined;
    });
    const pid = call.participants.find((p) => p.dn === '102')?.id ?? '';
    const stopped = p102.waitForType('CALL_CLOSED', 10_000);
    const up = Promise.all([p103.waitForType('CALL_ESTABLISHED', 10_000), p101.waitForType('CALL_ESTABLISHED', 10_000)]);
    const res = await api(t.base, control, 'POST', `/api/v1/calls/${call.id}/participants/${pid}/divert`, { destination });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await Promise.all([stopped, up]);
    const after = await talking();
    assert.deepEqual(after.participants.map((p) => `${p.dn}:${p.status}`), ['101:Connected', '103:Connected']);
    return { call, after };
  };

  before(async () => {
    t = await startTestServer();
    control = (await t.server.control.keys.create('control', 'operator')).key;
    [p101, p102, p103] = await autoAnswerPhones(t, ['101', '102', '103']);
  });
  after(() => stopPhonesThenServer(t, [p101, p102, p103]));

  it('from the API: the caller goes on to 103, 102 leaves', async () => {
    const call = await call101to102();
    const left = p102.waitForType('CALL_CLOSED', 10_000);
    const reached = p103.waitForType('CALL_ESTABLISHED', 10_000);
    const res = await api(t.base, control, 'POST', `/api/v1/calls/${call.id}/participants/${call.owner}/transfer`, { destination: '103' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await Promise.all([left, reached]);
    const after = await talking();
    assert.equal(after.id, call.id, 'the same call goes on');
    assert.deepEqual(after.participants.map((p) => `${p.dn}:${p.status}`), ['101:Connected', '103:Connected']);
    await eventually(async () => (t.server.sip.b2bua.get(call.id)?.mediaStats().callee?.packetsIn ?? 0) > 10, 5000, '103 sending audio into the call');
    await eventually(async () => (t.server.sip.b2bua.get(call.id)?.mediaStats().caller?.packetsOut ?? 0) > 10, 5000, '101 receiving it');
    await hangUpSeenBy(p101, p103);
    const cdr = await eventually(async () => {
      const rows = (await api(t.base, control, 'GET', '/api/v1/cdr')).body as { disposition: string }[];
      return rows.length === 1 ? rows : undefined;
    });
    assert.equal(cdr[0]?.disposition, 'ANSWERED');
  });

  it('from the API: the callee (102) goes on to 103, the caller leaves', async () => {
    const call = await call101to102();
    const callee = call.participants.find((p) => p.dn === '102')?.id ?? '';
    const left = p101.waitForType('CALL_CLOSED', 10_000);
    const reached = p103.waitForType('CALL_ESTABLISHED', 10_000);
    const res = await api(t.base, control, 'POST', `/api/v1/calls/${call.id}/participants/${callee}/transfer`, { destination: '103' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await Promise.all([left, reached]);
    const after = await talking();
    assert.equal(after.id, call.id, 'the same call goes on');
    assert.deepEqual(after.participants.map((p) => `${p.dn}:${p.status}`).sort(), ['102:Connected', '103:Connected']);
    const b2bua = t.server.sip.b2bua;
    await eventually(async () => (b2bua.get(call.id)?.mediaStats().callee?.packetsOut ?? 0) > 10 && (b2bua.get(call.id)?.mediaStats().caller?.packetsOut ?? 0) > 10, 5000, 'audio both ways between 102 and 103');
    await hangUpSeenBy(p102, p103);
  });

  it('from the phone: 102 sends REFER and the caller reaches 103', async () => {
    const call = await call101to102();
    const left = p102.waitForType('CALL_CLOSED', 10_000);
    const reached = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await p102.transfer(`sip:103@127.0.0.1:${String(t.sipPort)}`);
    await Promise.all([left, reached]);
    const after = await talking();
    assert.equal(after.id, call.id);
    assert.deepEqual(after.participants.map((p) => p.dn), ['101', '103']);
    await hangUpSeenBy(p101, p103);
  });

  it('divert: while 102 rings, the call goes to 103 instead', async () => {
    const { call, after } = await divert102('103');
    const again = await api(t.base, control, 'POST', `/api/v1/calls/${call.id}/participants/${after.participants[1]?.id ?? ''}/divert`, { destination: '102' });
    assert.equal(again.status, 422, 'a connected participant cannot be diverted');
    await hangUpSeenBy(p101, p103);
    await p102.setAnswermode('auto');
  });

  it('refuses a transfer it cannot make, and the call goes on', async () => {
    const call = await call101to102();
    const cases: [string, unknown, number][] = [
      [`${call.id}.99`, { destination: '103' }, 404],
      [call.owner, { destination: '999' }, 404],
      [call.owner, { destination: '105' }, 422],
      [call.owner, { destination: 'x' }, 400],
    ];
    for (const [pid, body, status] of cases) {
      const res = await api(t.base, control, 'POST', `/api/v1/calls/${call.id}/participants/${pid}/transfer`, body);
      assert.equal(res.status, status, JSON.stringify([pid, body, res.body]));
    }
    const still = await talking();
    assert.deepEqual(still.participants.map((p) => `${p.dn}:${p.status}`), ['101:Connected', '102:Connected']);
    await hangUpSeenBy(p101, p102);
  });

  it('to a queue: the API transfers 101 to queue 820; 102 leaves, 101 waits with music, the agent 103 answers; CDR Queue', async () => {
    await createHuntQueue(t, { number: '820', name: 'Transfers', agents: ['103'], noAnswer: '104' });
    const call = await call101to102();
    await p103.setAnswermode('manual');
    const left = p102.waitForType('CALL_CLOSED', 10_000);
    const offered = p103.waitForType('CALL_INCOMING', 10_000);
    const res = await api(t.base, control, 'POST', `/api/v1/calls/${call.id}/participants/${call.owner}/transfer`, { destination: '820' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await Promise.all([left, offered]);
    const live = t.server.sip.b2bua.get(call.id)!;
    const waiting = ((await api(t.base, control, 'GET', '/api/v1/queues/820/status')).body as { waiting: { callId: string; callerNumber: string }[] }).waiting;
    assert.deepEqual(waiting.map((w) => `${w.callId}:${w.callerNumber}`), [`${call.id}:101`], '101 waits in the queue');
    const before = live.mediaStats().caller?.packetsOut ?? 0;
    await eventually(async () => (live.mediaStats().caller?.packetsOut ?? 0) - before > 50 && live.calleeParticipant === undefined, 5000, 'music reaching 101 while the agent rings');
    const reached = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await p103.accept();
    await reached;
    const after = await talking();
    assert.equal(after.id, call.id, 'the same call goes on');
    assert.deepEqual(after.participants.map((p) => `${p.dn}:${p.status}`).sort(), ['101:Connected', '103:Connected']);
    await eventually(async () => (live.mediaStats().callee?.packetsIn ?? 0) > 25 && (live.mediaStats().caller?.packetsIn ?? 0) > 25, 5000, 'audio both ways between 101 and 103');
    await hangUpSeenBy(p101, p103);
    await p103.setAnswermode('auto');
    const row = await eventually(async () => ((await api(t.base, control, 'GET', '/api/v1/cdr')).body as { callId: string; lastapp: string; lastdata: string; disposition: string; dstchannel: string }[]).find((r) => r.callId === call.id), 8000, 'the CDR row');
    assert.deepEqual([row.lastapp, row.lastdata, row.disposition], ['Queue', '820', 'ANSWERED']);
    assert.match(row.dstchannel, /^SIP\/103-/);
  });

  it('divert to a ring group: while 102 rings, the call goes to group 630 (103) instead', async () => {
    const group = await api(t.base, t.adminKey, 'POST', '/api/v1/ring-groups', { number: '630', name: 'Backup', strategy: 'ringAll', ringTime: 15, members: ['103'], noAnswer: { type: 'none', number: '' } });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    await divert102('630');
    await hangUpSeenBy(p101, p103);
    await p102.setAnswermode('auto');
  });
});
