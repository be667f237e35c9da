// TCXWebAPI live calls and call control (seed 000) with real baresip phones:
// pbx.calls.get / pbx.ac.get / pbx.callsinfo.get while 101 talks to 102,
// transfer and drop acting on the device chosen by `contact`, makecall.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { autoAnswerPhones, stopPhonesThenServer, eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { webapi, assertError } from './helpers.ts';

describe('webapi calls', () => {
  let t: TestServer;
  let read: string;
  let control: string;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  const port = (p: Baresip): string => `:${p.sipAddress.split(':')[1] ?? ''}`;
  const talking = async (legs: number) =>
    eventually(async () => {
      const info = (await webapi(t.base, read, 'pbx.callsinfo.get')).body;
      return info.count === 1 && info.callsInfo[0].state === 'Talking' && info.callsInfo[0].talkTo.length === legs - 1 ? info.callsInfo[0] : undefined;
    }, 10_000, 'a talking call');
  const noCalls = async () => eventually(async () => (await webapi(t.base, read, 'pbx.calls.get')).body.count === 0, 10_000, 'no calls');

  before(async () => {
    t = await startTestServer();
    read = (await t.server.control.keys.create('read', 'wallboard')).key;
    control = (await t.server.control.keys.create('control', 'crm')).key;
    [p101, p102, p103] = await autoAnswerPhones(t, ['101', '102', '103']);
  });
  after(() => stopPhonesThenServer(t, [p101, p102, p103]));

  it('shows 101 talking to 102, then transfers and drops on the device named by contact', async () => {
    assert.deepEqual((await webapi(t.base, read, 'pbx.calls.get')).body, { count: 0 });
    assert.deepEqual((await webapi(t.base, read, 'pbx.ac.get')).body, { count: 0, AConnByCallID: [] });
    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 10_000), p102.waitForType('CALL_ESTABLISHED', 10_000)]);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await up;
    const info = await talking(2);
    assert.deepEqual((await webapi(t.base, read, 'pbx.calls.get')).body, { count: 1 });

    const ac = (await webapi(t.base, read, 'pbx.ac.get')).body;
    assert.equal(ac.count, 1);
    const conn = ac.AConnByCallID[0];
    assert.equal(conn.callID, info.callID);
    assert.equal(conn.direction, 'Internal');
    assert.equal(conn.did, '');
    assert.deepEqual(conn.AConnList.map((l: { dn: string; status: string; callID: string }) => `${l.dn}:${l.status}:${l.callID}`), [`101:Connected:${info.callID}`, `102:Connected:${info.callID}`]);
    assert.ok(conn.AConnList[1].device.includes(port(p102)), conn.AConnList[1].device);

    assert.equal(typeof info.startedAt, 'string');
    assert.ok(Date.parse(info.answeredAt) >= Date.parse(info.startedAt));
    assert.equal(info.owner.dn, '101');
    assert.deepEqual(info.talkTo.map((l: { dn: string }) => l.dn), ['102']);
    assert.deepEqual(info.routingTo, []);
    assert.equal((await webapi(t.base, read, 'ext.state.get', { num: '101' })).body.status, 'Busy');
    assert.equal((await webapi(t.base, read, 'ext.state.get', { num: '103' })).body.status, 'Free');

    // A contact that matches no device of 102 finds no call: nothing happens.
    assert.equal((await webapi(t.base, control, 'transfer', { num: '102', contact: 'no-such-device', dest: '103' })).body, false);
    const left = p102.waitForType('CALL_CLOSED', 10_000);
    const reached = p103.waitForType('CALL_ESTABLISHED', 10_000);
    const tr = await webapi(t.base, control, 'transfer', { num: '102', contact: port(p102), dest: '103' });
    assert.equal(tr.status, 200, JSON.stringify(tr.body));
    assert.equal(tr.body, true);
    await Promise.all([left, reached]);
    const after = await eventually(async () => {
      const c = await talking(2);
      return c.talkTo[0]?.dn === '103' ? c : undefined;
    });
    assert.equal(after.owner.dn, '101');

    assert.equal((await webapi(t.base, control, 'drop', { num: '103', contact: 'no-such-device' })).body, false);
    assert.equal((await webapi(t.base, read, 'pbx.calls.get')).body.count, 1, 'a non-matching drop changed nothing');
    const down = Promise.all([p101.waitForType('CALL_CLOSED', 10_000), p103.waitForType('CALL_CLOSED', 10_000)]);
    const dr = await webapi(t.base, control, 'drop', { num: '103', contact: port(p103) });
    assert.equal(dr.body, true, JSON.stringify(dr.body));
    await down;
    await noCalls();
  });

  it('makecall rings first, then connects it to second', async () => {
    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 10_000), p102.waitForType('CALL_ESTABLISHED', 10_000)]);
    const res = await webapi(t.base, control, 'makecall', { first: '101', second: '102', contact: port(p101) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body, true);
    await up;
    const info = await talking(2);
    assert.equal(info.owner.dn, '101');
    assert.deepEqual(info.talkTo.map((l: { dn: string }) => l.dn), ['102']);
    const down = p102.waitForType('CALL_CLOSED', 10_000);
    assert.equal((await webapi(t.base, control, 'drop', { num: '101' })).body, true);
    await down;
    await noCalls();
  });

  it('join: 101 talks to 102 and, through makecall, to 103; join connects 102 with 103 and 101 leaves', async () => {
    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 10_000), p102.waitForType('CALL_ESTABLISHED', 10_000)]);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await up;
    await talking(2);
    const second = p103.waitForType('CALL_ESTABLISHED', 15_000);
    assert.equal((await webapi(t.base, control, 'makecall', { first: '101', second: '103' })).body, true);
    await second;
    await eventually(async () => (await webapi(t.base, read, 'pbx.callsinfo.get')).body.callsInfo.filter((x: { state: string }) => x.state === 'Talking').length === 2, 10_000, 'two talking calls');
    const left = p101.waitForType('CALL_CLOSED', 10_000);
    assert.equal((await webapi(t.base, control, 'join', { num: '101' })).body, true);
    await left;
    const joined = await eventually(async () => {
      const ac = (await webapi(t.base, read, 'pbx.ac.get')).body;
      const dns = ac.count === 1 ? ac.AConnByCallID[0].AConnList.map((l: { dn: string }) => l.dn).sort().join() : '';
      return dns === '102,103' ? ac : undefined;
    }, 10_000, '102 and 103 in one call');
    assert.equal(joined.count, 1);
    const down = p103.waitForType('CALL_CLOSED', 10_000);
    await p102.hangup();
    await down;
    await noCalls();
  });

  it('refuses bad call commands with a coded error and makes no call', async () => {
    const cases: [string, Record<string, string>, number, string][] = [
      ['makecall', { first: '999', second: '102' }, 404, 'SB_NOT_FOUND'],
      ['makecall', { first: '600', second: '102' }, 422, 'SB_UNPROCESSABLE'],
      ['makecall', { first: '101', second: 'abc' }, 400, 'SB_VALIDATION'],
      ['makecall', { first: '101' }, 400, 'SB_VALIDATION'],
      ['makecall', { first: '101', second: '102', contact: 'no-such-device' }, 422, 'SB_UNPROCESSABLE'],
      ['makecall', { first: '105', second: '102' }, 422, 'SB_UNPROCESSABLE'],
      ['drop', { num: '999' }, 404, 'SB_NOT_FOUND'],
      ['drop', {}, 400, 'SB_VALIDATION'],
      ['transfer', { num: '101', dest: 'x' }, 400, 'SB_VALIDATION'],
      ['transfer', { num: '999', dest: '103' }, 404, 'SB_NOT_FOUND'],
      ['transfer', { num: '800', dest: '103' }, 422, 'SB_UNPROCESSABLE'],
      ['join', { num: '999' }, 404, 'SB_NOT_FOUND'],
      ['join', { num: '600' }, 422, 'SB_UNPROCESSABLE'],
      ['join', {}, 400, 'SB_VALIDATION'],
      ['bargein', { internal: '101', external: '102', num: '999' }, 404, 'SB_NOT_FOUND'],
      ['bargein', { internal: '101', external: '102', num: '600' }, 422, 'SB_UNPROCESSABLE'],
      ['bargein', { internal: '101', num: '103' }, 400, 'SB_VALIDATION'],
      ['pbx.calls.get', { x: '1' }, 400, 'SB_VALIDATION'],
      ['pbx.ac.get', { x: '1' }, 400, 'SB_VALIDATION'],
      ['pbx.callsinfo.get', { x: '1' }, 400, 'SB_VALIDATION'],
    ];
    for (const [command, query, status, code] of cases) assertError(await webapi(t.base, control, command, query), status, code, `${command} ${JSON.stringify(query)}`);
    // Nothing to act on: the command is not executed and says false.
    assert.equal((await webapi(t.base, control, 'drop', { num: '101' })).body, false);
    assert.equal((await webapi(t.base, control, 'drop', { num: '800', external: '5551234' })).body, false);
    assert.equal((await webapi(t.base, control, 'transfer', { num: '101', dest: '103' })).body, false);
    assert.equal((await webapi(t.base, control, 'join', { num: '101' })).body, false);
    assert.equal((await webapi(t.base, control, 'bargein', { internal: '101', external: '102', num: '103' })).body, false);
    assert.deepEqual((await webapi(t.base, read, 'pbx.calls.get')).body, { count: 0 });
  });
});
