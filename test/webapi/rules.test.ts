// TCXWebAPI membership editing, outbound and inbound rules, queue CRUD and the
// system commands (seed 000), each read back through the directory.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { webapi, webapiPost, assertError } from './helpers.ts';

type Case = [command: string, query: Record<string, string>, status: number, code: string];

describe('webapi rules, memberships, queues and system commands', () => {
  let t: TestServer;
  let read: string;
  let admin: string;
  let trunkA: number;
  const d = () => t.server.control.directory;
  const ok = async (command: string, query: Record<string, string> = {}, key = admin) => {
    const res = await webapi(t.base, key, command, query);
    assert.equal(res.status, 200, `${command} ${JSON.stringify(query)}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const refuses = async (cases: Case[], key = admin) => {
    for (const [command, query, status, code] of cases) assertError(await webapi(t.base, key, command, query), status, code, `${command} ${JSON.stringify(query)}`);
  };
  before(async () => {
    t = await startTestServer();
    read = (await t.server.control.keys.create('read', 'r')).key;
    admin = t.adminKey;
    trunkA = Number((await d().trunks.create({ name: 'ProviderA', host: '127.0.0.1', port: 5098 })).id);
    await d().trunks.create({ name: 'ProviderB', host: '127.0.0.1', port: 5097 });
  });
  after(async () => t.stop());

  it('group.members.set, queue.agents.set and queue.managers.set replace the lists', async () => {
    assert.equal(await ok('group.members.set', { num: '600', members: '103,101' }), true);
    assert.deepEqual(await ok('group.members.get', { num: '600' }, read), ['103', '101']);
    await d().queues.patch('800', { agents: [{ extension: '102', loggedIn: false }, { extension: '103', loggedIn: true }] });
    assert.equal(await ok('queue.agents.set', { num: '800', agents: '102,104' }), true);
    assert.deepEqual((await d().queues.get('800')).agents, [{ extension: '102', loggedIn: false }, { extension: '104', loggedIn: true }]);
    assert.equal(await ok('queue.managers.set', { num: '800', managers: '101,105' }), true);
    assert.deepEqual(await ok('queue.managers.get', { num: '800' }, read), ['101', '105']);
    await refuses([
      ['group.members.set', { num: '600', members: '101,999' }, 422, 'SB_BAD_REFERENCE'],
      ['group.members.set', { num: '601', members: '101' }, 404, 'SB_NOT_FOUND'],
      ['group.members.set', { num: '600', members: '1 01' }, 400, 'SB_VALIDATION'],
      ['queue.agents.set', { num: '800', agents: '999' }, 422, 'SB_BAD_REFERENCE'],
      ['queue.agents.set', { num: '801', agents: '101' }, 404, 'SB_NOT_FOUND'],
      ['queue.managers.set', { num: '800' }, 400, 'SB_VALIDATION'],
    ]);
    assert.deepEqual(await ok('group.members.get', { num: '600' }, read), ['103', '101'], 'unchanged');
  });

  it('extgroup.new / members.set with the task list / member.role / del', async () => {
    assert.equal(await ok('extgroup.new', { name: 'Support' }), true);
    assert.equal(await ok('extgroup.new', { name: 'Support' }), false, 'exists already');
    let r = await ok('extgroup.members.set', { name: 'Support', nums: '+101@2,+102,+103@9,+999,+101@1' });
    assert.deepEqual(r, { added: ['101@2', '102@0', '103@0'], removed: [], edited: [] });
    assert.deepEqual(await ok('extgroup.members.get', { name: 'Support', role: '1' }, read), ['101@2', '102@0', '103@0']);
    r = await ok('extgroup.members.set', { name: 'Support', nums: '-102,-105,103@4,104@1,+104@3,*@5' });
    // *@5 covers only the members from before the command that are still in: 101 and 103, not the new 104.
    assert.deepEqual(r, { added: ['104@3'], removed: ['102'], edited: ['103@4', '101@5', '103@5'] });
    assert.deepEqual(await ok('extgroup.members.get', { name: 'Support', role: '1' }, read), ['101@5', '103@5', '104@3']);
    assert.deepEqual(await ok('extgroup.member.role', { name: 'Support', num: '104' }, read), { num: '104', roleId: 3, role: 'managers' });
    r = await ok('extgroup.members.set', { name: 'Support', nums: '-*,+105@6' });
    assert.deepEqual(r, { added: ['105@6'], removed: ['101', '103', '104'], edited: [] });
    await refuses([
      ['extgroup.members.set', { name: 'Support', nums: '101' }, 400, 'SB_VALIDATION'],
      ['extgroup.members.set', { name: 'Support', nums: '+abc' }, 400, 'SB_VALIDATION'],
      ['extgroup.members.set', { name: 'Nope', nums: '+101' }, 404, 'SB_NOT_FOUND'],
      ['extgroup.new', { name: 'a,b' }, 400, 'SB_VALIDATION'],
      ['extgroup.del', { name: 'Nope' }, 404, 'SB_NOT_FOUND'],
      ['extgroup.del', {}, 400, 'SB_VALIDATION'],
    ]);
    assert.deepEqual(await ok('extgroup.members.get', { name: 'Support' }, read), ['105']);
    assert.equal(await ok('extgroup.del', { name: 'Support' }), true);
    assert.deepEqual(await ok('all.extgroup.get', {}, read), []);
  });

  it('outbound rules: new, get, set, before, after, del', async () => {
    await d().extensionGroups.create({ name: 'Sales', members: [] });
    assert.equal(await ok('outboundrule.new', { name: 'Local', priority: '10', prefix: '9', numberlength: '7,10', ranges: '100-199', groups: 'Sales', routes: 'ProviderA.1..74950000000' }), true);
    assert.equal(await ok('outboundrule.new', { name: 'Mobile', priority: '20', prefix: '8' }), true);
    assert.equal(await ok('outboundrule.new', { name: 'Intl', priority: 'toend', prefix: '810' }), true);
    let all = await ok('outboundrules.get', {}, read);
    assert.deepEqual([all.count, all.minPriority, all.maxPriority], [3, 10, 21]);
    assert.deepEqual(all.rules[0], { name: 'Local', priority: 10, prefix: '9', numberlength: '7,10', groups: 'Sales', ranges: '100-199', numberofroutes: 1, routes: ['ProviderA.1..74950000000'] });
    assert.deepEqual(all.rules.map((x: { name: string }) => x.name), ['Local', 'Mobile', 'Intl']);

    // Route 1: empty trunk and strip keep the old values; route 2 is malformed (three parts) and ignored; route 3 is new and moves up.
    assert.equal(await ok('outboundrule.set', { rulename: 'Local', prefix: '0', routes: '..7.111,ProviderB.2.3,ProviderB.0.+7.222' }), true);
    const local = (await d().outboundRules.list({ q: 'Local' })).items[0];
    assert.deepEqual(local?.routes, [
      { trunkId: trunkA, strip: 1, prepend: '7', callerId: '111' },
      { trunkId: trunkA + 1, strip: 0, prepend: '+7', callerId: '222' },
    ]);
    assert.equal(local?.prefix, '0');
    assert.equal(await ok('outboundrule.set', { rulepriority: '10', routes: 'ProviderA.1.7.111,ProviderB.0.+7.222', name: 'City' }), true);
    all = await ok('outboundrules.get', {}, read);
    assert.deepEqual(all.rules[0].routes, ['ProviderA.1.7.111', 'ProviderB.0.+7.222']);
    assert.equal(all.rules[0].name, 'City');
    assert.equal(await ok('outboundrule.set', { rulename: 'City', numberofroutes: '1' }), true);
    assert.deepEqual((await ok('outboundrules.get', {}, read)).rules[0].routes, ['ProviderA.1.7.111']);

    assert.equal(await ok('outboundrule.set', { rulename: 'Intl', priority: 'tobegining' }), true);
    all = await ok('outboundrules.get', {}, read);
    assert.deepEqual(all.rules.map((x: { name: string; priority: number }) => `${x.name}:${String(x.priority)}`), ['Intl:9', 'City:10', 'Mobile:20']);
    assert.equal(await ok('outboundrule.after', { rulename: 'Intl', afterpriority: '20' }), true);
    all = await ok('outboundrules.get', {}, read);
    assert.deepEqual(all.rules.map((x: { name: string; priority: number }) => `${x.name}:${String(x.priority)}`), ['City:10', 'Mobile:20', 'Intl:21']);
    assert.equal(await ok('outboundrule.before', { rulepriority: '21', beforename: 'City' }), true);
    all = await ok('outboundrules.get', {}, read);
    assert.deepEqual(all.rules.map((x: { name: string; priority: number }) => `${x.name}:${String(x.priority)}`), ['Intl:9', 'City:10', 'Mobile:20']);
    assert.equal(await ok('outboundrule.before', { rulename: 'Mobile', beforename: 'City' }), true);
    all = await ok('outboundrules.get', {}, read);
    assert.deepEqual(all.rules.map((x: { name: string }) => x.name), ['Intl', 'Mobile', 'City']);
    assert.deepEqual(all.rules.map((x: { priority: number }) => x.priority), [9, 10, 11]);

    await refuses([
      ['outboundrule.set', { prefix: '1' }, 400, 'SB_VALIDATION'],
      ['outboundrule.set', { rulename: 'City', rulepriority: '10', prefix: '1' }, 400, 'SB_VALIDATION'],
      ['outboundrule.set', { rulename: 'Nope', prefix: '1' }, 404, 'SB_NOT_FOUND'],
      ['outboundrule.set', { rulename: 'City', routes: 'NoSuchTrunk.0..' }, 422, 'SB_BAD_REFERENCE'],
      ['outboundrule.set', { rulename: 'City', priority: '9' }, 409, 'SB_CONFLICT'],
      ['outboundrule.set', { rulename: 'City', numberlength: 'x' }, 400, 'SB_VALIDATION'],
      ['outboundrule.set', { rulename: 'City', groups: 'NoGroup' }, 422, 'SB_BAD_REFERENCE'],
      ['outboundrule.new', { name: 'City', priority: '50' }, 409, 'SB_CONFLICT'],
      ['outboundrule.new', { name: 'X' }, 400, 'SB_VALIDATION'],
      ['outboundrule.before', { rulename: 'City' }, 400, 'SB_VALIDATION'],
      ['outboundrule.after', { rulename: 'City', aftername: 'Nope' }, 404, 'SB_NOT_FOUND'],
      ['outboundrule.del', { rulepriority: '77' }, 404, 'SB_NOT_FOUND'],
    ]);
    await refuses([['outboundrule.del', { rulename: 'City' }, 403, 'SB_FORBIDDEN']], read);
    all = await ok('outboundrules.get', {}, read);
    assert.deepEqual(all.rules.map((x: { name: string; prefix: string }) => `${x.name}:${x.prefix}`), ['Intl:810', 'Mobile:8', 'City:0'], 'refused requests changed nothing');
    assert.equal(await ok('outboundrule.del', { rulename: 'Mobile' }), true);
    assert.equal((await ok('outboundrules.get', {}, read)).count, 2);
  });

  it('inboundrule.get / set by line and rule name', async () => {
    await d().inboundRules.create({ name: 'Day', trunkId: trunkA, did: '74950000000', inHours: { type: 'extension', number: '700' }, outOfHours: { type: 'voicemail', number: '100' } });
    assert.deepEqual(await ok('inboundrule.get', { linename: 'ProviderA', rulename: 'Day' }, read), {
      officeHours_type: 'extension',
      officeHours_internal: '700',
      officeHours_external: '',
      outOfOfficeHours_type: 'voicemail',
      outOfOfficeHours_internal: '100',
      outOfOfficeHours_external: '',
    });
    assert.equal(await ok('inboundrule.set', { linename: 'ProviderA', rulename: 'Day', officehours_type: 'external', officehours_external: '79001112233', outofficehours_interna: '101' }), true);
    assert.deepEqual(await ok('inboundrule.get', { linename: 'ProviderA', rulename: 'Day' }, read), {
      officeHours_type: 'external',
      officeHours_internal: '',
      officeHours_external: '79001112233',
      outOfOfficeHours_type: 'voicemail',
      outOfOfficeHours_internal: '101',
      outOfOfficeHours_external: '',
    });
    await refuses([
      ['inboundrule.get', { linename: 'ProviderB', rulename: 'Day' }, 404, 'SB_NOT_FOUND'],
      ['inboundrule.get', { linename: 'Nope', rulename: 'Day' }, 404, 'SB_NOT_FOUND'],
      ['inboundrule.get', { linename: 'ProviderA' }, 400, 'SB_VALIDATION'],
      ['inboundrule.set', { linename: 'ProviderA', rulename: 'Day', officehours_type: 'teleport' }, 400, 'SB_VALIDATION'],
      ['inboundrule.set', { linename: 'ProviderA', rulename: 'Day', outofficehours_type: 'extension', outofficehours_internal: '999' }, 422, 'SB_BAD_REFERENCE'],
    ]);
    assert.equal((await ok('inboundrule.get', { linename: 'ProviderA', rulename: 'Day' }, read)).outOfOfficeHours_internal, '101', 'unchanged');
  });

  it('queue.new / queue.update / queue.del', async () => {
    assert.equal(await ok('queue.new', { num: '810', name: 'Billing', pollingstrategy: '1', ringtimeout: '15' }), true);
    assert.equal(
      await ok('queue.update', { num: '810', announcementinterval: '30', announcequeueposition: '1', enableintro: '1', introfile: 'intro.wav', mastertimeout: '300', noanswerdest: 'external', noanswerexternal: '79001234567' }),
      true,
    );
    const q = await d().queues.get('810');
    assert.deepEqual(
      [q.name, q.pollingStrategy, q.ringTimeout, q.announcementInterval, q.announcePosition, q.introEnabled, q.introFile, q.masterTimeout, q.noAnswer],
      ['Billing', 'ringAll', 15, 30, true, true, 'intro.wav', 300, { type: 'external', number: '79001234567' }],
    );
    assert.equal(await ok('queue.update', { num: '810', noanswerdest: 'extension', noanswerextension: '100', pollingstrategy: '4' }), true);
    assert.deepEqual([(await d().queues.get('810')).noAnswer, (await d().queues.get('810')).pollingStrategy], [{ type: 'extension', number: '100' }, 'longestWaiting']);
    await refuses([
      ['queue.new', { num: '810' }, 409, 'SB_CONFLICT'],
      ['queue.new', { num: '101' }, 409, 'SB_CONFLICT'],
      ['queue.update', { num: '810', pollingstrategy: '99' }, 400, 'SB_VALIDATION'],
      ['queue.update', { num: '810', ringtimeout: '100000' }, 400, 'SB_VALIDATION'],
      ['queue.update', { num: '810', noanswerdest: 'extension', noanswerextension: '999' }, 422, 'SB_BAD_REFERENCE'],
      ['queue.update', { num: '811', name: 'x' }, 404, 'SB_NOT_FOUND'],
      ['queue.del', { num: '811' }, 404, 'SB_NOT_FOUND'],
    ]);
    assert.equal(await ok('queue.del', { num: '810' }), true);
    assert.deepEqual((await ok('all.queue.get', {}, read)).map((x: { num: string }) => x.num), ['800']);
  });

  it('system commands: parameters, csv.reread, cfd.reset; admin keys only', async () => {
    const set = await webapiPost(t.base, admin, 'parameter.set', { name: 'MY_PARAM', value: 'one', description: 'a test parameter' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(await ok('parameter.get', { name: 'MY_PARAM' }), { name: 'MY_PARAM', description: 'a test parameter', value: 'one', type: 'string' });
    assert.equal((await webapiPost(t.base, admin, 'parameter.set', { name: 'MY_PARAM', value: 'two' })).status, 200);
    assert.equal((await ok('parameter.get', { name: 'MY_PARAM' })).value, 'two');
    await webapiPost(t.base, admin, 'parameter.set', { name: 'OTHER', value: 'x' });
    assert.deepEqual(await ok('parameter.del', { names: 'MY_PARAM,OTHER,MISSING' }), { deleted: ['MY_PARAM', 'OTHER'] });
    assert.equal(await ok('csv.reread'), true);
    assert.equal(await ok('cfd.reset', { names: '700,Main menu.Main' }), true);
    await refuses([
      ['parameter.get', { name: 'MY_PARAM' }, 404, 'SB_NOT_FOUND'],
      ['parameter.get', { name: 'lower' }, 400, 'SB_VALIDATION'],
      ['parameter.del', { names: 'a,b' }, 400, 'SB_VALIDATION'],
      ['cfd.reset', { names: '799' }, 404, 'SB_NOT_FOUND'],
      ['csv.reread', { x: '1' }, 400, 'SB_VALIDATION'],
      ['parameter.set', {}, 405, 'SB_METHOD_NOT_ALLOWED'],
    ]);
    for (const body of [{ name: 'lower', value: 'x' }, { name: 'X' }, { name: 'X', value: 1 }, 'not json']) {
      assertError(await webapiPost(t.base, admin, 'parameter.set', body), 400, 'SB_VALIDATION', `parameter.set ${JSON.stringify(body)}`);
    }
    const control = (await t.server.control.keys.create('control', 'c')).key;
    await refuses([['parameter.get', { name: 'X' }, 403, 'SB_FORBIDDEN'], ['csv.reread', {}, 403, 'SB_FORBIDDEN']], control);
    assertError(await webapiPost(t.base, read, 'parameter.set', { name: 'X', value: 'y' }), 403, 'SB_FORBIDDEN', 'read key');
    assert.equal((await d().parameters.list({ q: 'X' })).items.filter((p) => p.name === 'X').length, 0, 'nothing was created');
  });
});
