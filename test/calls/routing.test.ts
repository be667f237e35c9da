// Routing to internal numbers with real phones: ring groups (hunt, ring all,
// no-answer destination) and forwarding profiles (always, busy, no answer,
// not registered), each checked on the phones that ring and on the CDR.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';

interface CallBody {
  id: string;
  state: string;
  participants: { id: string; dn: string; status: string }[];
}

describe('routing: ring groups and forwarding', () => {
  let t: TestServer;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  let p104: Baresip;
  const admin = (method: string, path: string, body?: unknown) => api(t.base, t.adminKey, method, path, body);
  const statuses = (c: CallBody | undefined): string => (c?.participants ?? []).map((p) => `${p.dn}:${p.status}`).sort().join();
  const talking = (want: string): Promise<CallBody> =>
    eventually(async () => ((await admin('GET', '/api/v1/calls')).body as CallBody[]).find((c) => c.state === 'Talking' && statuses(c) === want), 15_000, want);
  const dial = (number: string) => p101.dial(`sip:${number}@127.0.0.1:${String(t.sipPort)}`);
  const lastCdr = async (count: number): Promise<{ dst: string; disposition: string; billsec: number }> =>
    eventually(async () => {
      const rows = (await admin('GET', '/api/v1/cdr')).body as { dst: string; disposition: string; billsec: number }[];
      return rows.length === count ? rows[count - 1] : undefined;
    }, 5000, `${String(count)} CDR rows`);
  let cdrCount = 0;
  const hangUp = async (other: Baresip): Promise<void> => {
    const down = other.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await down;
    cdrCount++;
  };

  before(async () => {
    t = await startTestServer();
    p101 = await registeredPhone(t, '101', { answermode: 'auto' });
    p102 = await registeredPhone(t, '102', { answermode: 'manual' });
    p103 = await registeredPhone(t, '103', { answermode: 'auto' });
    p104 = await registeredPhone(t, '104', { answermode: 'auto' });
  });
  after(async () => {
    for (const p of [p101, p102, p103, p104]) await p?.stop();
    await t.stop();
  });
  beforeEach(async () => {
    for (const n of ['102', '103', '105']) assert.equal((await admin('PATCH', `/api/v1/extensions/${n}`, { forwardingProfile: 'Available', forwarding: [], dnd: false })).status, 200);
  });

  it('hunt: 102 rings first and does not answer; then 103 rings and answers', async () => {
    assert.equal((await admin('POST', '/api/v1/ring-groups', { number: '610', strategy: 'hunt', ringTime: 2, members: ['102', '103'] })).status, 201);
    const first = p102.waitForType('CALL_INCOMING', 10_000);
    const gaveUp = p102.waitForType('CALL_CLOSED', 10_000);
    const reached = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await dial('610');
    await first;
    const ringingAt = Date.now();
    await gaveUp;
    assert.ok(Date.now() - ringingAt > 1200, '102 rang its ring time before the hunt moved on');
    await reached;
    await talking('101:Connected,103:Connected');
    await hangUp(p103);
    const cdr = await lastCdr(cdrCount);
    assert.equal(cdr.dst, '610');
    assert.equal(cdr.disposition, 'ANSWERED');
  });

  it('ring all: 102 and 103 ring together; the first to answer wins, the other stops', async () => {
    await p103.setAnswermode('manual');
    try {
      assert.equal((await admin('POST', '/api/v1/ring-groups', { number: '611', strategy: 'ringAll', ringTime: 10, members: ['102', '103'] })).status, 201);
      const both = Promise.all([p102.waitForType('CALL_INCOMING', 10_000), p103.waitForType('CALL_INCOMING', 10_000)]);
      await dial('611');
      await both;
      const stopped = p102.waitForType('CALL_CLOSED', 10_000);
      const up = p103.waitForType('CALL_ESTABLISHED', 10_000);
      await p103.accept();
      await Promise.all([stopped, up]);
      await talking('101:Connected,103:Connected');
      await hangUp(p103);
    } finally {
      await p103.setAnswermode('auto');
    }
  });

  it('no one in the group answers: the no-answer destination (104) gets the call', async () => {
    assert.equal((await admin('POST', '/api/v1/ring-groups', { number: '612', strategy: 'hunt', ringTime: 2, members: ['102'], noAnswer: { type: 'extension', number: '104' } })).status, 201);
    const reached = p104.waitForType('CALL_ESTABLISHED', 10_000);
    await dial('612');
    await reached;
    await talking('101:Connected,104:Connected');
    await hangUp(p104);
  });

  it('forwarding on no answer: 102 rings its noAnswerTimeout, then 103 answers', async () => {
    await admin('PATCH', '/api/v1/extensions/102', { noAnswerTimeout: 5, forwarding: [{ profile: 'Available', condition: 'noAnswer', destination: { type: 'extension', number: '103' } }] });
    const rang = p102.waitForType('CALL_INCOMING', 10_000);
    const reached = p103.waitForType('CALL_ESTABLISHED', 15_000);
    await dial('102');
    await rang;
    await reached;
    await talking('101:Connected,103:Connected');
    await hangUp(p103);
  });

  it('forwarding when busy (DND) and always (the profile in force decides)', async () => {
    await admin('PATCH', '/api/v1/extensions/102', { dnd: true, forwarding: [{ profile: 'Available', condition: 'busy', destination: { type: 'extension', number: '104' } }] });
    let reached = p104.waitForType('CALL_ESTABLISHED', 10_000);
    await dial('102');
    await reached;
    await talking('101:Connected,104:Connected');
    await hangUp(p104);

    await admin('PATCH', '/api/v1/extensions/102', {
      dnd: false,
      forwardingProfile: 'Away',
      forwarding: [
        { profile: 'Available', condition: 'always', destination: { type: 'extension', number: '104' } },
        { profile: 'Away', condition: 'always', destination: { type: 'extension', number: '103' } },
      ],
    });
    let rangAtDesk = false;
    void p102.waitForType('CALL_INCOMING', 3000).then(() => (rangAtDesk = true), () => undefined);
    reached = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await dial('102');
    await reached;
    await talking('101:Connected,103:Connected');
    assert.equal(rangAtDesk, false, 'always-forwarding does not ring the desk phone');
    await hangUp(p103);
  });

  it('forwarding when not registered: 105 has no phone, 103 takes the call', async () => {
    await admin('PATCH', '/api/v1/extensions/105', { forwarding: [{ profile: 'Available', condition: 'notRegistered', destination: { type: 'extension', number: '103' } }] });
    const reached = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await dial('105');
    await reached;
    await talking('101:Connected,103:Connected');
    await hangUp(p103);
  });

  it('a forwarding loop ends the call FAILED instead of ringing forever', async () => {
    await admin('PATCH', '/api/v1/extensions/102', { forwarding: [{ profile: 'Available', condition: 'always', destination: { type: 'extension', number: '103' } }] });
    await admin('PATCH', '/api/v1/extensions/103', { forwarding: [{ profile: 'Available', condition: 'always', destination: { type: 'extension', number: '102' } }] });
    const closed = p101.waitForType('CALL_CLOSED', 10_000);
    await dial('102');
    await closed;
    cdrCount++;
    const cdr = await lastCdr(cdrCount);
    assert.equal(cdr.disposition, 'FAILED');
    assert.equal(cdr.billsec, 0);
  });
});
