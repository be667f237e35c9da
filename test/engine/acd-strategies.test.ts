// The nine polling strategies as pure functions: which agents each of N
// successive calls is offered, table-driven (issue 7), with busy and
// logged-out agents left out; and the agent states and the CloudPBX
// m_status mapping.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { offerRounds, type AgentCounters, type PollingStrategy } from '../../src/engine/acd/strategies.ts';
import { POLLING_STRATEGIES } from '../../src/core/directory/queue.ts';
import { AgentBook } from '../../src/engine/acd/agent-state.ts';
import { agentState, queueStatus, type AgentRow, type LiveFacts } from '../../src/engine/acd/queue-snapshot.ts';
import { AGENT_STATUS_VALUES, renderQmember, renderQueueFrame } from '../../src/api/cloudpbx/queue-frames.ts';
import { AGENT_STATES } from '../../src/core/queue-status.ts';

const agents = ['201', '202', '203', '204', '205', '206', '207'];
const all = new Set(agents);
const zero: AgentCounters = { answered: 0, talkSeconds: 0, idleSince: 0 };
const rounds = (strategy: PollingStrategy, extra: Partial<Parameters<typeof offerRounds>[0]> = {}): string[][] =>
  offerRounds({ strategy, agents, available: all, counters: () => zero, ...extra });

describe('ACD polling strategies', () => {
  it('hunt: one at a time in list order, skipping the unavailable', () => {
    assert.deepEqual(rounds('hunt', { available: new Set(['203', '201', '206']) }), [['201'], ['203'], ['206']]);
  });

  it('ringAll: every available agent in one round', () => {
    assert.deepEqual(rounds('ringAll', { available: new Set(['202', '205']) }), [['202', '205']]);
  });

  it('huntRandomStart: from a random available agent on, wrapping round', () => {
    assert.deepEqual(rounds('huntRandomStart', { available: new Set(['201', '202', '203']), random: (n) => (assert.equal(n, 3), 2) }), [['203'], ['201'], ['202']]);
  });

  it('nextAgent (round robin): successive calls start after the last agent who answered', () => {
    const three = ['201', '202', '203'];
    const offered: string[] = [];
    let last: string | undefined;
    for (let call = 0; call < 5; call++) {
      const r = offerRounds({ strategy: 'nextAgent', agents: three, available: new Set(three), counters: () => zero, lastAgent: last });
      offered.push(r[0]![0]!);
      last = r[0]![0]!; // the first offered answers
    }
    assert.deepEqual(offered, ['201', '202', '203', '201', '202']);
    // The agent after the last one is busy: the next available one after it.
    assert.deepEqual(offerRounds({ strategy: 'nextAgent', agents: three, available: new Set(['201', '202']), counters: () => zero, lastAgent: '202' }), [['201'], ['202']]);
  });

  it('longestWaiting, leastTalkTime, fewestAnswered: ordered by their counter, list order breaking ties', () => {
    const c: Record<string, AgentCounters> = {
      '201': { answered: 5, talkSeconds: 300, idleSince: 3000 },
      '202': { answered: 1, talkSeconds: 900, idleSince: 1000 },
      '203': { answered: 1, talkSeconds: 100, idleSince: 2000 },
    };
    const input = { agents: ['201', '202', '203'], available: new Set(['201', '202', '203']), counters: (e: string) => c[e]! };
    assert.deepEqual(offerRounds({ strategy: 'longestWaiting', ...input }), [['202'], ['203'], ['201']]);
    assert.deepEqual(offerRounds({ strategy: 'leastTalkTime', ...input }), [['203'], ['201'], ['202']]);
    assert.deepEqual(offerRounds({ strategy: 'fewestAnswered', ...input }), [['202'], ['203'], ['201']]);
  });

  it('fewestAnswered over N successive calls spreads them evenly', () => {
    const three = ['201', '202', '203'];
    const answered = new Map(three.map((e) => [e, 0]));
    const offered: string[] = [];
    for (let call = 0; call < 6; call++) {
      const first = offerRounds({ strategy: 'fewestAnswered', agents: three, available: new Set(three), counters: (e) => ({ ...zero, answered: answered.get(e)! }) })[0]![0]!;
      offered.push(first);
      answered.set(first, answered.get(first)! + 1);
    }
    assert.deepEqual(offered, ['201', '202', '203', '201', '202', '203']);
  });

  it('huntBy3s: the list in threes; the unavailable are left out of their three', () => {
    assert.deepEqual(rounds('huntBy3s'), [['201', '202', '203'], ['204', '205', '206'], ['207']]);
    assert.deepEqual(rounds('huntBy3s', { available: new Set(['202', '204', '205', '206', '207']) }), [['202'], ['204', '205', '206'], ['207']]);
  });

  it('first3Available: the first three available at once, then the next three', () => {
    assert.deepEqual(rounds('first3Available', { available: new Set(['202', '204', '205', '206', '207']) }), [['202', '204', '205'], ['206', '207']]);
  });

  it('every strategy: nobody available, no rounds; an unavailable agent is never offered', () => {
    for (const s of POLLING_STRATEGIES) {
      assert.deepEqual(rounds(s, { available: new Set() }), [], s);
      const r = rounds(s, { available: new Set(['201', '203']) }).flat();
      assert.ok(r.length > 0 && r.every((e) => e === '201' || e === '203'), `${s}: ${r.join()}`);
    }
  });
});

describe('ACD agent states', () => {
  const row = (number: string, over: Partial<AgentRow> = {}): AgentRow => ({ number, firstName: 'Agent', lastName: number, enabled: true, dnd: false, queueGlobalLoggedIn: true, ...over });
  let now = Date.parse('2026-12-02T10:00:00Z');
  const book = new AgentBook('UTC', () => now, () => undefined);
  const facts = (over: Partial<LiveFacts> = {}): LiveFacts => ({
    extensions: new Map([
      ['201', row('201')],
      ['202', row('202', { queueGlobalLoggedIn: false })],
      ['203', row('203', { dnd: true })],
      ['204', row('204')],
    ]),
    registered: (e) => e !== '204',
    busy: new Set(),
    book,
    now,
    ...over,
  });

  it('logged out (queue or global), unavailable (DND, unregistered), free, ringing, busy, wrap-up', () => {
    assert.equal(agentState({ extension: '201', loggedIn: false }, facts()), 'loggedOut');
    assert.equal(agentState({ extension: '202', loggedIn: true }, facts()), 'loggedOut');
    assert.equal(agentState({ extension: '203', loggedIn: true }, facts()), 'unavailable');
    assert.equal(agentState({ extension: '204', loggedIn: true }, facts()), 'unavailable');
    assert.equal(agentState({ extension: '201', loggedIn: true }, facts()), 'free');
    assert.equal(agentState({ extension: '201', loggedIn: true }, facts({ busy: new Set(['201']) })), 'busy');
    book.offering(['201'], 'c1');
    assert.equal(agentState({ extension: '201', loggedIn: true }, facts()), 'ringing');
    book.offerEnded(['201'], 'c1');
    book.startWrapUp('201', 30);
    assert.equal(agentState({ extension: '201', loggedIn: true }, facts()), 'wrapUp');
    now += 31_000;
    assert.equal(agentState({ extension: '201', loggedIn: true }, facts()), 'free');
    book.close();
  });

  it('a snapshot counts agents by state and numbers the waiting callers', () => {
    book.answered('800', '201', true);
    book.abandoned('800');
    const s = queueStatus(
      { number: '800', name: 'Sales', pollingStrategy: 'hunt', serviceLevelSeconds: 20, agents: [{ extension: '201', loggedIn: true }, { extension: '203', loggedIn: true }, { extension: '202', loggedIn: true }] },
      [{ callId: '7', callerNumber: '101', callerName: 'Ada', since: now - 12_000 }, { callId: '8', callerNumber: '102', callerName: '', since: now - 3000 }],
      facts(),
    );
    assert.deepEqual(s.agentCounts, { loggedOut: 1, unavailable: 1, free: 1, ringing: 0, busy: 0, wrapUp: 0 });
    assert.deepEqual(s.waiting.map((w) => [w.callId, w.position, w.waitSeconds]), [['7', 1, 12], ['8', 2, 3]]);
    assert.equal(s.longestWaitSeconds, 12);
    assert.equal(s.answeredToday, 1);
    assert.equal(s.abandonedToday, 1);
    assert.equal(s.answeredInTargetToday, 1);
    assert.equal(s.serviceLevel, 50, 'one of the two callers who left was answered in time');
    assert.equal(s.agents[0]!.answeredToday, 1);
    assert.deepEqual(renderQueueFrame(s), { queue: { peer: 'Sales', calls: '2' } });
    assert.deepEqual(renderQmember(s.agents[0]!, { pbxName: 'PBX' } as never), {
      qmember: { peer: 'PBX-201', queue: 'Sales', m_status: '1', m_ct: '1', m_mbshp: 'static', m_paused: '0', m_reason: '', m_name: 'Agent 201', m_location: 'SIP/PBX-201' },
    });
    assert.equal((renderQmember(s.agents[2]!, { pbxName: 'PBX' } as never) as { qmember: { m_paused: string; m_reason: string } }).qmember.m_paused, '1');
  });

  it('m_status: every state maps to a seed 003 §2.4 agent number', () => {
    assert.deepEqual(AGENT_STATES.map((s) => AGENT_STATUS_VALUES[s]), [1, 5, 1, 6, 2, 1]);
    for (const s of AGENT_STATES) assert.ok(AGENT_STATUS_VALUES[s] >= 0 && AGENT_STATUS_VALUES[s] <= 8);
  });
});
