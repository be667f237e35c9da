// Bad input per entity: wrong types, unknown fields, overlong strings,
// duplicates and dangling references. Each gets its error code and leaves
// every table exactly as it was.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';

const LONG = 'x'.repeat(5000);

interface Case {
  name: string;
  method: 'POST' | 'PATCH';
  path: string;
  body: unknown;
  status: number;
  code: string;
}

const CASES: Case[] = [
  // extensions
  { name: 'extension: number is not digits', method: 'POST', path: '/extensions', body: { number: 'abc' }, status: 400, code: 'SB_VALIDATION' },
  { name: 'extension: number has the wrong type', method: 'POST', path: '/extensions', body: { number: 150 }, status: 400, code: 'SB_VALIDATION' },
  { name: 'extension: unknown field', method: 'POST', path: '/extensions', body: { number: '150', nickname: 'x' }, status: 400, code: 'SB_VALIDATION' },
  { name: 'extension: overlong name', method: 'POST', path: '/extensions', body: { number: '150', firstName: LONG }, status: 400, code: 'SB_VALIDATION' },
  { name: 'extension: bad recording policy', method: 'POST', path: '/extensions', body: { number: '150', recording: 'sometimes' }, status: 400, code: 'SB_VALIDATION' },
  { name: 'extension: duplicate number', method: 'POST', path: '/extensions', body: { number: '101' }, status: 409, code: 'SB_CONFLICT' },
  { name: 'extension: number taken by a queue', method: 'POST', path: '/extensions', body: { number: '800' }, status: 409, code: 'SB_CONFLICT' },
  { name: 'extension: duplicate SIP auth id', method: 'POST', path: '/extensions', body: { number: '150', authId: '101' }, status: 409, code: 'SB_CONFLICT' },
  { name: 'extension: forwarding to nowhere', method: 'PATCH', path: '/extensions/101', body: { forwarding: [{ profile: 'Away', condition: 'always', destination: { type: 'extension', number: '999' } }] }, status: 422, code: 'SB_BAD_REFERENCE' },
  { name: 'extension: patch of the key', method: 'PATCH', path: '/extensions/101', body: { number: '150' }, status: 400, code: 'SB_VALIDATION' },
  { name: 'extension: patch of a missing one', method: 'PATCH', path: '/extensions/199', body: { firstName: 'x' }, status: 404, code: 'SB_NOT_FOUND' },
  { name: 'extension: body is not JSON', method: 'POST', path: '/extensions', body: '{"number": ', status: 400, code: 'SB_VALIDATION' },
  // extension groups
  { name: 'extension group: role out of range', method: 'POST', path: '/extension-groups', body: { name: 'G', members: [{ extension: '101', role: 9 }] }, status: 400, code: 'SB_VALIDATION' },
  { name: 'extension group: member is no extension', method: 'POST', path: '/extension-groups', body: { name: 'G', members: [{ extension: '555', role: 0 }] }, status: 422, code: 'SB_BAD_REFERENCE' },
  { name: 'extension group: duplicate name', method: 'POST', path: '/extension-groups', body: { name: 'Sales' }, status: 409, code: 'SB_CONFLICT' },
  // ring groups
  { name: 'ring group: strategy unknown', method: 'POST', path: '/ring-groups', body: { number: '610', strategy: 'random' }, status: 400, code: 'SB_VALIDATION' },
  { name: 'ring group: member is no extension', method: 'POST', path: '/ring-groups', body: { number: '610', members: ['101', '555'] }, status: 422, code: 'SB_BAD_REFERENCE' },
  { name: 'ring group: member listed twice', method: 'POST', path: '/ring-groups', body: { number: '610', members: ['101', '101'] }, status: 400, code: 'SB_VALIDATION' },
  { name: 'ring group: duplicate number', method: 'POST', path: '/ring-groups', body: { number: '600' }, status: 409, code: 'SB_CONFLICT' },
  { name: 'ring group: ring time negative', method: 'PATCH', path: '/ring-groups/600', body: { ringTime: -5 }, status: 400, code: 'SB_VALIDATION' },
  // queues
  { name: 'queue: agent is no extension', method: 'PATCH', path: '/queues/800', body: { agents: [{ extension: '102', loggedIn: true }, { extension: '999', loggedIn: true }] }, status: 422, code: 'SB_BAD_REFERENCE' },
  { name: 'queue: manager is no extension', method: 'PATCH', path: '/queues/800', body: { managers: ['999'] }, status: 422, code: 'SB_BAD_REFERENCE' },
  { name: 'queue: polling strategy unknown', method: 'PATCH', path: '/queues/800', body: { pollingStrategy: 'whoever' }, status: 400, code: 'SB_VALIDATION' },
  { name: 'queue: agent twice', method: 'PATCH', path: '/queues/800', body: { agents: [{ extension: '102', loggedIn: true }, { extension: '102', loggedIn: false }] }, status: 400, code: 'SB_VALIDATION' },
  { name: 'queue: no-answer to nowhere', method: 'PATCH', path: '/queues/800', body: { noAnswer: { type: 'extension', number: '4321' } }, status: 422, code: 'SB_BAD_REFERENCE' },
  // IVRs
  { name: 'IVR: bad digit', method: 'POST', path: '/ivrs', body: { number: '710', options: [{ digit: '12', destination: { type: 'none', number: '' } }] }, status: 400, code: 'SB_VALIDATION' },
  { name: 'IVR: option to nowhere', method: 'POST', path: '/ivrs', body: { number: '710', options: [{ digit: '1', destination: { type: 'extension', number: '4321' } }] }, status: 422, code: 'SB_BAD_REFERENCE' },
  { name: 'IVR: digit twice', method: 'POST', path: '/ivrs', body: { number: '710', options: [{ digit: '1', destination: { type: 'hangup', number: '' } }, { digit: '1', destination: { type: 'hangup', number: '' } }] }, status: 400, code: 'SB_VALIDATION' },
  // trunks
  { name: 'trunk: name with a dot', method: 'POST', path: '/trunks', body: { name: 'my.trunk' }, status: 400, code: 'SB_VALIDATION' },
  { name: 'trunk: port out of range', method: 'POST', path: '/trunks', body: { name: 'T2', port: 70000 }, status: 400, code: 'SB_VALIDATION' },
  { name: 'trunk: duplicate name', method: 'POST', path: '/trunks', body: { name: 'Provider' }, status: 409, code: 'SB_CONFLICT' },
  // outbound rules
  { name: 'outbound rule: six routes', method: 'POST', path: '/outbound-rules', body: { name: 'R', priority: 5, routes: Array.from({ length: 6 }, () => ({ trunkId: 1, strip: 0, prepend: '', callerId: '' })) }, status: 400, code: 'SB_VALIDATION' },
  { name: 'outbound rule: route via missing trunk', method: 'POST', path: '/outbound-rules', body: { name: 'R', priority: 5, routes: [{ trunkId: 77, strip: 0, prepend: '', callerId: '' }] }, status: 422, code: 'SB_BAD_REFERENCE' },
  { name: 'outbound rule: missing priority', method: 'POST', path: '/outbound-rules', body: { name: 'R' }, status: 400, code: 'SB_VALIDATION' },
  { name: 'outbound rule: duplicate priority', method: 'POST', path: '/outbound-rules', body: { name: 'R', priority: 10 }, status: 409, code: 'SB_CONFLICT' },
  { name: 'outbound rule: unknown extension group', method: 'POST', path: '/outbound-rules', body: { name: 'R', priority: 5, extGroups: ['Nobody'] }, status: 422, code: 'SB_BAD_REFERENCE' },
  // inbound rules
  { name: 'inbound rule: bad office hours', method: 'POST', path: '/inbound-rules', body: { name: 'I', officeHours: { timeZone: '', weekly: { mon: [{ from: '25:00', to: '26:00' }] }, holidays: [] } }, status: 400, code: 'SB_VALIDATION' },
  { name: 'inbound rule: unknown time zone', method: 'POST', path: '/inbound-rules', body: { name: 'I', officeHours: { timeZone: 'Mars/Olympus', weekly: {}, holidays: [] } }, status: 400, code: 'SB_VALIDATION' },
  { name: 'inbound rule: missing trunk', method: 'POST', path: '/inbound-rules', body: { name: 'I', trunkId: 99 }, status: 422, code: 'SB_BAD_REFERENCE' },
  { name: 'inbound rule: external without number', method: 'POST', path: '/inbound-rules', body: { name: 'I', inHours: { type: 'external', number: '' } }, status: 400, code: 'SB_VALIDATION' },
  // contacts
  { name: 'contact: letters in a phone number', method: 'POST', path: '/contacts', body: { firstName: 'A', mobile: 'call me' }, status: 400, code: 'SB_VALIDATION' },
  { name: 'contact: overlong company', method: 'POST', path: '/contacts', body: { company: LONG }, status: 400, code: 'SB_VALIDATION' },
  { name: 'contact: unknown field', method: 'POST', path: '/contacts', body: { fax: '1' }, status: 400, code: 'SB_VALIDATION' },
  // parameters
  { name: 'parameter: lower-case name', method: 'POST', path: '/parameters', body: { name: 'lower', value: '1' }, status: 400, code: 'SB_VALIDATION' },
  { name: 'parameter: duplicate', method: 'POST', path: '/parameters', body: { name: 'PBX_LANG', value: '1' }, status: 409, code: 'SB_CONFLICT' },
  { name: 'parameter: value not a string', method: 'POST', path: '/parameters', body: { name: 'X', value: 1 }, status: 400, code: 'SB_VALIDATION' },
  // keys
  { name: 'key: unknown role', method: 'POST', path: '/keys', body: { role: 'root' }, status: 400, code: 'SB_VALIDATION' },
];

const TABLES = ['extensions', 'forwarding_rules', 'extension_groups', 'extension_group_members', 'ring_groups', 'ring_group_members', 'queues', 'queue_agents', 'queue_managers', 'ivrs', 'ivr_options', 'trunks', 'outbound_rules', 'outbound_rule_routes', 'inbound_rules', 'contacts', 'parameters', 'api_keys', 'events'];

describe('bad input changes nothing', () => {
  let t: TestServer;
  const snapshot = async (): Promise<string> => {
    const out: Record<string, unknown[]> = {};
    for (const table of TABLES) out[table] = (await t.server.store.db.selectFrom(table as 'extensions').selectAll().execute()) as unknown[];
    return JSON.stringify(out);
  };
  before(async () => {
    t = await startTestServer();
    const k = t.adminKey;
    assert.equal((await api(t.base, k, 'POST', '/api/v1/extension-groups', { name: 'Sales', members: [{ extension: '101', role: 0 }] })).status, 201);
    assert.equal((await api(t.base, k, 'POST', '/api/v1/trunks', { name: 'Provider', host: '192.0.2.1' })).status, 201);
    assert.equal((await api(t.base, k, 'POST', '/api/v1/outbound-rules', { name: 'All', priority: 10, routes: [{ trunkId: 1, strip: 0, prepend: '', callerId: '' }] })).status, 201);
    assert.equal((await api(t.base, k, 'POST', '/api/v1/parameters', { name: 'PBX_LANG', value: 'en' })).status, 201);
  });
  after(async () => t.stop());

  for (const c of CASES) {
    it(c.name, async () => {
      const before = await snapshot();
      const res = await api(t.base, t.adminKey, c.method, `/api/v1${c.path}`, c.body);
      assert.equal(res.status, c.status, JSON.stringify(res.body));
      assert.equal(res.body.code, c.code);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(typeof res.body.detail, 'string');
      assert.equal(await snapshot(), before, 'the database changed');
    });
  }

  it('deleting a number still used as a destination is refused', async () => {
    const before = await snapshot();
    const res = await api(t.base, t.adminKey, 'DELETE', '/api/v1/extensions/100');
    assert.equal(res.status, 409);
    assert.equal(res.body.code, 'SB_IN_USE');
    assert.match(res.body.detail, /ringGroups 600/);
    assert.equal(await snapshot(), before);
  });

  it('a good request after all that still works', async () => {
    const res = await api(t.base, t.adminKey, 'POST', '/api/v1/extensions', { number: '150', firstName: 'Ok' });
    assert.equal(res.status, 201);
    assert.equal(res.body.number, '150');
  });
});
