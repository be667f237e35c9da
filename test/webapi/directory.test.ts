// TCXWebAPI directory and state readers (seed 000) against a live server with
// a registered baresip phone on 101: every command once with good input, once
// with bad input, and the key rules of the dialect.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { registeredPhone } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { webapi, assertError } from './helpers.ts';

describe('webapi directory readers', () => {
  let t: TestServer;
  let read: string;
  let p101: Baresip;
  before(async () => {
    t = await startTestServer();
    read = (await t.server.control.keys.create('read', 'demo key')).key;
    const d = t.server.control.directory;
    await d.extensionGroups.create({ name: 'Sales dept', members: [{ extension: '101', role: 0 }, { extension: '102', role: 3 }] });
    await d.trunks.create({ name: 'Provider', host: '127.0.0.1', port: 5099, password: 'trunk-secret', mainNumber: '74950000000' });
    await d.queues.patch('800', { agents: [{ extension: '101', loggedIn: true }, { extension: '102', loggedIn: false }, { extension: '103', loggedIn: true }] });
    p101 = await registeredPhone(t, '101');
  });
  after(async () => {
    await p101.stop();
    await t.stop();
  });

  it('answers every reader with the seed fields', async () => {
    const ok = async (command: string, query: Record<string, string> = {}) => {
      const res = await webapi(t.base, read, command, query);
      assert.equal(res.status, 200, `${command}: ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const exts = await ok('all.ext.get');
    assert.deepEqual(exts.map((e: { num: string }) => e.num), ['100', '101', '102', '103', '104', '105']);
    assert.deepEqual(exts[1], { num: '101', firstName: 'Anna', lastName: 'Nowak', email: '', mobile: '', callerId: '', enabled: true });
    assert.deepEqual((await ok('all.registered.get')).map((e: { num: string }) => e.num), ['101']);
    assert.deepEqual(await ok('all.group.get'), [{ num: '600', name: 'Sales', strategy: 'ringAll', members: ['101', '102', '103'] }]);
    assert.deepEqual(await ok('all.queue.get'), [{ num: '800', name: 'Support', pollingStrategy: 'longestWaiting' }]);
    assert.deepEqual(await ok('all.ivr.get'), [{ num: '700', name: 'Main menu' }]);
    const lines = await ok('all.line.get');
    assert.deepEqual(lines, [{ id: lines[0].id, name: 'Provider', host: '127.0.0.1', port: 5099, mainNumber: '74950000000', enabled: true }]);
    assert.ok(!JSON.stringify(lines).includes('trunk-secret'), 'no trunk password');
    assert.deepEqual(await ok('all.extgroup.get'), [{ id: 1, name: 'Sales dept', count: 2 }]);

    const info = await ok('ext.info.get', { num: '101' });
    assert.equal(info.num, '101');
    assert.equal(info.firstname, 'Anna');
    assert.equal(info.authid, '101');
    assert.equal(info.enabled, 1);
    assert.equal(info.internal, 0);
    assert.equal(info.recordcalls, 0);
    assert.equal(info.fwdName, 'Available');
    assert.equal(info.authpass, undefined, 'no SIP password');
    assert.equal(info.vmpin, undefined, 'no voicemail PIN');

    assert.deepEqual(await ok('ext.state.get', { num: '101' }), {
      num: '101',
      registered: true,
      status: 'Free',
      fwdName: 'Available',
      qGlobalStatus: 'LoggedIn',
      qStatus: [{ num: '800', status: 'LoggedIn' }],
    });
    assert.deepEqual(await ok('ext.state.get', { num: '102' }), { num: '102', registered: false, status: 'Free', fwdName: 'Available', qGlobalStatus: 'LoggedIn', qStatus: [{ num: '800', status: 'LoggedOut' }] });
    const statuses = await ok('statuses.get');
    assert.equal(statuses.length, 6);
    assert.deepEqual(statuses[0], { num: '100', registered: false, status: 'Free', fwdName: 'Available', qGlobalStatus: 'LoggedIn', qStatus: [] });

    const devices = await ok('ext.devices.get', { num: '101' });
    assert.equal(devices.length, 1);
    assert.deepEqual(Object.keys(devices[0]), ['userAgent', 'contact']);
    assert.match(devices[0].userAgent, /baresip/i);
    assert.ok(devices[0].contact.includes(p101.sipAddress.split(':')[1] ?? 'x'), devices[0].contact);
    assert.deepEqual(await ok('ext.devices.get', { num: '102' }), []);

    assert.deepEqual(await ok('queue.members.get', { num: '800' }), ['101', '102', '103']);
    assert.deepEqual(await ok('queue.managers.get', { num: '800' }), ['105']);
    // 102 is logged out of the queue, 103 is not registered: only 101 takes calls.
    assert.deepEqual(await ok('queue.free.get', { num: '800' }), ['101']);
    assert.deepEqual(await ok('queue.talk.get', { num: '800' }), []);
    assert.equal(await ok('queue.isfree.get', { num: '800' }), true);
    assert.deepEqual(await ok('group.members.get', { num: '600' }), ['101', '102', '103']);
    assert.deepEqual(await ok('group.free.get', { num: '600' }), ['101']);
    assert.deepEqual(await ok('extgroup.members.get', { name: 'Sales dept' }), ['101', '102']);
    assert.deepEqual(await ok('extgroup.members.get', { name: 'Sales dept', role: '1' }), ['101@0', '102@3']);
    assert.deepEqual(await ok('extgroup.member.role', { name: 'Sales dept', num: '102' }), { num: '102', roleId: 3, role: 'managers' });
  });

  it('queue.isfree.get is false when no agent can take a call', async () => {
    await t.server.control.directory.extensions.patch('101', { queueGlobalLoggedIn: false });
    try {
      assert.equal((await webapi(t.base, read, 'queue.isfree.get', { num: '800' })).body, false);
      assert.deepEqual((await webapi(t.base, read, 'queue.free.get', { num: '800' })).body, []);
    } finally {
      await t.server.control.directory.extensions.patch('101', { queueGlobalLoggedIn: true });
    }
  });

  it('a list answered from cache shows a directory change at once', async () => {
    const before = (await webapi(t.base, read, 'all.ext.get')).body as { num: string }[];
    await t.server.control.directory.extensions.create({ number: '199', firstName: 'Late' });
    const after = (await webapi(t.base, read, 'all.ext.get')).body as { num: string; firstName: string }[];
    assert.equal(after.length, before.length + 1);
    assert.deepEqual(after.at(-1), { num: '199', firstName: 'Late', lastName: '', email: '', mobile: '', callerId: '', enabled: true });
    await t.server.control.directory.extensions.remove('199');
    assert.equal((await webapi(t.base, read, 'all.ext.get')).body.length, before.length);
  });

  it('refuses bad input with a coded error', async () => {
    const cases: [string, Record<string, string>, number, string][] = [
      ['ext.info.get', { num: '999' }, 404, 'SB_NOT_FOUND'],
      ['ext.info.get', {}, 400, 'SB_VALIDATION'],
      ['ext.state.get', { num: 'abc' }, 400, 'SB_VALIDATION'],
      ['ext.state.get', { num: '999' }, 404, 'SB_NOT_FOUND'],
      ['ext.devices.get', { num: '999' }, 404, 'SB_NOT_FOUND'],
      ['queue.members.get', { num: '801' }, 404, 'SB_NOT_FOUND'],
      ['queue.managers.get', {}, 400, 'SB_VALIDATION'],
      ['queue.free.get', { num: '801' }, 404, 'SB_NOT_FOUND'],
      ['queue.talk.get', { num: 'x' }, 400, 'SB_VALIDATION'],
      ['queue.isfree.get', { num: '801' }, 404, 'SB_NOT_FOUND'],
      ['group.members.get', { num: '601' }, 404, 'SB_NOT_FOUND'],
      ['group.free.get', { num: '601' }, 404, 'SB_NOT_FOUND'],
      ['extgroup.members.get', { name: 'Nope' }, 404, 'SB_NOT_FOUND'],
      ['extgroup.members.get', { name: 'Sales dept', role: '2' }, 400, 'SB_VALIDATION'],
      ['extgroup.member.role', { name: 'Sales dept', num: '105' }, 404, 'SB_NOT_FOUND'],
      ['all.ext.get', { bogus: '1' }, 400, 'SB_VALIDATION'],
      ['all.registered.get', { num: '1' }, 400, 'SB_VALIDATION'],
      ['all.group.get', { x: '1' }, 400, 'SB_VALIDATION'],
      ['all.queue.get', { x: '1' }, 400, 'SB_VALIDATION'],
      ['all.ivr.get', { x: '1' }, 400, 'SB_VALIDATION'],
      ['all.line.get', { x: '1' }, 400, 'SB_VALIDATION'],
      ['all.extgroup.get', { x: '1' }, 400, 'SB_VALIDATION'],
      ['statuses.get', { x: '1' }, 400, 'SB_VALIDATION'],
      ['no.such.command', {}, 404, 'SB_ROUTE_NOT_FOUND'],
    ];
    for (const [command, query, status, code] of cases) assertError(await webapi(t.base, read, command, query), status, code, `${command} ${JSON.stringify(query)}`);
  });

  it('a wrong or revoked key gets 401; a read key may not run control commands', async () => {
    assertError(await webapi(t.base, 'qRQi5xQj8SvI', 'all.ext.get'), 401, 'SB_UNAUTHORIZED', 'unknown key');
    const k = await t.server.control.keys.create('read', 'temp');
    assert.equal((await webapi(t.base, k.key, 'all.ext.get')).status, 200);
    await t.server.control.keys.revoke(k.id);
    assertError(await webapi(t.base, k.key, 'all.ext.get'), 401, 'SB_UNAUTHORIZED', 'revoked key');
    // The key is checked before the command, so a stranger learns nothing about which commands exist.
    assertError(await webapi(t.base, 'qRQi5xQj8SvI', 'no.such.command'), 401, 'SB_UNAUTHORIZED', 'unknown key, unknown command');
    assertError(await webapi(t.base, read, 'makecall', { first: '101', second: '102' }), 403, 'SB_FORBIDDEN', 'read key, makecall');
    assert.equal((await webapi(t.base, read, 'pbx.calls.get')).body.count, 0, 'no call was made');
  });
});
