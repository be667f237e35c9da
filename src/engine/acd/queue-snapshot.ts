// A queue's live state from what the directory says (who is an agent, who is
// logged in, enabled, on DND), what the registrar knows (registered phones),
// the live calls (who is busy) and the queue service's own book (ringing,
// wrap-up, today's counters). One function decides an agent's state, so the
// strategies, the statistics events and every API agree on who is free.
import type { Queue } from '../../core/directory/queue.ts';
import { AGENT_STATES, type AgentState, type QueueAgentStatus, type QueueStatus, type WaitingCaller } from '../../core/queue-status.ts';
import type { AgentBook } from './agent-state.ts';

/** The fields of an extension row the queue looks at. */
export interface AgentRow {
  number: string;
  firstName: string;
  lastName: string;
  enabled: boolean;
  dnd: boolean;
  queueGlobalLoggedIn: boolean;
}

export interface LiveFacts {
  extensions: ReadonlyMap<string, AgentRow>;
  /** Whether an extension has a reachable registered phone. */
  registered: (extension: string) => boolean;
  /** Extensions taking part in a live call. */
  busy: ReadonlySet<string>;
  book: AgentBook;
  now: number;
}

export function agentState(agent: { extension: string; loggedIn: boolean }, facts: LiveFacts): AgentState {
  const ext = facts.extensions.get(agent.extension);
  if (!ext || !agent.loggedIn || !ext.queueGlobalLoggedIn) return 'loggedOut';
  if (facts.book.isRinging(agent.extension)) return 'ringing';
  if (facts.busy.has(agent.extension)) return 'busy';
  if (facts.book.wrapUpUntil(agent.extension) !== undefined) return 'wrapUp';
  if (!ext.enabled || ext.dnd || !facts.registered(agent.extension)) return 'unavailable';
  return 'free';
}

export function agentStatus(queue: Pick<Queue, 'number' | 'name'>, agent: { extension: string; loggedIn: boolean }, facts: LiveFacts): QueueAgentStatus {
  const ext = facts.extensions.get(agent.extension);
  const state = agentState(agent, facts);
  const counters = facts.book.agentCounters(queue.number, agent.extension);
  const until = state === 'wrapUp' ? facts.book.wrapUpUntil(agent.extension) : undefined;
  return {
    queue: queue.number,
    queueName: queue.name,
    extension: agent.extension,
    name: ext ? `${ext.firstName} ${ext.lastName}`.trim() : '',
    state,
    loggedIn: agent.loggedIn,
    globalLoggedIn: ext?.queueGlobalLoggedIn ?? false,
    answeredToday: counters.answered,
    talkSecondsToday: counters.talkSeconds,
    wrapUpUntil: until === undefined ? null : new Date(until).toISOString(),
  };
}

export interface Waiter {
  callId: string;
  callerNumber: string;
  callerName: string;
  since: number;
}

export function queueStatus(queue: Pick<Queue, 'number' | 'name' | 'pollingStrategy' | 'agents' | 'serviceLevelSeconds'>, waiters: readonly Waiter[], facts: LiveFacts): QueueStatus {
  const agents = queue.agents.map((a) => agentStatus(queue, a, facts));
  const agentCounts = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<AgentState, number>;
  for (const a of agents) agentCounts[a.state]++;
  const waiting: WaitingCaller[] = waiters.map((w, i) => ({
    callId: w.callId,
    position: i + 1,
    callerNumber: w.callerNumber,
    callerName: w.callerName,
    since: new Date(w.since).toISOString(),
    waitSeconds: Math.max(0, Math.floor((facts.now - w.since) / 1000)),
  }));
  const counts = facts.book.queueCounters(queue.number);
  const left = counts.answered + counts.abandoned + counts.timedOut;
  return {
    queue: queue.number,
    name: queue.name,
    pollingStrategy: queue.pollingStrategy,
    waiting,
    longestWaitSeconds: waiting.reduce((m, w) => Math.max(m, w.waitSeconds), 0),
    agentCounts,
    agents,
    answeredToday: counts.answered,
    abandonedToday: counts.abandoned,
    timedOutToday: counts.timedOut,
    serviceLevelSeconds: queue.serviceLevelSeconds,
    answeredInTargetToday: counts.answeredInTarget,
    serviceLevel: left === 0 ? null : Math.round((counts.answeredInTarget / left) * 100),
  };
}

/** What makes two snapshots different news (wait seconds tick on their own and are left out). */
export function statusKey(s: QueueStatus): string {
  return JSON.stringify({ ...s, waiting: s.waiting.map((w) => w.callId), longestWaitSeconds: 0, agents: s.agents.map((a) => [a.extension, a.state]) });
}

export function agentKey(a: QueueAgentStatus): string {
  return JSON.stringify(a);
}
