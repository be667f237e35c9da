// The live state of an ACD queue, as the `queue.updated` and `queue.agent`
// events and GET /api/v1/queues/{n}/status show it (a wallboard's data).

/**
 * An agent as the queue sees it:
 * - loggedOut: logged out of this queue or globally;
 * - unavailable: logged in but disabled, on DND or with no registered phone;
 * - free: would be offered the next call;
 * - ringing: being offered a queue call;
 * - busy: in a call (a queue call or any other);
 * - wrapUp: resting after a queue call (the queue's wrapUpTime).
 */
export const AGENT_STATES = ['loggedOut', 'unavailable', 'free', 'ringing', 'busy', 'wrapUp'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export interface QueueAgentStatus {
  queue: string;
  queueName: string;
  extension: string;
  name: string;
  state: AgentState;
  /** Logged in to this queue (the queue's agents list). */
  loggedIn: boolean;
  /** Logged in to queues at all (the extension's queueGlobalLoggedIn). */
  globalLoggedIn: boolean;
  /** Calls this agent answered from this queue today (PBX time zone). */
  answeredToday: number;
  /** Seconds talked on this queue's calls today. */
  talkSecondsToday: number;
  /** End of the wrap-up, while in wrapUp. */
  wrapUpUntil: string | null;
}

export interface WaitingCaller {
  callId: string;
  /** 1 = next to be served. */
  position: number;
  callerNumber: string;
  callerName: string;
  since: string;
  waitSeconds: number;
}

export interface QueueStatus {
  queue: string;
  name: string;
  pollingStrategy: string;
  waiting: WaitingCaller[];
  longestWaitSeconds: number;
  /** How many agents are in each state. */
  agentCounts: Record<AgentState, number>;
  agents: QueueAgentStatus[];
  /** Today (PBX time zone): callers an agent answered, callers who hung up waiting, callers sent on to the no-answer destination. */
  answeredToday: number;
  abandonedToday: number;
  timedOutToday: number;
  /** The queue's target answer time (serviceLevelSeconds). */
  serviceLevelSeconds: number;
  /** Callers answered today within that target. */
  answeredInTargetToday: number;
  /**
   * Service level today, whole percent: answered within the target of all
   * callers who left the queue (answered, abandoned, timed out); null before the first.
   */
  serviceLevel: number | null;
}
