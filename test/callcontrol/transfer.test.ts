// transferto, routeto and answer through the Call Control dialect, over
// HTTPS/WSS with real phones: success, a destination that refuses (424, the
// caller comes back), the route-point hand-over (routeto, then drop of the
// app's own participant), and the 422s of wrong states; each on the WebSocket.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { startHttpsServer, httpsRegisteredPhone, type CallControlClient, type FrameLog } from '../helpers/callcontrol-client.ts';
import { SEED, assertConforms } from './seed-contract.ts';

interface WireParticipant {
  id: number;
  status: string;
  dn: string;
  party_dn: string;
}

describe('call control transferto and routeto with real phones', () => {
  let t: TestServer;
  let app: CallControlClient;
  let ws: FrameLog;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  let p104: Baresip;

  const participantsOf = async (dn: string): Promise<WireParticipant[]> => {
    const res = await app.get(`/callcontrol/${dn}/participants`);
    assert.equal(res.status, 200);
    assertConforms(res.body, SEED.participants);
    return res.body as WireParticipant[];
  };
  const on = async (dn: string, status: string, partyDn?: string): Promise<WireParticipant> =>
    eventually(async () => (await participantsOf(dn)).find((p) => p.status === status && (partyDn === undefined || p.party_dn === partyDn)), 10_000, `${dn} ${status} ${partyDn ?? ''}`);
  const idle = async () =>
    eventually(async () => ((await app.get('/callcontrol')).body as { participants: unknown[] }[]).every((d) => d.participants.length === 0), 10_000, 'no participants');
  const call101to102 = async (): Promise<[WireParticipant, WireParticipant]> => {
    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 10_000), p102.waitForType('CALL_ESTABLISHED', 10_000)]);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await up;
    return [await on('101', 'Connected', '102'), await on('102', 'Connected', '101')];
  };
  const hangUp = async (phone: Baresip, others: Baresip[]) => {
    const down = Promise.all(others.map((o) => o.waitForType('CALL_CLOSED', 10_000)));
    await phone.hangup();
    await down;
    await idle();
  };
  const entity = (p: WireParticipant) => `/callcontrol/${p.dn}/participants/${String(p.id)}`;

  before(async () => {
    ({ t, client: app } = await startHttpsServer());
    const key = (await t.server.control.keys.create('control', 'operator app')).key;
    assert.equal((await app.connect('101', key)).status, 200);
    ws = await app.ws();
    p101 = await httpsRegisteredPhone(t, '101', { answermode: 'auto' });
    p102 = await httpsRegisteredPhone(t, '102', { answermode: 'auto' });
    p103 = await httpsRegisteredPhone(t, '103', { answermode: 'auto' });
    p104 = await httpsRegisteredPhone(t, '104', { answermode: 'manual' });
  });
  after(async () => {
    ws?.close();
    for (const p of [p101, p102, p103, p104]) await p?.stop();
    await t.stop();
  });

  it('transferto: 103 answers and takes 102’s place; the WebSocket shows 103 before 102 goes', async () => {
    const [caller, callee] = await call101to102();
    const from = ws.frames.length;
    const left = p102.waitForType('CALL_CLOSED', 10_000);
    const res = await app.post(`/callcontrol/102/participants/${String(callee.id)}/transferto`, { reason: 'None', destination: '103', timeout: 20 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertConforms(res.body, SEED.result);
    assert.equal(res.body.finalstatus, 'Success');
    await left;
    const at103 = await on('103', 'Connected', '101');
    await on('101', 'Connected', '103');
    const removed = await ws.waitFor((f) => f.event.entity === entity(callee) && f.event.event_type === 1, 10_000, from);
    const added = await ws.waitFor((f) => f.event.entity === entity(at103) && f.event.event_type === 0, 10_000, from);
    assert.ok(added.sequence < removed.sequence, '103 appears before 102 leaves');
    assert.ok(ws.frames.slice(from).some((f) => f.event.entity === entity(caller)), 'the held caller is upserted');
    await hangUp(p101, [p103]);
  });

  it('transferto a phone that refuses: 424 DestinationFailed, and 101 and 102 talk again', async () => {
    const [, callee] = await call101to102();
    const ringing = p104.waitForType('CALL_INCOMING', 10_000).then(async () => {
      const held = await on('101', 'Connected', '102');
      await p104.hangup();
      return held;
    });
    const res = await app.post(`/callcontrol/102/participants/${String(callee.id)}/transferto`, { destination: '104' });
    assert.equal(res.status, 424, JSON.stringify(res.body));
    assert.equal(res.body.reason, 'DestinationFailed');
    assert.equal(res.body.finalstatus, 'Failure');
    assert.equal(res.body.code, 'SB_DESTINATION_FAILED');
    await ringing;
    assert.equal((await on('102', 'Connected', '101')).id, callee.id, 'the same participant is back');
    await on('101', 'Connected', '102');
    await hangUp(p101, [p102]);
  });

  it('routeto, then the app drops its own participant: the caller stays and reaches the route target', async () => {
    const [, callee] = await call101to102();
    const ringing = p104.waitForType('CALL_INCOMING', 10_000);
    const res = await app.post(`/callcontrol/102/participants/${String(callee.id)}/routeto`, { destination: '104' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertConforms(res.body, SEED.result);
    await ringing;
    await on('104', 'Ringing');
    const left = p102.waitForType('CALL_CLOSED', 10_000);
    assert.equal((await app.post(`/callcontrol/102/participants/${String(callee.id)}/drop`)).status, 200);
    await left;
    await on('104', 'Ringing');
    const up = p104.waitForType('CALL_ESTABLISHED', 10_000);
    await p104.accept();
    await up;
    await on('101', 'Connected', '104');
    await hangUp(p101, [p104]);
  });

  it('beyond 3CX: hold and resume a connected participant under the same URL scheme', async () => {
    const [caller] = await call101to102();
    const callId = String(Math.floor(caller.id / 1000));
    const pid = `${callId}.${String(caller.id % 1000)}`;
    const status = () => t.server.control.calls.get(callId).participants.find((p) => p.id === pid)?.status;
    const offered = p101.waitForEvent((e) => e.type === 'CALL_REMOTE_SDP' && e.param === 'offer', 10_000);
    const held = await app.post(`/callcontrol/101/participants/${String(caller.id)}/hold`);
    assert.equal(held.status, 200, JSON.stringify(held.body));
    await offered;
    assert.equal(status(), 'Held');
    assert.equal((await on('101', 'Connected', '102')).id, caller.id, '3CX shows a held participant as connected');
    const resumed = await app.post(`/callcontrol/101/participants/${String(caller.id)}/resume`);
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.equal(status(), 'Connected');
    await hangUp(p101, [p102]);
  });

  it('wrong states answer 422 and change nothing', async () => {
    await p102.setAnswermode('manual');
    try {
      const ringing = p102.waitForType('CALL_INCOMING', 10_000);
      await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
      await ringing;
      const callee = await on('102', 'Ringing');
      const caller = await on('101', 'Dialing');
      const cases: [WireParticipant, string, object][] = [
        [callee, 'transferto', { destination: '103' }],
        [callee, 'routeto', {}],
        [callee, 'divert', {}],
        [callee, 'answer', {}],
        [caller, 'answer', {}],
        [callee, 'transferto', { destination: '999' }],
      ];
      for (const [p, action, body] of cases) {
        const res = await app.post(`/callcontrol/${p.dn}/participants/${String(p.id)}/${action}`, body);
        assert.equal(res.status, 422, `${action} ${JSON.stringify([body, res.body])}`);
        assert.equal(res.body.reason, 'CannotBeExecuted');
        assert.ok((res.body.reasontext as string).length > 0);
      }
      assert.equal((await app.post(`/callcontrol/102/participants/${String(callee.id)}/routeto`, { destination: '103', reason: 'Sometimes' })).status, 400);
      assert.equal((await on('102', 'Ringing')).id, callee.id, 'still ringing');
      const down = p101.waitForType('CALL_CLOSED', 10_000);
      await p102.hangup();
      await down;
      await idle();
    } finally {
      await p102.setAnswermode('auto');
    }
  });
});
