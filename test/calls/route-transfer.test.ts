// Seed 001's transferto and routeto over real phones. transferto holds the
// partner while the destination rings, replaces the participant on answer
// and gives 424 (the call back as it was) when the destination refuses.
// routeto rings a destination beside a ringing or talking participant; when
// a route-point app drops its own participant, the caller waits for it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, autoAnswerPhones, stopPhonesThenServer, eventually, audioFlowsBothWays, dialUntilUp, dialUntilRinging, hangUpAndSettle } from '../helpers/phones.ts';
import { createHuntQueue } from '../helpers/queues.ts';
import type { Baresip } from '../peers/baresip.ts';
import type { CallInfo as CallBody } from '../../src/core/calls.ts';

describe('transferto and routeto (seed 001)', () => {
  let t: TestServer;
  let control: string;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  let p104: Baresip;
  const calls = async (): Promise<CallBody[]> => (await api(t.base, control, 'GET', '/api/v1/calls')).body as CallBody[];
  const statuses = (c: CallBody | undefined): string => (c?.participants ?? []).map((p) => `${p.dn}:${p.status}`).sort().join();
  const callWith = (want: string, what = want): Promise<CallBody> =>
    eventually(async () => (await calls()).find((c) => statuses(c) === want), 10_000, what);
  const pidOf = (c: CallBody, dn: string): string => c.participants.find((p) => p.dn === dn)?.id ?? '';
  const act = (c: CallBody, pid: string, verb: string, destination: string) => api(t.base, control, 'POST', `/api/v1/calls/${c.id}/participants/${pid}/${verb}`, { destination });
  const call101to102 = async (): Promise<CallBody> => {
    await dialUntilUp(t, p101, p102, '102');
    return callWith('101:Connected,102:Connected');
  };

  before(async () => {
    t = await startTestServer();
    control = (await t.server.control.keys.create('control', 'operator')).key;
    [p101, p102, p103] = await autoAnswerPhones(t, ['101', '102', '103']);
    p104 = await registeredPhone(t, '104', { answermode: 'manual' });
  });
  after(() => stopPhonesThenServer(t, [p101, p102, p103, p104]));

  it('transferto: 101 is held while 103 rings; 103 answers and takes 102’s place', async () => {
    const call = await call101to102();
    const left = p102.waitForType('CALL_CLOSED', 10_000);
    const res = await act(call, pidOf(call, '102'), 'transferto', '103');
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await left;
    const after = await callWith('101:Connected,103:Connected');
    assert.equal(after.id, call.id);
    await audioFlowsBothWays(t, call.id);
    await hangUpAndSettle(t, p101, [p103]);
  });

  it('transferto to a phone that refuses: 424, and 101 and 102 talk again', async () => {
    const call = await call101to102();
    p104.waitForType('CALL_INCOMING', 10_000).then(async () => {
      assert.equal(statuses((await calls())[0]), '101:Held,102:Connected,104:Ringing', 'the partner waits on hold');
      await p104.hangup();
    }, () => undefined);
    const res = await act(call, pidOf(call, '102'), 'transferto', '104');
    assert.equal(res.status, 424, JSON.stringify(res.body));
    assert.equal((res.body as { code: string }).code, 'SB_DESTINATION_FAILED');
    const back = await callWith('101:Connected,102:Connected', '101 resumed with 102');
    assert.equal(back.state, 'Talking');
    await audioFlowsBothWays(t, call.id);
    await hangUpAndSettle(t, p101, [p102]);
  });

  it('routeto on a talking participant, then the app drops it: the caller waits for and reaches the destination', async () => {
    const call = await call101to102();
    const ringing = p104.waitForType('CALL_INCOMING', 10_000);
    const res = await act(call, pidOf(call, '102'), 'routeto', '104');
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await ringing;
    await callWith('101:Connected,102:Connected,104:Ringing', 'both talking while 104 rings');
    const left = p102.waitForType('CALL_CLOSED', 10_000);
    assert.equal((await api(t.base, control, 'POST', `/api/v1/calls/${call.id}/participants/${pidOf(call, '102')}/drop`)).status, 202);
    await left;
    await callWith('101:Connected,104:Ringing', '101 waits for 104');
    const up = p104.waitForType('CALL_ESTABLISHED', 10_000);
    await p104.accept();
    await up;
    await callWith('101:Connected,104:Connected');
    await audioFlowsBothWays(t, call.id);
    await hangUpAndSettle(t, p101, [p104]);
  });

  it('routeto on a ringing participant: 103 rings too and the first to answer wins', async () => {
    await p102.setAnswermode('manual');
    try {
      await dialUntilRinging(t, p101, p102, '102');
      const call = await callWith('101:Dialing,102:Ringing');
      const stopped = p102.waitForType('CALL_CLOSED', 10_000);
      const up = p103.waitForType('CALL_ESTABLISHED', 10_000);
      const res = await act(call, pidOf(call, '102'), 'routeto', '103');
      assert.equal(res.status, 202, JSON.stringify(res.body));
      await Promise.all([up, stopped]);
      await callWith('101:Connected,103:Connected');
      await hangUpAndSettle(t, p101, [p103]);
    } finally {
      await p102.setAnswermode('auto');
    }
  });

  it('transferto a queue: the partner (101) goes to queue 830 as by a blind transfer, 102 leaves, the agent 103 answers', async () => {
    await createHuntQueue(t, { number: '830', name: 'Bot handoff', agents: ['103'], noAnswer: '104' });
    const call = await call101to102();
    const left = p102.waitForType('CALL_CLOSED', 10_000);
    const reached = p103.waitForType('CALL_ESTABLISHED', 10_000);
    const res = await act(call, pidOf(call, '102'), 'transferto', '830');
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await Promise.all([left, reached]);
    const after = await callWith('101:Connected,103:Connected');
    assert.equal(after.id, call.id);
    await audioFlowsBothWays(t, call.id);
    await hangUpAndSettle(t, p101, [p103]);
    const row = await eventually(async () => ((await api(t.base, control, 'GET', '/api/v1/cdr')).body as { callId: string; lastapp: string; lastdata: string }[]).find((r) => r.callId === call.id), 8000, 'the CDR row');
    assert.deepEqual([row.lastapp, row.lastdata], ['Queue', '830']);
  });

  it('refuses what it cannot do, and the call goes on', async () => {
    const call = await call101to102();
    const cases: [string, string, string, number][] = [
      [pidOf(call, '102'), 'transferto', '999', 404],
      [pidOf(call, '102'), 'transferto', '105', 422],
      [pidOf(call, '102'), 'routeto', 'x', 400],
      [`${call.id}.42`, 'routeto', '103', 404],
    ];
    for (const [pid, verb, dest, status] of cases) {
      const res = await act(call, pid, verb, dest);
      assert.equal(res.status, status, JSON.stringify([pid, verb, dest, res.body]));
    }
    const answer = await api(t.base, control, 'POST', `/api/v1/calls/${call.id}/participants/${pidOf(call, '102')}/answer`);
    assert.equal(answer.status, 422, 'a connected participant cannot be answered');
    assert.equal(statuses((await calls())[0]), '101:Connected,102:Connected');
    await hangUpAndSettle(t, p101, [p102]);
  });
});
