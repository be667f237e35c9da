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
