// TCXWebAPI setters and editors (seed 000): statuses, extension options,
// contacts and extensions. Each change is read back through the directory;
// each refused request leaves the directory as it was.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { webapi, assertError } from './helpers.ts';

type Case = [command: string, query: Record<string, string>, status: number, code: string];

describe('webapi setters and editors', () => {
  let t: TestServer;
  let read: string;
  let control: string;
  let admin: string;
  const ext = (n: string) => t.server.control.directory.extensions.get(n, { withSecrets: true });
  const refuses = async (key: string, cases: Case[]) => {
    for (const [command, query, status, code] of cases) assertError(await webapi(t.base, key, command, query), status, code, `${command} ${JSON.stringify(query)}`);
  };
  before(async () => {
    t = await startTestServer();
    read = (await t.server.control.keys.create('read', 'r')).key;
    control = (await t.server.control.keys.create('control', 'c')).key;
    admin = t.adminKey;
  });
  after(async () => t.stop());

  it('ext.fwd.set, ext.queueglobal.set, ext.queue.set and ext.options.set change the state ext.state.get shows', async () => {
    assert.equal((await webapi(t.base, control, 'ext.fwd.set', { num: '102', status: 'away', message: 'back at 3' })).body, true);
    assert.equal((await ext('102')).forwardingProfile, 'Away');
    assert.equal((await ext('102')).forwardingMessage, 'back at 3');
    assert.equal((await webapi(t.base, control, 'ext.queueglobal.set', { num: '102', log: 'off' })).body, true);
    assert.equal((await webapi(t.base, control, 'ext.queue.set', { num: '103', queue: '800', log: 'off' })).body, true);
    const s102 = (await webapi(t.base, read, 'ext.state.get', { num: '102' })).body;
    assert.deepEqual([s102.fwdName, s102.qGlobalStatus], ['Away', 'LoggedOut']);
    assert.deepEqual((await webapi(t.base, read, 'ext.state.get', { num: '103' })).body.qStatus, [{ num: '800', status: 'LoggedOut' }]);
    assert.equal((await webapi(t.base, control, 'ext.queue.set', { num: '103', queue: '800', log: 'on' })).body, true);
    assert.deepEqual((await webapi(t.base, read, 'ext.state.get', { num: '103' })).body.qStatus, [{ num: '800', status: 'LoggedIn' }]);

    assert.equal((await webapi(t.base, control, 'ext.options.set', { num: '104', recording: 'external' })).body, true);
    assert.deepEqual([(await ext('104')).recording, (await ext('104')).enabled, (await ext('104')).allowExternal], ['external', true, true]);
    assert.equal((await webapi(t.base, control, 'ext.options.set', { num: '104', enabled: 'off', external: 'off' })).body, true);
    assert.deepEqual([(await ext('104')).recording, (await ext('104')).enabled, (await ext('104')).allowExternal], ['external', false, false]);

    await refuses(control, [
      ['ext.fwd.set', { num: '102', status: 'On holiday' }, 400, 'SB_VALIDATION'],
      ['ext.fwd.set', { num: '999', status: 'Away' }, 404, 'SB_NOT_FOUND'],
      ['ext.fwd.set', { num: '102' }, 400, 'SB_VALIDATION'],
      ['ext.queueglobal.set', { num: '102', log: 'maybe' }, 400, 'SB_VALIDATION'],
      ['ext.queueglobal.set', { num: '999', log: 'on' }, 404, 'SB_NOT_FOUND'],
      ['ext.queue.set', { num: '101', queue: '800', log: 'on' }, 422, 'SB_UNPROCESSABLE'],
      ['ext.queue.set', { num: '103', queue: '801', log: 'on' }, 404, 'SB_NOT_FOUND'],
      ['ext.queue.set', { num: '103', queue: '800' }, 400, 'SB_VALIDATION'],
      ['ext.options.set', { num: '104' }, 400, 'SB_VALIDATION'],
      ['ext.options.set', { num: '104', recording: 'sometimes' }, 400, 'SB_VALIDATION'],
      ['ext.options.set', { num: '999', enabled: 'on' }, 404, 'SB_NOT_FOUND'],
    ]);
    assert.equal((await ext('102')).forwardingProfile, 'Away', 'refused requests changed nothing');
    assert.equal((await ext('104')).recording, 'external');
    await refuses(read, [['ext.fwd.set', { num: '102', status: 'Available' }, 403, 'SB_FORBIDDEN']]);
  });

  it('contact.new / get / update / find / del with the seed field mapping', async () => {
    const created = await webapi(t.base, admin, 'contact.new', { firstname: 'Ivan', lastname: 'Petrov', company: 'Acme', phone: '+7 (495) 123-45-67', data3: '84951112233', data5: 'ivan@acme.test' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body as number;
    assert.equal(typeof id, 'number');
    const second = (await webapi(t.base, admin, 'contact.new', { firstname: 'Olga', data0: '4951234567' })).body as number;
    const got = (await webapi(t.base, read, 'contact.get', { id: String(id) })).body;
    assert.deepEqual(got, {
      id,
      firstname: 'Ivan',
      lastname: 'Petrov',
      company: 'Acme',
      crmcontactdata: '',
      tag: '',
      mobile: '+7 (495) 123-45-67',
      mobile2: '',
      home: '',
      home2: '',
      business: '84951112233',
      business2: '',
      email: 'ivan@acme.test',
      other: '',
      businessfax: '',
      homefax: '',
      pager: '',
    });
    assert.equal((await webapi(t.base, admin, 'contact.update', { id: String(id), data9: '5550000', tag: 'vip' })).body, true);
    const updated = (await webapi(t.base, read, 'contact.get', { id: String(id) })).body;
    assert.deepEqual([updated.pager, updated.tag, updated.firstname], ['5550000', 'vip', 'Ivan']);

    const find = async (num: string, minLen?: string) => (await webapi(t.base, read, 'contact.find', { num, ...(minLen !== undefined ? { min_len: minLen } : {}) })).body;
    // No min_len (or longer than num): exact match only.
    assert.deepEqual(await find('74951234567'), [id]);
    assert.deepEqual(await find('4951234567'), [second]);
    assert.deepEqual(await find('1234567', '8'), []);
    // min_len equal to num's length, or 0: numbers ending with num.
    assert.deepEqual(await find('1234567', '7'), [id, second]);
    assert.deepEqual(await find('1112233', '0'), [id]);
    // Shorter: the longest common ending, if at least min_len.
    assert.deepEqual(await find('5551112233', '5'), [id]);
    assert.deepEqual(await find('5551112233', '8'), [id]);
    assert.deepEqual(await find('5551112233', '9'), []);
    assert.deepEqual(await find('00000004567', '5'), []);
    assert.deepEqual(await find('00000004567', '4'), [id, second]);

    assert.equal((await webapi(t.base, admin, 'contact.del', { id: String(second) })).body, true);
    await refuses(admin, [
      ['contact.get', { id: String(second) }, 404, 'SB_NOT_FOUND'],
      ['contact.get', { id: 'x' }, 400, 'SB_VALIDATION'],
      ['contact.update', { id: String(id), data5: 'not an email' }, 400, 'SB_VALIDATION'],
      ['contact.update', { id: '9999', tag: 'x' }, 404, 'SB_NOT_FOUND'],
      ['contact.update', { tag: 'x' }, 400, 'SB_VALIDATION'],
      ['contact.new', { phone: 'call me' }, 400, 'SB_VALIDATION'],
      ['contact.new', { nickname: 'x' }, 400, 'SB_VALIDATION'],
      ['contact.del', { id: String(second) }, 404, 'SB_NOT_FOUND'],
      ['contact.find', { num: 'abc' }, 400, 'SB_VALIDATION'],
      ['contact.find', { num: '123', min_len: '-1' }, 400, 'SB_VALIDATION'],
    ]);
    await refuses(control, [['contact.new', { firstname: 'X' }, 403, 'SB_FORBIDDEN']]);
    assert.equal((await webapi(t.base, read, 'contact.get', { id: String(id) })).body.email, 'ivan@acme.test');
    assert.equal((await t.server.control.directory.contacts.list()).total, 1);
  });

  it('ext.new / ext.update / ext.del with every field of the seed', async () => {
    assert.equal((await webapi(t.base, admin, 'ext.new', { num: '150', firstname: 'New', authpass: 'sup3rsecret', internal: '1' })).body, true);
    const n = await ext('150');
    assert.deepEqual([n.firstName, n.authPassword, n.allowExternal], ['New', 'sup3rsecret', false]);
    const update = {
      num: '150',
      firstname: 'Nina',
      lastname: 'Sokolova',
      email: 'nina@example.test',
      mobile: '79001234567',
      authid: 'nina150',
      authpass: 'another-secret',
      callerid: '74950000150',
      enabled: '0',
      deliveraudio: '0',
      recordcalls: '2',
      sipid: 'nina',
      reinvite: '0',
      replaces: '0',
      vmemail: '3',
      vmenabled: '1',
      vmpin: '4321',
      vmplaycallerid: '1',
      vmplaydatetime: '2',
      internal: '0',
      noanswertimeout: '35',
    };
    const res = await webapi(t.base, admin, 'ext.update', update);
    assert.equal(res.body, true, JSON.stringify(res.body));
    const u = await ext('150');
    assert.deepEqual(
      [u.firstName, u.lastName, u.email, u.mobile, u.authId, u.authPassword, u.outboundCallerId, u.enabled, u.deliverAudio, u.recording, u.sipId, u.supportReinvite, u.supportReplaces, u.vmEmail, u.vmEnabled, u.vmPin, u.vmPlayCallerId, u.vmPlayDateTime, u.allowExternal, u.noAnswerTimeout],
      ['Nina', 'Sokolova', 'nina@example.test', '79001234567', 'nina150', 'another-secret', '74950000150', false, false, 'all', 'nina', false, false, 3, true, '4321', true, 2, true, 35],
    );
    const info = (await webapi(t.base, read, 'ext.info.get', { num: '150' })).body;
    assert.deepEqual([info.recordcalls, info.enabled, info.vmemail, info.internal], [2, 0, 3, 0]);
    await refuses(admin, [
      ['ext.new', { num: '150' }, 409, 'SB_CONFLICT'],
      ['ext.new', { num: '1' }, 400, 'SB_VALIDATION'],
      ['ext.new', { num: '151', authpass: 'short' }, 400, 'SB_VALIDATION'],
      ['ext.update', { num: '150', recordcalls: '3' }, 400, 'SB_VALIDATION'],
      ['ext.update', { num: '150', email: 'nope' }, 400, 'SB_VALIDATION'],
      ['ext.update', { num: '150', noanswertimeout: '1' }, 400, 'SB_VALIDATION'],
      ['ext.update', { num: '999', firstname: 'X' }, 404, 'SB_NOT_FOUND'],
      ['ext.update', { firstname: 'X' }, 400, 'SB_VALIDATION'],
      ['ext.del', { num: '999' }, 404, 'SB_NOT_FOUND'],
    ]);
    await refuses(control, [['ext.del', { num: '150' }, 403, 'SB_FORBIDDEN']]);
    assert.equal((await ext('150')).firstName, 'Nina', 'refused requests changed nothing');
    assert.equal((await webapi(t.base, admin, 'ext.del', { num: '150' })).body, true);
    assertError(await webapi(t.base, read, 'ext.info.get', { num: '150' }), 404, 'SB_NOT_FOUND', 'deleted');
  });
});
