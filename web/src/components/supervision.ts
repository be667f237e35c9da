// Supervisors on a call card. The API's participant carries no mixer mode, so
// a supervisor is told apart by position (any live extension beyond the call's
// two ends: the owner and the first other party), and the mode shown is the
// one this tab last asked for (unknown after a reload: every verb is offered).
import type { ApiClient } from '../api/client.ts';
import type { CallInfo, Participant } from '../api/types.ts';

export const SUPERVISE = [
  ['barge', 'Barge', 'Join the call: everyone hears the supervisor', 'barged in'],
  ['listen', 'Listen', 'Listen in: nobody hears the supervisor', 'listening'],
  ['whisper', 'Whisper', 'Coach the agent: only the called extension hears the supervisor', 'whispering'],
] as const;

export type SuperviseVerb = (typeof SUPERVISE)[number][0];

/**
 * Rings `extension` into the call in that mode; for a supervisor already in
 * the call the same verb switches its mode (no second leg). Whisper goes to
 * the server's default party, the agent.
 */
export async function supervise(client: ApiClient, callId: string, verb: SuperviseVerb, extension: string): Promise<void> {
  await client.post(`/calls/${callId}/${verb}`, { extension });
}

const byId = (a: Participant, b: Participant): number => a.id.localeCompare(b.id, 'en', { numeric: true });

/** The call's two ends (owner first) and the supervisors mixed in beside them. */
export function splitParticipants(call: CallInfo): { ends: Participant[]; supervisors: Participant[] } {
  const live = call.participants.filter((p) => p.status !== 'Ended').sort(byId);
  if (live.length <= 2) return { ends: live, supervisors: [] };
  const owner = live.find((p) => p.id === call.owner);
  const ends = owner ? [owner, ...live.filter((p) => p !== owner).slice(0, 1)] : live.slice(0, 2);
  return { ends, supervisors: live.filter((p) => !ends.includes(p) && p.dnType === 'Extension') };
}
