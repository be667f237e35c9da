// A queue's service level with real phones: callers answered within the
// queue's serviceLevelSeconds count as served in time; one answered after
// waiting longer, and one who hangs up waiting, count against it. The figure
// is in GET /queues/{n}/status and in the queue.updated event.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('queue service level', () => {
  let t: TestServer;
  let p101: Baresip;
  let p102: Baresip;
  const admin = (method: string, path: string, body?: unknown) => api(t.base, t.adminKey, method, path, body);
  const status = async (): Promise<any> => (await admin('GET', '/api/v1/queues/820/status')).body;
  const waiting = (n: number) => eventually(async () => (await status()).waiting.length === n, 10_000, `${String(n)} waiting`);

  before(async () => {
    t = await startTestServer();
    const res = await admin('POST', '/api/v1/queues', { number: '820', name: 'SLA', pollingStrategy: 'hunt', ringTimeout: 10, serviceLevelSeconds: 3, agents: [{ extension: '102', loggedIn: false }] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.serviceLevelSeconds, 3);
    [p101, p102] = await Promise.all([registeredPhone(t, '101', { answermode: 'auto' }), registeredPhone(t, '102', { answermode: 'manual' })]);
  });
  after(async () => {
    for (const p of [p101, p102]) await p?.stop();
    await t?.stop();
  });

  async function callIn(): Promise<void> {
    const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await p101.dial(`sip:820@127.0.0.1:${String(t.sipPort)}`);
    await up;
  }
  /** Armed before the call that rings 102: the ACD may offer it before the caller's own answer is seen. */
  async function agentAnswers(incoming: Promise<unknown>): Promise<void> {
    await incoming;
    const up = p102.waitForType('CALL_ESTABLISHED', 10_000);
    await p102.accept();
    await up;
  }
  async function hangUp(): Promise<void> {
    const closed = p101.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await closed;
    await sleep(300);
  }

  it('starts with no service level; a default of 20 s for queues that do not say', async () => {
    const s = await status();
    assert.equal(s.serviceLevelSeconds, 3);
    assert.equal(s.serviceLevel, null);
    assert.equal(s.answeredInTargetToday, 0);
    assert.equal((await admin('GET', '/api/v1/queues/800')).body.serviceLevelSeconds, 20);
    assert.equal((await admin('PATCH', '/api/v1/queues/820', { serviceLevelSeconds: -1 })).status, 400);
    assert.equal((await admin('GET', '/api/v1/queues/820')).body.serviceLevelSeconds, 3, 'a refused change changes nothing');
  });

  it('a caller answered after more than the target counts as answered, not in target: 0 %', async () => {
    await callIn();
    await waiting(1);
    await sleep(3500);
    const incoming = p102.waitForType('CALL_INCOMING', 10_000);
    assert.equal((await admin('POST', '/api/v1/queues/820/agents/102/login')).status, 204);
    await agentAnswers(incoming);
    const s = await eventually(async () => {
      const x = await status();
      return x.answeredToday === 1 ? x : undefined;
    }, 5000, 'one answered');
    assert.equal(s.answeredInTargetToday, 0);
    assert.equal(s.serviceLevel, 0);
    await hangUp();
  });

  it('a caller answered at once counts in target: 50 %; one who hangs up waiting brings it to 33 %; the event says the same', async () => {
    const since = (await admin('GET', '/api/v1/events?since=0&limit=1')).body.lastSeq as number;
    await eventually(async () => (await status()).agents[0]?.state === 'free', 10_000, '102 free again');
    const incoming = p102.waitForType('CALL_INCOMING', 10_000);
    await callIn();
    await agentAnswers(incoming);
    const s = await eventually(async () => {
      const x = await status();
      return x.answeredToday === 2 ? x : undefined;
    }, 5000, 'two answered');
    assert.equal(s.answeredInTargetToday, 1, JSON.stringify(s));
    assert.equal(s.serviceLevel, 50);
    await hangUp();

    assert.equal((await admin('POST', '/api/v1/queues/820/agents/102/logout')).status, 204);
    await callIn();
    await waiting(1);
    await hangUp();
    const last = await eventually(async () => {
      const x = await status();
      return x.abandonedToday === 1 ? x : undefined;
    }, 5000, 'one abandoned');
    assert.equal(last.serviceLevel, 33);
    const events = ((await admin('GET', `/api/v1/events?since=${String(since)}&limit=1000`)).body.events as any[]).filter((e) => e.type === 'queue.updated' && e.payload.queue === '820');
    assert.equal(events.at(-1)?.payload.serviceLevel, 33);
  });
});
