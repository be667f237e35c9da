// Seed 003 §2.3.3 `queue` and §2.3.4 `qmember` frames from the ACD's events,
// §2.3.5 `cmember` from the conference rooms',
// and the one mapping from our agent states to the seed's m_status numbers
// (§2.4: 0 unknown, 1 free, 2 talking, 3 busy, 4 invalid, 5 unavailable,
// 6 ringing, 7 ringing while busy, 8 on hold). Values are strings, as in the
// seed's examples.
import type { AgentState, QueueAgentStatus, QueueStatus } from '../../core/queue-status.ts';
import type { Site } from './render.ts';
import type { EventPayloads } from '../../core/events.ts';

export const AGENT_STATUS_VALUES: Readonly<Record<AgentState, number>> = {
  // A logged-out agent's phone may be idle; it is the pause that says it takes no calls.
  loggedOut: 1,
  unavailable: 5,
  free: 1,
  ringing: 6,
  busy: 2,
  // Resting after a call: idle phone, paused with the reason "wrap-up".
  wrapUp: 1,
};

/** The name a queue goes by in frames: its name, else its number. */
export const queuePeer = (queue: string, name: string): string => name || queue;

/** `queue`: how many callers wait; said when that number changes. */
export function renderQueueFrame(s: Pick<QueueStatus, 'queue' | 'name'> & { waiting: { length: number } }): object {
  return { queue: { peer: queuePeer(s.queue, s.name), calls: String(s.waiting.length) } };
}

/**
 * Seed 003 §2.3.5 cmember: a caller joining (add) or leaving (remove) a
 * conference room. The room has no name of its own: its number is the name.
 * The channel is named like the CDR's (`SIP/NAME-101-0000002a`), numbered by
 * the member's call.
 */
export function renderCmember(m: EventPayloads['conference.member'], site: Site): object {
  const seq = /^\d+$/.test(m.callId) ? Number(m.callId).toString(16).padStart(8, '0') : m.callId;
  return {
    cmember: {
      channel: `SIP/${site.pbxName}-${m.participant.partyNumber || m.participant.dn}-${seq}`,
      action: m.action,
      conference: m.conference,
      callerIDName: m.participant.partyName,
      callerIDNum: m.participant.partyNumber,
    },
  };
}

export function renderQmember(a: QueueAgentStatus, site: Site): object {
  const paused = a.state === 'loggedOut' || a.state === 'wrapUp';
  return {
    qmember: {
      peer: `${site.pbxName}-${a.extension}`,
      queue: queuePeer(a.queue, a.queueName),
      m_status: String(AGENT_STATUS_VALUES[a.state]),
      m_ct: String(a.answeredToday),
      // Agents are the queue's configured list (3CX's model), so static; log-in is the pause.
      m_mbshp: 'static',
      m_paused: paused ? '1' : '0',
      m_reason: a.state === 'loggedOut' ? 'logged out' : a.state === 'wrapUp' ? 'wrap-up' : '',
      m_name: a.name,
      m_location: `SIP/${site.pbxName}-${a.extension}`,
    },
  };
}
