// Attended transfer and join from the API. 101 talks to 102; 101 consults
// 103 (102 is held, 101's own phone places the second call); then either the
// attended transfer or seed 000's join connects 102 with 103 and 101 leaves
// both calls. Audio between 102 and 103 is checked on the relay both ways.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, autoAnswerPhones, stopPhonesThenServer, eventually, audioFlowsBothWays } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { SipUa } from '../helpers/sip-ua.ts';

interface CallBody {
  id: string;
  state: string;
  owner: string;
  participants: { id: string; dn: string; status: string }[];
}

describe('attended transfer and join', () => {
  let t: TestServer;
  let control: string;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  const calls = async (): Promise<CallBody[]> => (await api(t.base, control, 'GET', '/api/v1/calls')).body as CallBody[];
  const statuses = (c: CallBody | undefined): string[] => (c?.participants ?? []).map((p) => `${p.dn}:${p.status}`).sort();

  /** 101 talks to 102, then consults 103: returns both calls and 101's participant in the first. */
  const consulted = async (): Promise<{ first: CallBody; consult: CallBody; pid101: string }> => {
    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 10_000), p102.waitForType('CALL_ESTABLISHED', 10_000)]);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await up;
    const first = await eventually(async () => (await calls()).find((c) => c.state === 'Talking'), 10_000, 'a talking call');
    const pid101 = first.participants.find((p) => p.dn === '101')?.id ?? '';
    const reached = p103.waitForType('CALL_ESTABLISHED', 15_000);
    const res = await api(t.base, control, 'POST', `/api/v1/calls/${first.id}/participants/${pid101}/consult`, { destination: '103' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const consultId = (res.body as CallBody).id;
    await reached;
    const consult = await eventually(async () => (await calls()).find((c) => c.id === consultId && c.state === 'Talking'), 10_000, 'the consultation call talking');
    const held = (await calls()).find((c) => c.id === first.id);
    assert.deepEqual(statuses(held), ['101:Connected', '102:Held'], 'the consultation holds 102');
    assert.deepEqual(statuses(consult), ['101:Connected', '103:Connected']);
    return { first, consult, pid101 };
  };

  /** After the join: one call, 102 and 103 connected, audio both ways, 101 gone. */
  const joined = async (callId: string): Promise<void> => {
    const only = await eventually(async () => {
      const all = await calls();
      return all.length === 1 && statuses(all[0]).join() === '102:Connected,103:Connected' ? all[0] : undefined;
    }, 10_000, '102 and 103 alone in one call');
    assert.equal(only.id, callId, 'the first call goes on');
    await audioFlowsBothWays(t, callId, 'audio both ways between 102 and 103');
  };

  before(async () => {
    t = await startTestServer();
    control = (await t.server.control.keys.create('control', 'operator')).key;
    [p101, p102, p103] = await autoAnswerPhones(t, ['101', '102', '103']);
  });
  after(() => stopPhonesThenServer(t, [p101, p102, p103]));

  it('consult then complete: 102 and 103 talk, 101 leaves both calls, each call has its CDR', async () => {
    const { first, consult, pid101 } = await consulted();
    const left = p101.waitForEvent((e) => e.type === 'CALL_CLOSED', 10_000);
    const res = await api(t.base, control, 'POST', `/api/v1/calls/${first.id}/participants/${pid101}/attended-transfer`, { consultCallId: consult.id });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await left;
    await joined(first.id);
    const down = Promise.all([p102.waitForType('CALL_CLOSED', 10_000), p103.waitForType('CALL_CLOSED', 10_000)]);
    await p103.hangup();
    await down;
    const rows = await eventually(async () => {
      const r = (await api(t.base, control, 'GET', '/api/v1/cdr')).body as { callId: string; disposition: string; src: string; dst: string }[];
      return r.length === 2 ? r : undefined;
    }, 5000, 'two CDR rows');
    assert.deepEqual(rows.map((r) => `${r.callId}:${r.src}>${r.dst}:${r.disposition}`).sort(), [`${consult.id}:101>103:ANSWERED`, `${first.id}:101>102:ANSWERED`].sort());
    assert.equal((await calls()).length, 0);
  });

  it('join (seed 000): the extension with two connected calls is taken out and the other two are connected', async () => {
    const { first } = await consulted();
    const left = p101.waitForEvent((e) => e.type === 'CALL_CLOSED', 10_000);
    const res = await api(t.base, control, 'POST', '/api/v1/extensions/101/join');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((res.body as CallBody).id, first.id);
    await left;
    await joined(first.id);
    const down = Promise.all([p102.waitForType('CALL_CLOSED', 10_000), p103.waitForType('CALL_CLOSED', 10_000)]);
    await p102.hangup();
    await down;
  });

  it('refuses what it cannot do, and nothing changes', async () => {
    const none = await api(t.base, control, 'POST', '/api/v1/extensions/101/join');
    assert.equal(none.status, 422, 'no calls to join');
    assert.equal((await api(t.base, control, 'POST', '/api/v1/extensions/999/join')).status, 404);
    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 10_000), p102.waitForType('CALL_ESTABLISHED', 10_000)]);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await up;
    const call = await eventually(async () => (await calls()).find((c) => c.state === 'Talking'), 10_000, 'a talking call');
    const pid101 = call.participants.find((p) => p.dn === '101')?.id ?? '';
    const cases: [string, unknown, number][] = [
      [`/api/v1/calls/${call.id}/participants/${pid101}/attended-transfer`, { consultCallId: call.id }, 422],
      [`/api/v1/calls/${call.id}/participants/${pid101}/attended-transfer`, { consultCallId: '9999' }, 404],
      [`/api/v1/calls/${call.id}/participants/${pid101}/attended-transfer`, { consultCallId: 'a b' }, 400],
      [`/api/v1/calls/${call.id}/participants/${pid101}/consult`, { destination: '999' }, 404],
      [`/api/v1/calls/${call.id}/participants/${pid101}/consult`, { destination: '105' }, 422],
      [`/api/v1/calls/${call.id}/participants/${call.id}.77/consult`, { destination: '103' }, 404],
      ['/api/v1/extensions/101/join', undefined, 422],
    ];
    for (const [path, body, status] of cases) {
      const res = await api(t.base, control, 'POST', path, body);
      assert.equal(res.status, status, JSON.stringify([path, body, res.body]));
    }
    assert.deepEqual(statuses((await calls())[0]), ['101:Connected', '102:Connected'], 'the call goes on untouched');
    const down = p102.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await down;
  });
});

describe('attended transfer from a phone (REFER with Replaces, RFC 3891)', () => {
  let t: TestServer;
  let ua: SipUa;
  let p102: Baresip;
  let p103: Baresip;

  before(async () => {
    t = await startTestServer();
    const password = (await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/101')).body.authPassword as string;
    ua = await new SipUa({ host: '127.0.0.1', port: t.sipPort }, '101', password).open();
    assert.equal((await ua.register()).status, 200);
    p102 = await registeredPhone(t, '102', { answermode: 'auto' });
    p103 = await registeredPhone(t, '103', { answermode: 'auto' });
  });
  after(async () => {
    for (const p of [p102, p103]) await p?.stop();
    ua?.close();
    await t.stop();
  });

  it("101 calls 102, then 103, and refers 102 to 103 replacing its call with 103: they talk, 101's dialogs end", async () => {
    const toB = await ua.call('102', 4000);
    const toC = await ua.call('103', 4002);
    const calls = (await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as CallBody[];
    assert.equal(calls.length, 2);
    const replaces = encodeURIComponent(`${toC.callId};to-tag=${toC.remoteTag};from-tag=${toC.localTag}`);
    const refer = await ua.inDialog(toB, 'REFER', [`Refer-To: <sip:103@127.0.0.1:${String(t.sipPort)}?Replaces=${replaces}>`, `Referred-By: <sip:101@127.0.0.1>`]);
    assert.equal(refer.status, 202);
    const notify = await ua.nextRequest((r) => r.method === 'NOTIFY' && r.callId === toB.callId);
    assert.match(notify.body.toString(), /^SIP\/2\.0 200/);
    await ua.nextRequest((r) => r.method === 'BYE' && r.callId === toB.callId);
    await ua.nextRequest((r) => r.method === 'BYE' && r.callId === toC.callId);
    const only = await eventually(async () => {
      const all = (await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as CallBody[];
      return all.length === 1 && all[0]?.participants.map((p) => `${p.dn}:${p.status}`).sort().join() === '102:Connected,103:Connected' ? all[0] : undefined;
    }, 10_000, '102 and 103 in one call');
    await audioFlowsBothWays(t, only.id, 'audio both ways between 102 and 103');
    const down = Promise.all([p102.waitForType('CALL_CLOSED', 10_000), p103.waitForType('CALL_CLOSED', 10_000)]);
    await p102.hangup();
    await down;
  });

  it('a REFER whose Replaces names no dialog of ours is refused with a 481 NOTIFY and the call goes on', async () => {
    const toB = await ua.call('102', 4004);
    const refer = await ua.inDialog(toB, 'REFER', [`Refer-To: <sip:103@127.0.0.1?Replaces=nosuchcall%3Bto-tag%3Da%3Bfrom-tag%3Db>`]);
    assert.equal(refer.status, 202);
    const notify = await ua.nextRequest((r) => r.method === 'NOTIFY' && r.callId === toB.callId);
    assert.match(notify.body.toString(), /^SIP\/2\.0 481/);
    const all = (await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as CallBody[];
    assert.deepEqual(all.map((c) => c.state), ['Talking']);
    const closed = p102.waitForType('CALL_CLOSED', 10_000);
    assert.equal((await ua.inDialog(toB, 'BYE')).status, 200);
    await closed;
  });
});
