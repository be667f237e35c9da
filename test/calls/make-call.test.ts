// Click-to-call through the API: 101's phone rings first; only once it has
// answered is 103 called; then the two talk. Bad requests change nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';

describe('makeCall', () => {
  let t: TestServer;
  let control: string;
  let p101: Baresip;
  let p103: Baresip;
  before(async () => {
    t = await startTestServer();
    control = (await t.server.control.keys.create('control', 'crm')).key;
    p101 = await registeredPhone(t, '101', { answermode: 'auto' });
    p103 = await registeredPhone(t, '103', { answermode: 'manual' });
  });
  after(async () => {
    await p101.stop();
    await p103.stop();
    await t.stop();
  });

  it('rings 101 first, then 103, and connects them', async () => {
    const up101 = p101.waitForType('CALL_ESTABLISHED', 10_000).then(() => Date.now());
    const ring103 = p103.waitForType('CALL_INCOMING', 10_000).then(() => Date.now());
    const res = await api(t.base, control, 'POST', '/api/v1/calls', { from: '101', to: '103' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.state, 'Initiating');
    const callId = res.body.id as string;
    const [t101, t103] = await Promise.all([up101, ring103]);
    assert.ok(t101 <= t103, '103 rang before 101 had answered');
    const up103 = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await p103.accept();
    await up103;
    const call = await eventually(async () => {
      const c = (await api(t.base, control, 'GET', `/api/v1/calls/${callId}`)).body;
      return c.state === 'Talking' ? c : undefined;
    });
    assert.deepEqual(
      call.participants.map((p: { dn: string; status: string }) => `${p.dn}:${p.status}`),
      ['101:Connected', '103:Connected'],
    );
    const down = p103.waitForType('CALL_CLOSED', 10_000);
    const drop = await api(t.base, control, 'POST', `/api/v1/calls/${callId}/participants/${call.participants[0].id as string}/drop`);
    assert.equal(drop.status, 202);
    await down;
    const cdr = await eventually(async () => {
      const rows = (await api(t.base, control, 'GET', '/api/v1/cdr')).body as { src: string; dst: string; disposition: string }[];
      return rows.length > 0 ? rows : undefined;
    });
    assert.deepEqual([cdr[0]?.src, cdr[0]?.dst, cdr[0]?.disposition], ['101', '103', 'ANSWERED']);
  });

  it('holds and resumes a participant from the API', async () => {
    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 10_000), p103.waitForType('CALL_INCOMING', 10_000)]);
    const res = await api(t.base, control, 'POST', '/api/v1/calls', { from: '101', to: '103' });
    await up;
    const est = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await p103.accept();
    await est;
    const callId = res.body.id as string;
    const call = await eventually(async () => {
      const c = (await api(t.base, control, 'GET', `/api/v1/calls/${callId}`)).body;
      return c.state === 'Talking' ? c : undefined;
    });
    const pid103 = call.participants[1].id as string;
    const offered = p103.waitForEvent((e) => e.type === 'CALL_REMOTE_SDP' && e.param === 'offer', 10_000);
    const held = await api(t.base, control, 'POST', `/api/v1/calls/${callId}/participants/${pid103}/hold`);
    assert.equal(held.status, 202, JSON.stringify(held.body));
    await offered;
    const during = (await api(t.base, control, 'GET', `/api/v1/calls/${callId}`)).body;
    assert.equal(during.participants[1].status, 'Held');
    // No audio reaches or leaves a held participant.
    const before = t.server.sip.b2bua.get(callId)?.mediaStats().caller?.packetsOut ?? 0;
    await new Promise((r) => setTimeout(r, 500));
    const after = t.server.sip.b2bua.get(callId)?.mediaStats().caller?.packetsOut ?? 0;
    assert.ok(after - before <= 2, `${after - before} packets reached 101 while 103 was held`);
    const resumed = await api(t.base, control, 'POST', `/api/v1/calls/${callId}/participants/${pid103}/resume`);
    assert.equal(resumed.status, 202);
    assert.equal((await api(t.base, control, 'GET', `/api/v1/calls/${callId}`)).body.participants[1].status, 'Connected');
    await new Promise((r) => setTimeout(r, 500));
    const flowing = t.server.sip.b2bua.get(callId)?.mediaStats().caller?.packetsOut ?? 0;
    assert.ok(flowing - after > 10, 'audio flows again after resume');
    const bad = await api(t.base, control, 'POST', `/api/v1/calls/${callId}/participants/${callId}.99/hold`);
    assert.equal(bad.status, 404);
    const down = p103.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await down;
  });

  it('refuses what it cannot do, with a coded error and no call', async () => {
    const cases: [unknown, number, string][] = [
      [{ from: '999', to: '103' }, 404, 'SB_NOT_FOUND'],
      [{ from: '101', to: '999' }, 404, 'SB_NOT_FOUND'],
      [{ from: '105', to: '103' }, 422, 'SB_UNPROCESSABLE'],
      [{ from: '101', to: '103', device: 'no-such-device' }, 422, 'SB_UNPROCESSABLE'],
      [{ from: 'abc', to: '103' }, 400, 'SB_VALIDATION'],
      [{ from: '101' }, 400, 'SB_VALIDATION'],
    ];
    for (const [body, status, code] of cases) {
      const res = await api(t.base, control, 'POST', '/api/v1/calls', body);
      assert.equal(res.status, status, JSON.stringify([body, res.body]));
      assert.equal(res.body.code, code);
    }
    assert.deepEqual((await api(t.base, control, 'GET', '/api/v1/calls')).body, []);
    const drop = await api(t.base, control, 'POST', '/api/v1/calls/77/participants/77.1/drop');
    assert.equal(drop.status, 404);
  });
});
