// An ACD queue for call tests through the admin API: hunt order, agents
// logged in, no wrap-up, and an extension that takes the call when no agent
// answers (src/engine/acd/README.md).
import assert from 'node:assert/strict';
import { api, type TestServer } from './server.ts';

export async function createHuntQueue(t: TestServer, q: { number: string; name: string; agents: string[]; noAnswer: string; ringTimeout?: number }): Promise<void> {
  const res = await api(t.base, t.adminKey, 'POST', '/api/v1/queues', {
    number: q.number,
    name: q.name,
    pollingStrategy: 'hunt',
    ringTimeout: q.ringTimeout ?? 10,
    masterTimeout: 60,
    wrapUpTime: 0,
    agents: q.agents.map((extension) => ({ extension, loggedIn: true })),
    noAnswer: { type: 'extension', number: q.noAnswer },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
}

/** Queue 850 "Support": ring-all over 102 and 103 (both logged in), 105 its manager — the queue-manager tests' fixture. */
export async function createManagedQueue(t: TestServer): Promise<void> {
  const res = await api(t.base, t.adminKey, 'POST', '/api/v1/queues', {
    number: '850',
    name: 'Support',
    pollingStrategy: 'ringAll',
    agents: [{ extension: '102', loggedIn: true }, { extension: '103', loggedIn: true }],
    managers: ['105'],
    noAnswer: { type: 'none', number: '' },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
}
