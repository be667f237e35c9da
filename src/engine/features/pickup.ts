// Call pickup: answering, from one's own phone, a call that rings another
// extension. Directed pickup (`**` + extension) takes the call ringing that
// extension; group pickup (`*8`) a call ringing any fellow member of one of
// the picker's ring groups, the one that has rung longest. The PBX answers
// the picker's call, then the picker moves into the ringing call as its
// answering party (Call.pickUp): the ringing phones stop (CANCEL), the
// caller gets its 200 OK. Nothing to pick up: 404. Calls the ACD is
// offering to agents are not taken (the queue decides who answers them).
import type { Call } from '../b2bua/call.ts';
import { answeringPbxEnd } from '../b2bua/local-leg.ts';

export interface PickupDeps {
  calls(): Iterable<Call>;
  /** The other members of every ring group `extension` belongs to. */
  groupMates(extension: string): Promise<Set<string>>;
  /** A call the ACD is serving (its agents ring for the queue, not for themselves). */
  inQueue(callId: string): boolean;
}

/** How long the PBX end of the picker's call may take to answer (it answers at once). */
const ANSWER_WAIT_SECONDS = 10;

/** The call ringing one of `dns` (not the picker's own), the longest-ringing first. */
function ringingCall(calls: Iterable<Call>, dns: Set<string>, picker: Call, deps: PickupDeps): Call | undefined {
  let found: Call | undefined;
  for (const c of calls) {
    if (c === picker || c.isEnded || c.calleeParticipant || deps.inQueue(c.id)) continue;
    let rings = false;
    for (const p of c.participantsNow()) if (p.direction === 'outbound' && p.dnType === 'Extension' && p.status === 'Ringing' && dns.has(p.dn)) rings = true;
    if (rings && (!found || c.startedAt < found.startedAt)) found = c;
  }
  return found;
}

/** The router's hop for a pickup code; `target` is the extension of a directed pickup, undefined for the group's. */
export async function pickUp(call: Call, target: string | undefined, deps: PickupDeps): Promise<void> {
  const picker = call.participant(call.info().owner);
  if (!picker || picker.dnType !== 'Extension') return call.fail(403, 'FAILED');
  const dns = target !== undefined ? new Set([target]) : await deps.groupMates(picker.dn);
  dns.delete(picker.dn);
  if (!ringingCall(deps.calls(), dns, call, deps)) return call.fail(404, 'FAILED');
  const outcome = await call.ringStep([{ party: { dn: call.dialled, dnType: 'Unknown', number: call.dialled, name: 'Pickup' }, target: answeringPbxEnd() }], ANSWER_WAIT_SECONDS, '', '');
  const pbxEnd = call.calleeParticipant;
  if (!outcome.answered || !pbxEnd) return;
  // Looked up again: the call may have been answered or given up meanwhile.
  const ringing = ringingCall(deps.calls(), dns, call, deps);
  if (!ringing) return call.hangup('api');
  ringing.pickUp(call, pbxEnd.id);
}
