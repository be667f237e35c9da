/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
// A Call Control application against real baresip phones over HTTPS/WSS:
// token (multipart), the entity tree, makecall from a DN and from a device,
// divert, drop, attached data and DTMF, each seen on the WebSocket in order;
// every JSON reply checked against the seed's examples.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { startHttpsServer, httpsRegisteredPhone as registeredPhone, CallControlClient, type FrameLog, type Frame } from '../helpers/callcontrol-client.ts';
import { SEED, assertConforms } from './seed-contract.ts';

interface WireParticipant {
  id: number;
  status: string;
  dn: string;
  party_dn: string;
  device_id: string;
  callid: number;
  legid: number;
  [k: string]: unknown;
}

describe('call control over HTTPS with real phones', () => {
  let t: TestServer;
  let app: CallControlClient;
  let ws: FrameLog;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  const sip = () => `127.0.0.1:${String(t.sipPort)}`;

  /** GET with the contract check every reply of this suite goes through. */
  const read = async (path: string, example: unknown): Promise<any> => {
    const res = await app.get(path);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    assertConforms(res.body, example);
    return res.body;
  };
  const participantsOf = async (dn: string): Promise<WireParticipant[]> => read(`/callcontrol/${dn}/participants`, SEED.participants);
  const until = async (dn: string, status: string): Promise<WireParticipant> =>
    eventually(async () => (await participantsOf(dn)).find((p) => p.status === status), 10_000, `${dn} ${status}`);
  const idle = async () => eventually(async () => (await read('/callcontrol', SEED.dnList)).every((d: { participants: unknown[] }) => d.participants.length === 0), 10_000, 'no participants');
  const framesAfter = (from: number): Frame[] => ws.frames.slice(from);

  before(async () => {
    ({ t, client: app } = await startHttpsServer());
    const key = (await t.server.control.keys.create('control', 'call centre app')).key;
    const token = await app.connect('101', key);
    assert.equal(token.status, 200);
    assertConforms(token.body, SEED.token);
    ws = await app.ws();
    p101 = await registeredPhone(t, '101', { answermode: 'auto' });
    p102 = await registeredPhone(t, '102', { answermode: 'manual' });
    p103 = await registeredPhone(t, '103', { answermode: 'auto' });
  });
  after(async () => {
    ws?.close();
    for (const p of [p101, p102, p103]) await p?.stop();
    await t.stop();
  });

  it('shows DNs with their types and devices, and device registrations on the WebSocket', async () => {
    const all = await read('/callcontrol', SEED.dnList);
    const types = Object.fromEntries(all.map((d: { dn: string; type: string }) => [d.dn, d.type]));
    assert.equal(types['101'], 'Wextension');
    assert.equal(types['600'], 'Wringgroup');
    assert.equal(types['800'], 'Wqueue');
    assert.equal(types['700'], 'Wivr');
    const dn = await read('/callcontrol/101', SEED.dn);
    assert.equal(dn.type, 'Wextension');
    assert.equal(dn.devices.length, 1);
    const device = dn.devices[0] as { dn: string; device_id: string; user_agent: string };
    assert.equal(device.dn, '101');
    assert.match(device.device_id, /^sip:101(-[^@]+)?@127\.0\.0\.1:\d+/);
    assert.match(device.user_agent, /baresip/i);
    assert.deepEqual(await read('/callcontrol/101/devices', SEED.devices), [device]);
    assert.deepEqual(await read(`/callcontrol/101/devices/${encodeURIComponent(device.device_id)}`, SEED.device), device);
    const frame = await ws.waitFor((f) => f.event.entity === `/callcontrol/101/devices/${encodeURIComponent(device.device_id)}`);
    assertConforms(frame, SEED.frame);
    assert.equal(frame.event.event_type, 0);
    assert.deepEqual(await read('/callcontrol/600/devices', SEED.devices), []);
  });

  it('makecall from a DN: 101 rings first, then 102; both Connected; drop ends it; all on the WebSocket in order', async () => {
    const from = ws.frames.length;
    const up101 = p101.waitForType('CALL_ESTABLISHED', 10_000);
    const ring102 = p102.waitForType('CALL_INCOMING', 10_000);
    const res = await app.post('/callcontrol/101/makecall', { destination: '102', timeout: 30, attacheddata: { ticket: 'T-42' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assertConforms(res.body, SEED.result);
    assert.equal(res.body.finalstatus, 'Success');
    const mine = res.body.result as WireParticipant;
    assert.equal(mine.dn, '101');
    assert.equal(mine.status, 'Dialing');
    assert.equal(mine.id, mine.callid * 1000 + mine.legid);
    await Promise.all([up101, ring102]);
    const ringing = await until('102', 'Ringing');
    assert.equal(ringing.party_dn, '101');
    assert.equal(ringing.callid, mine.callid);
    const est = p102.waitForType('CALL_ESTABLISHED', 10_000);
    await p102.accept();
    await est;
    const callee = await until('102', 'Connected');
    const caller = await until('101', 'Connected');
    const e102 = await t.server.control.directory.extensions.get('102');
    const name102 = `${String(e102.firstName)} ${String(e102.lastName)}`.trim();
    assert.ok(name102.length > 0);
    assert.deepEqual(caller, {
      id: mine.id,
      status: 'Connected',
      dn: '101',
      party_caller_name: name102,
      party_dn: '102',
      party_caller_id: '102',
      party_did: '',
      device_id: caller.device_id,
      party_dn_type: 'Wextension',
      direct_control: false,
      originated_by_dn: '',
      originated_by_type: '',
      referred_by_dn: '',
      referred_by_type: '',
      on_behalf_of_dn: '',
      on_behalf_of_type: '',
      callid: mine.callid,
      legid: mine.legid,
    });
    assert.match(caller.device_id, /^sip:101[-@]/);
    assert.match(callee.device_id, /^sip:102[-@]/);
    assert.equal(callee.party_dn, '101');
    assert.equal(callee.originated_by_dn, '101');
    assert.equal(callee.originated_by_type, 'Wextension');
    assert.deepEqual(await read(`/callcontrol/102/participants/${String(callee.id)}`, SEED.participant), callee);

    const down101 = p101.waitForType('CALL_CLOSED', 10_000);
    const drop = await app.post(`/callcontrol/102/participants/${String(callee.id)}/drop`);
    assert.equal(drop.status, 200, JSON.stringify(drop.body));
    assertConforms(drop.body, SEED.result);
    assert.equal(drop.body.result.id, callee.id);
    await down101;
    await idle();
    const callerEntity = `/callcontrol/101/participants/${String(mine.id)}`;
    const calleeEntity = `/callcontrol/102/participants/${String(callee.id)}`;
    await ws.waitFor((f) => f.event.entity === callerEntity && f.event.event_type === 1, 10_000, from);
    await ws.waitFor((f) => f.event.entity === calleeEntity && f.event.event_type === 1, 10_000, from);
    const frames = framesAfter(from);
    for (const f of frames) assertConforms(f, SEED.frame);
    const seqs = ws.frames.map((f) => f.sequence);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'sequence counts frames from 1 without gaps');
    // The caller's entity: upserts first (its attached data in each), then one remove, last.
    const ofCaller = frames.filter((f) => f.event.entity === callerEntity);
    assert.ok(ofCaller.length >= 2);
    assert.deepEqual(ofCaller.map((f) => f.event.event_type).slice(-1), [1]);
    assert.ok(ofCaller.slice(0, -1).every((f) => f.event.event_type === 0));
    assert.ok(ofCaller.slice(1, -1).every((f) => f.event.attached_data.ticket === 'T-42'), JSON.stringify(ofCaller));
    const firstCallee = frames.findIndex((f) => f.event.entity === calleeEntity);
    const firstCaller = frames.findIndex((f) => f.event.entity === callerEntity);
    assert.ok(firstCaller < firstCallee, 'the DN placing the call shows before the destination');
    assert.equal((await app.get(`/callcontrol/102/participants/${String(callee.id)}`)).status, 404);
  });

  it('makecall from one device, divert of a ringing participant, and DTMF on the WebSocket', async () => {
    const [device] = (await read('/callcontrol/101/devices', SEED.devices)) as { device_id: string }[];
    const ring102 = p102.waitForType('CALL_INCOMING', 10_000);
    const res = await app.post(`/callcontrol/101/devices/${encodeURIComponent(device?.device_id ?? '')}/makecall`, { destination: '102' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assertConforms(res.body, SEED.result);
    await ring102;
    const ringing = await until('102', 'Ringing');
    const callerBefore = await until('101', 'Connected');
    assert.equal(callerBefore.device_id, device?.device_id);

    const from = ws.frames.length;
    const closed102 = p102.waitForType('CALL_CLOSED', 10_000);
    const up103 = p103.waitForType('CALL_ESTABLISHED', 10_000);
    const diverted = await app.post(`/callcontrol/102/participants/${String(ringing.id)}/divert`, { reason: 'NoAnswer', destination: '103' });
    assert.equal(diverted.status, 200, JSON.stringify(diverted.body));
    assertConforms(diverted.body, SEED.result);
    await Promise.all([closed102, up103]);
    const at103 = await until('103', 'Connected');
    await eventually(async () => (await participantsOf('101'))[0]?.party_dn === '103', 10_000, '101 talking to 103');
    await ws.waitFor((f) => f.event.entity === `/callcontrol/102/participants/${String(ringing.id)}` && f.event.event_type === 1, 10_000, from);
    await ws.waitFor((f) => f.event.entity === `/callcontrol/103/participants/${String(at103.id)}` && f.event.event_type === 0, 10_000, from);

    const notRinging = await app.post(`/callcontrol/103/participants/${String(at103.id)}/divert`, { destination: '102' });
    assert.equal(notRinging.status, 422, JSON.stringify(notRinging.body));
    assert.equal(notRinging.body.reason, 'CannotBeExecuted');

    await p103.sendDtmf('5');
    const dtmf = await ws.waitFor((f) => f.event.event_type === 2, 10_000, from);
    assertConforms(dtmf, SEED.frame);
    assert.equal(dtmf.event.entity, `/callcontrol/103/participants/${String(at103.id)}`);
    assert.equal(dtmf.event.attached_data.dtmf, '5');

    const party = await app.post(`/callcontrol/103/participants/${String(at103.id)}/attach_party_data`, { attacheddata: { note: 'VIP' } });
    assert.equal(party.status, 200, JSON.stringify(party.body));
    const seen = await ws.waitFor((f) => f.event.entity === `/callcontrol/101/participants/${String(callerBefore.id)}` && f.event.attached_data.note === 'VIP', 5000, from);
    assert.equal(seen.event.event_type, 0);
    const own = await app.post(`/callcontrol/103/participants/${String(at103.id)}/attach_participant_data`, { attacheddata: { step: 'greeted' } });
    assert.equal(own.status, 200);
    await ws.waitFor((f) => f.event.entity === `/callcontrol/103/participants/${String(at103.id)}` && f.event.attached_data.step === 'greeted', 5000, from);

    const down = p101.waitForType('CALL_CLOSED', 10_000);
    // An action body may be absent altogether.
    const drop = await app.request('POST', `/callcontrol/103/participants/${String(at103.id)}/drop`, { raw: { body: '', contentType: 'application/json' } });
    assert.equal(drop.status, 200, JSON.stringify(drop.body));
    await down;
    await idle();
  });

  it('refuses with the seed codes, reason and reasontext, and changes nothing', async () => {
    const errorShape = (body: Record<string, unknown>) => {
      assert.deepEqual(Object.keys(body).sort(), ['code', 'finalstatus', 'reason', 'reasontext']);
      assert.equal(body.finalstatus, 'Failure');
      assert.equal(typeof body.reasontext, 'string');
      assert.ok((body.reasontext as string).length > 0);
    };
    const cases: [string, string, unknown, number, string][] = [
      ['GET', '/callcontrol/101/participants/1001', undefined, 404, 'NotFound'],
      ['GET', '/callcontrol/999', undefined, 404, 'NotFound'],
      ['GET', '/callcontrol/101/devices/sip%3Anobody%40nowhere', undefined, 404, 'NotFound'],
      ['POST', '/callcontrol/101/participants/1001/drop', {}, 404, 'NotFound'],
      ['POST', '/callcontrol/101/participants/1001/fly', {}, 400, 'BadRequest'],
      ['POST', '/callcontrol/101/makecall', { destination: '999' }, 422, 'CannotBeExecuted'],
      ['POST', '/callcontrol/105/makecall', { destination: '102' }, 422, 'CannotBeExecuted'],
      ['POST', '/callcontrol/600/makecall', { destination: '102' }, 422, 'CannotBeExecuted'],
      ['POST', '/callcontrol/101/makecall', {}, 400, 'BadRequest'],
      ['POST', '/callcontrol/101/makecall', { destination: '102', timeout: 'soon' }, 400, 'BadRequest'],
      ['POST', '/callcontrol/101/devices/sip%3Anobody%40nowhere/makecall', { destination: '102' }, 404, 'NotFound'],
    ];
    for (const [method, path, json, status, reason] of cases) {
      const res = await app.request(method, path, json === undefined ? {} : { json });
      assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
      errorShape(res.body);
      assert.equal(res.body.reason, reason, `${method} ${path}`);
    }
    assert.equal(t.server.control.calls.list().length, 0, 'no call was started');
  });

  it('a token bound to DN 101 gets 403 elsewhere and sees only 101 on the WebSocket', async () => {
    const bound = new CallControlClient(app.base, app.ca);
    await bound.connect('101', (await t.server.control.keys.create('control', 'agent 101', '101')).key);
    for (const [method, path] of [
      ['GET', '/callcontrol/102'],
      ['GET', '/callcontrol/102/devices'],
      ['GET', '/callcontrol/102/participants'],
      ['GET', '/callcontrol/102/participants/1002'],
      ['POST', '/callcontrol/102/makecall'],
      ['POST', '/callcontrol/102/participants/1002/drop'],
    ] as const) {
      const res = await bound.request(method, path, method === 'POST' ? { json: { destination: '103' } } : {});
      assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.reason, 'Forbidden');
    }
    const boundWs = await bound.ws();
    const up = p102.waitForType('CALL_INCOMING', 10_000);
    await p103.dial(`sip:102@${sip()}`);
    await up;
    await ws.waitFor((f) => f.event.entity.startsWith('/callcontrol/102/participants/'), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(boundWs.frames.filter((f) => !f.event.entity.startsWith('/callcontrol/101/')), [], 'frames of other DNs');
    boundWs.close();
    const down = p103.waitForType('CALL_CLOSED', 10_000);
    await p102.hangup();
    await down;
    await idle();
  });
});
