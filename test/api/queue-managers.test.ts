// A queue's managers (seed 000 queue.managers) in the native API: a key bound
// to a manager extension sees the queue's status and logs its agents in and
// out; a key bound to an agent logs only itself; a key bound to any other
// extension is refused (403) and changes nothing; a key bound to no
// extension (an operator's) keeps every right.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { createManagedQueue } from '../helpers/queues.ts';

interface Status {
  agents: { extension: string; state: string }[];
}

describe('queue managers', () => {
  let t: TestServer;
  const keyOf: Record<string, string> = {};
  const as = (who: string, method: string, path: string) => api(t.base, keyOf[who], method, path);
  const loggedIn = async (agent: string): Promise<boolean> => {
    const q = await api(t.base, t.adminKey, 'GET', '/api/v1/queues/850');
    return ((q.body as { agents: { extension: string; loggedIn: boolean }[] }).agents.find((a) => a.extension === agent)?.loggedIn) === true;
  };

  before(async () => {
    t = await startTestServer();
    await createManagedQueue(t);
    for (const ext of ['103', '104', '105']) {
      const k = await api(t.base, t.adminKey, 'POST', '/api/v1/keys', { role: 'control', label: `ext ${ext}`, extension: ext });
      assert.equal(k.status, 201, JSON.stringify(k.body));
      keyOf[ext] = k.body.key as string;
    }
    keyOf.operator = (await t.server.control.keys.create('control', 'operator')).key;
  });
  after(() => t?.stop());

  it('the manager (105) sees the queue and logs an agent out and in', async () => {
    const s = await as('105', 'GET', '/api/v1/queues/850/status');
    assert.equal(s.status, 200, JSON.stringify(s.body));
    assert.deepEqual((s.body as Status).agents.map((a) => a.extension).sort(), ['102', '103']);
    assert.equal((await as('105', 'POST', '/api/v1/queues/850/agents/103/logout')).status, 204);
    assert.equal(await loggedIn('103'), false);
    const after = (await as('105', 'GET', '/api/v1/queues/850/status')).body as Status;
    assert.equal(after.agents.find((a) => a.extension === '103')?.state, 'loggedOut');
    assert.equal((await as('105', 'POST', '/api/v1/queues/850/agents/103/login')).status, 204);
    assert.equal(await loggedIn('103'), true);
  });

  it('an extension that is neither manager nor that agent (104) is refused and changes nothing', async () => {
    const s = await as('104', 'GET', '/api/v1/queues/850/status');
    assert.equal(s.status, 403, JSON.stringify(s.body));
    assert.equal(s.body.code, 'SB_FORBIDDEN');
    assert.equal((await as('104', 'POST', '/api/v1/queues/850/agents/102/logout')).status, 403);
    assert.equal(await loggedIn('102'), true, '102 still logged in');
    assert.equal((await as('104', 'POST', '/api/v1/extensions/102/queues/logout')).status, 403, 'nor all of 102\'s queues');
  });

  it('an agent (103) logs only itself in and out, and does not see the queue', async () => {
    assert.equal((await as('103', 'POST', '/api/v1/queues/850/agents/103/logout')).status, 204);
    assert.equal(await loggedIn('103'), false);
    assert.equal((await as('103', 'POST', '/api/v1/queues/850/agents/103/login')).status, 204);
    assert.equal(await loggedIn('103'), true);
    assert.equal((await as('103', 'POST', '/api/v1/queues/850/agents/102/logout')).status, 403);
    assert.equal(await loggedIn('102'), true);
    assert.equal((await as('103', 'GET', '/api/v1/queues/850/status')).status, 403);
    assert.equal((await as('103', 'POST', '/api/v1/extensions/103/queues/logout')).status, 204, 'its own global log-out');
    assert.equal((await as('103', 'POST', '/api/v1/extensions/103/queues/login')).status, 204);
  });

  it('a key bound to no extension keeps every right', async () => {
    assert.equal((await as('operator', 'GET', '/api/v1/queues/850/status')).status, 200);
    assert.equal((await as('operator', 'POST', '/api/v1/queues/850/agents/102/logout')).status, 204);
    assert.equal(await loggedIn('102'), false);
    assert.equal((await as('operator', 'POST', '/api/v1/queues/850/agents/102/login')).status, 204);
    assert.equal((await as('operator', 'GET', '/api/v1/queues/999/status')).status, 404);
  });
});
