// Polling strategies over real calls (issue 7 "queue with 3 agents per
// strategy"): three auto-answering baresip agents, 101 calls the queue N
// times in a row, and the agent who answers each call is the one the
// strategy names. Also a full queue (maxCallers) sends the next caller to the
// no-answer destination at once, without answering it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';

interface CallBody {
  id: string;
  state: string;
  participants: { dn: string; status: string; direction: string }[];
}

describe('ACD strategies with real calls', () => {
  let t: TestServer;
  let p101: Baresip;
  const agents: Baresip[] = [];
  const admin = (method: string, path: string, body?: unknown) => api(t.base, t.adminKey, method, path, body);
  const calls = async (): Promise<CallBody[]> => (await admin('GET', '/api/v1/calls')).body as CallBody[];
  const queue = async (number: string, over: Record<string, unknown>): Promise<void> => {
    const res = await admin('POST', '/api/v1/queues', {
      number,
      name: `Q${number}`,
      ringTimeout: 5,
      masterTimeout: 30,
      wrapUpTime: 0,
      agents: ['102', '103', '104'].map((extension) => ({ extension, loggedIn: true })),
      noAnswer: { type: 'hangup', number: '' },
      ...over,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  /** 101 calls the queue; returns the agent who answered, after the call ended. */
  const oneCall = async (number: string): Promise<string> => {
    await p101.dial(`sip:${number}@127.0.0.1:${String(t.sipPort)}`);
    const talking = await eventually(async () => (await calls()).find((c) => c.state === 'Talking'), 15_000, `a call to ${number} is answered`);
    const agent = talking.participants.find((p) => p.direction === 'outbound' && p.status === 'Connected')!.dn;
    await p101.hangup();
    await eventually(async () => (await calls()).length === 0, 10_000, 'the call ended');
    return agent;
  };
  const successive = async (number: string, n: number): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await oneCall(number));
    return out;
  };

  before(async () => {
    t = await startTestServer();
    p101 = await registeredPhone(t, '101', { answermode: 'auto' });
    for (const ext of ['102', '103', '104']) agents.push(await registeredPhone(t, ext, { answermode: 'auto' }));
  });
  after(async () => {
    for (const p of [p101, ...agents]) await p?.stop();
    await t?.stop();
  });

  it('hunt: every call goes to the first agent in the list', { timeout: 60_000 }, async () => {
    await queue('820', { pollingStrategy: 'hunt' });
    assert.deepEqual(await successive('820', 2), ['102', '102']);
  });

  it('click-to-call into a queue: 101 answers, waits in the queue, the agent answers', { timeout: 60_000 }, async () => {
    const res = await admin('POST', '/api/v1/calls', { from: '101', to: '820' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const talking = await eventually(async () => (await calls()).find((c) => c.state === 'Talking'), 15_000, 'the placed call is answered by an agent');
    assert.deepEqual(talking.participants.filter((p) => p.status === 'Connected').map((p) => p.dn).sort(), ['101', '102']);
    await p101.hangup();
    await eventually(async () => (await calls()).length === 0, 10_000, 'the call ended');
  });

  it('nextAgent (round robin): 102, 103, 104, then 102 again', { timeout: 60_000 }, async () => {
    await queue('821', { pollingStrategy: 'nextAgent' });
    assert.deepEqual(await successive('821', 4), ['102', '103', '104', '102']);
  });

  it('fewestAnswered: each agent once before anyone twice', { timeout: 60_000 }, async () => {
    await queue('822', { pollingStrategy: 'fewestAnswered' });
    assert.deepEqual(await successive('822', 3), ['102', '103', '104']);
    const s = (await admin('GET', '/api/v1/queues/822/status')).body as { answeredToday: number; agents: { extension: string; answeredToday: number }[] };
    assert.equal(s.answeredToday, 3);
    assert.deepEqual(s.agents.map((a) => a.answeredToday), [1, 1, 1]);
  });

  it('longestWaiting: the agent idle longest first (their last calls ended 102, 103, 104)', { timeout: 60_000 }, async () => {
    await queue('823', { pollingStrategy: 'longestWaiting' });
    assert.deepEqual(await successive('823', 3), ['102', '103', '104']);
  });

  it('a queue at maxCallers sends the next caller to the no-answer destination without answering it', { timeout: 60_000 }, async () => {
    // 105 has no phone: 101 waits in 824; 102 calling 824 then goes to 103.
    await queue('824', { pollingStrategy: 'hunt', maxCallers: 1, agents: [{ extension: '105', loggedIn: true }], noAnswer: { type: 'extension', number: '103' } });
    const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await p101.dial(`sip:824@127.0.0.1:${String(t.sipPort)}`);
    await up;
    await eventually(async () => ((await admin('GET', '/api/v1/queues/824/status')).body as { waiting: unknown[] }).waiting.length === 1, 5000, '101 waits');
    const reached = agents[1]!.waitForType('CALL_ESTABLISHED', 10_000);
    await agents[0]!.dial(`sip:824@127.0.0.1:${String(t.sipPort)}`);
    await reached;
    const second = await eventually(async () => (await calls()).find((c) => c.state === 'Talking' && c.participants.some((p) => p.dn === '102')), 5000, '102 talks to 103');
    assert.ok(second.participants.some((p) => p.dn === '103' && p.status === 'Connected'));
    const s = (await admin('GET', '/api/v1/queues/824/status')).body as { waiting: { callerNumber: string }[]; timedOutToday: number };
    assert.deepEqual(s.waiting.map((w) => w.callerNumber), ['101'], 'only 101 waits');
    assert.equal(s.timedOutToday, 1);
    await agents[0]!.hangup();
    await p101.hangup();
    await eventually(async () => (await calls()).length === 0, 10_000, 'no calls left');
    const after = await eventually(async () => {
      const st = (await admin('GET', '/api/v1/queues/824/status')).body as { abandonedToday: number; waiting: unknown[] };
      return st.waiting.length === 0 ? st : undefined;
    }, 3000, '101 no longer waits');
    assert.equal(after.abandonedToday, 1, '101 hung up waiting');
  });
});
