// Which agents a waiting caller is offered, and in which order: the polling
// strategies of 3CX queues (3CX admin manual, "Queues → Polling strategy").
// A pure function of the queue's agent list, who is available now and each
// agent's counters today, so every strategy is unit-tested without a call.
//
// The answer is a list of rounds; each round rings its agents at once for the
// queue's ring timeout, then the next round starts. When the rounds are used
// up the queue service asks again (the master timeout bounds the whole wait).
import type { POLLING_STRATEGIES } from '../../core/directory/queue.ts';

export type PollingStrategy = (typeof POLLING_STRATEGIES)[number];

/** An agent's counters, for the strategies that compare agents. */
export interface AgentCounters {
  /** Calls answered from this queue today. */
  answered: number;
  /** Seconds talked on queue calls today. */
  talkSeconds: number;
  /** When the agent's last queue call ended (ms), or when it became available; 0 = never. */
  idleSince: number;
}

export interface StrategyInput {
  strategy: PollingStrategy;
  /** The queue's agents, in the queue's list order (its priority order). */
  agents: readonly string[];
  /** The agents that may be offered a call now (enabled, registered, logged in, free). */
  available: ReadonlySet<string>;
  counters: (extension: string) => AgentCounters;
  /** Round robin: the agent offered (and answering) most recently in this queue. */
  lastAgent?: string | undefined;
  /** For huntRandomStart: an integer in [0, n). */
  random?: (n: number) => number;
}

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

const one = (agents: readonly string[]): string[][] => agents.map((a) => [a]);

/** `agents` rotated to start at `start`. */
const rotated = (agents: readonly string[], start: number): string[] => [...agents.slice(start), ...agents.slice(0, start)];

/** Stable sort by a key, the list order breaking ties. */
function byKey(agents: readonly string[], order: readonly string[], key: (a: string) => number): string[] {
  return [...agents].sort((a, b) => key(a) - key(b) || order.indexOf(a) - order.indexOf(b));
}

/** The rounds of ringing for one caller, by the queue's strategy. */
export function offerRounds(input: StrategyInput): string[][] {
  const { agents, available, counters } = input;
  const free = agents.filter((a) => available.has(a));
  if (free.length === 0) return [];
  switch (input.strategy) {
    // Prioritized hunt: one agent at a time, in the list's order.
    case 'hunt':
      return one(free);
    // Ring all: every available agent at once.
    case 'ringAll':
      return [free];
    // Hunt from a random agent, then on in list order, wrapping round.
    case 'huntRandomStart': {
      const random = input.random ?? ((n: number) => Math.floor(Math.random() * n));
      return one(rotated(free, random(free.length)));
    }
    // Round robin ("next agent"): start after the agent who had the last call.
    case 'nextAgent': {
      const last = input.lastAgent === undefined ? -1 : agents.indexOf(input.lastAgent);
      const after = rotated(agents, last + 1).filter((a) => available.has(a));
      return one(after);
    }
    // The agent who has been idle longest first.
    case 'longestWaiting':
      return one(byKey(free, agents, (a) => counters(a).idleSince));
    // The agent with the least talk time today first.
    case 'leastTalkTime':
      return one(byKey(free, agents, (a) => counters(a).talkSeconds));
    // The agent who answered the fewest calls today first.
    case 'fewestAnswered':
      return one(byKey(free, agents, (a) => counters(a).answered));
    // Hunt by threes: agents 1–3 of the list ring together, then 4–6, …; unavailable ones are left out of their three.
    case 'huntBy3s':
      return chunks(agents, 3)
        .map((group) => group.filter((a) => available.has(a)))
        .filter((group) => group.length > 0);
    // The first three available agents ring together (then the next three).
    case 'first3Available':
      return chunks(free, 3);
  }
}
