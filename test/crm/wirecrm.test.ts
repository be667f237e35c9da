// WireCRM (seed 002) with real phones: a real receiver parses the
// multipart/form-data notifications of real calls and compares their fields
// with the seed's; click-to-call from the CRM rings 101 first, then the
// other side, and every refusal has the seed's shape.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import { WebhookReceiver, type Received } from '../helpers/webhook-receiver.ts';
import type { Baresip } from '../peers/baresip.ts';

const ZONE = 'Europe/Moscow';

async function fields(r: Received): Promise<Record<string, string>> {
  assert.match(String(r.headers['content-type']), /^multipart\/form-data; boundary=/);
  const form = await new Response(r.body, { headers: { 'content-type': String(r.headers['content-type']) } }).formData();
  return Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)]));
}

async function notifications(receiver: WebhookReceiver, from: number, count: number): Promise<Record<string, string>[]> {
  await receiver.until((r) => r.length >= from + count, 15_000, `${String(count)} CRM notifications`);
  return Promise.all(receiver.received.slice(from, from + count).map(fields));
}

/** call_start as the seed writes it, in the PBX's zone, from an ISO instant. */
function moscow(iso: string): string {
  const d = new Date(Date.parse(iso) + 3 * 3600_000);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

function ctc(t: TestServer, token: string | undefined, form: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  return fetch(`${t.base}/crm/wirecrm/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(token !== undefined ? { 'x-pbx-authentication': token } : {}) },
    body: new URLSearchParams(form).toString(),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, string> }));
}

describe('WireCRM', () => {
  let t: TestServer;
  const crm = new WebhookReceiver();
  let control: string;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  before(async () => {
    await crm.start();
    t = await startTestServer({ SWITCHBOARD_CRM_URL: crm.url, SWITCHBOARD_CRM_INTERNAL_CALLS: 'true', SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true', SWITCHBOARD_TIME_ZONE: ZONE });
    control = (await t.server.control.keys.create('control', 'wirecrm')).key;
    p101 = await registeredPhone(t, '101', { answermode: 'auto' });
    p102 = await registeredPhone(t, '102', { answermode: 'auto' });
    p103 = await registeredPhone(t, '103', { answermode: 'manual' });
  });
  after(async () => {
    await p101?.stop();
    await p102?.stop();
    await p103?.stop();
    await t.stop();
    await crm.stop();
  });

  it('a call 101 → 102, answered: NOTIFY_START, NOTIFY_INTERNAL, NOTIFY_END with the seed fields', async () => {
    const from = crm.received.length;
    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 10_000), p102.waitForType('CALL_ESTABLISHED', 10_000)]);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await up;
    await new Promise((r) => setTimeout(r, 2000));
    const closed = p102.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await closed;
    const [start, internal, end] = await notifications(crm, from, 3);
    const cdr = await eventually(async () => {
      const rows = (await api(t.base, t.adminKey, 'GET', '/api/v1/cdr')).body as { startedAt: string; billsec: number }[];
      return rows.length > 0 ? rows[rows.length - 1] : undefined;
    });
    const id = start?.pbx_call_id ?? '';
    assert.match(id, /^in_[0-9a-f]{40}$/);
    const callStart = moscow(cdr.startedAt);
    assert.match(callStart, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.deepEqual(start, { event: 'NOTIFY_START', call_start: callStart, pbx_call_id: id, caller_id: '101', called_did: '102' });
    assert.deepEqual(internal, { event: 'NOTIFY_INTERNAL', call_start: callStart, pbx_call_id: id, caller_id: '101', called_did: '102', internal: '102' });
    assert.deepEqual({ ...end, duration: undefined }, { event: 'NOTIFY_END', call_start: callStart, pbx_call_id: id, caller_id: '101', called_did: '102', internal: '102', duration: undefined, disposition: 'answered' });
    assert.ok(Math.abs(Number(end?.duration) - 2) <= 1, `duration ${String(end?.duration)} for 2 s of talk`);
    assert.equal(Number(end?.duration), cdr.billsec);
  });

  it('the caller gives up while 103 rings: NOTIFY_END says cancel', async () => {
    const from = crm.received.length;
    const ringing = p103.waitForType('CALL_INCOMING', 10_000);
    await p101.dial(`sip:103@127.0.0.1:${String(t.sipPort)}`);
    await ringing;
    const closed = p103.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await closed;
    const [start, internal, end] = await notifications(crm, from, 3);
    assert.equal(start?.event, 'NOTIFY_START');
    assert.deepEqual([internal?.event, internal?.internal], ['NOTIFY_INTERNAL', '103']);
    assert.deepEqual([end?.event, end?.internal, end?.duration, end?.disposition, end?.pbx_call_id], ['NOTIFY_END', '103', '0', 'cancel', start?.pbx_call_id]);
  });

  it('click-to-call from the CRM: {"status":"1"}, 101 rings first, then 103; NOTIFY_OUT_START and NOTIFY_OUT_END', async () => {
    const from = crm.received.length;
    const up101 = p101.waitForType('CALL_ESTABLISHED', 10_000);
    // When 103 rings, the PBX already has 101 connected (the two phones' own events may cross on a busy machine).
    const ring103 = p103.waitForType('CALL_INCOMING', 10_000).then(() => t.server.control.calls.list().flatMap((c) => c.participants).find((p) => p.dn === '101')?.status);
    const res = await ctc(t, control, { from: '101', to: '103' });
    assert.deepEqual([res.status, res.body], [200, { status: '1' }]);
    const [, status101] = await Promise.all([up101, ring103]);
    assert.equal(status101, 'Connected', '103 rang before 101 had answered');
    const up103 = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await p103.accept();
    await up103;
    await new Promise((r) => setTimeout(r, 1000));
    const closed = p101.waitForType('CALL_CLOSED', 10_000);
    await p103.hangup();
    await closed;
    const [start, end] = await notifications(crm, from, 2);
    const id = start?.pbx_call_id ?? '';
    assert.match(id, /^out_[0-9a-f]{40}$/);
    assert.match(start?.call_start ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.deepEqual(start, { event: 'NOTIFY_OUT_START', call_start: start?.call_start, pbx_call_id: id, caller_id: '0', internal: '101', destination: '103' });
    assert.deepEqual({ ...end, duration: undefined }, { event: 'NOTIFY_OUT_END', call_start: start?.call_start, pbx_call_id: id, caller_id: '0', destination: '103', internal: '101', duration: undefined, disposition: 'answered' });
    assert.ok(Math.abs(Number(end?.duration) - 1) <= 1, `duration ${String(end?.duration)}`);
  });

  it('refuses click-to-call with {"status":"0","error":…} and starts no call', async () => {
    const read = (await t.server.control.keys.create('read', 'ro')).key;
    const cases: [string | undefined, Record<string, string>, number, string][] = [
      [undefined, { from: '101', to: '103' }, 401, 'SB_UNAUTHORIZED'],
      ['sb_000000000000_wrongwrongwrongwrongwrongwrongwr', { from: '101', to: '103' }, 401, 'SB_UNAUTHORIZED'],
      [read, { from: '101', to: '103' }, 403, 'SB_FORBIDDEN'],
      [control, { from: '999', to: '103' }, 404, 'SB_NOT_FOUND'],
      [control, { from: '105', to: '103' }, 422, 'SB_UNPROCESSABLE'],
      [control, { from: '101', to: 'abc' }, 400, 'SB_VALIDATION'],
      [control, { from: 'Ivanov', to: '103' }, 400, 'SB_VALIDATION'],
      [control, { to: '103' }, 400, 'SB_VALIDATION'],
    ];
    const before = crm.received.length;
    for (const [token, form, status, code] of cases) {
      const res = await ctc(t, token, form);
      assert.equal(res.status, status, JSON.stringify([form, res.body]));
      assert.equal(res.body.status, '0');
      assert.equal(res.body.code, code);
      assert.ok((res.body.error ?? '').length > 5, 'a message the CRM can show');
    }
    assert.deepEqual((await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body, []);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(crm.received.length, before, 'no notification for refused calls');
  });
});
