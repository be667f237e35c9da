// Ring groups: the members' phones rung one member at a time in list order
// (hunt, 3CX "prioritized hunt"), all at once (ringAll), or all at once with
// auto-answer hints (paging: phones that honour them open an intercom). A
// member is skipped when disabled, on DND or without a reachable device.
import type { RingGroupEntry } from '../routing/dial-plan.ts';
import type { RingOutcome, RingTarget } from '../b2bua/call-ends.ts';
import type { Call } from '../b2bua/call.ts';

export interface RingGroupDeps {
  /** The devices of a member that may be rung now, each with the member's party. */
  memberTargets(number: string): Promise<RingTarget[]>;
  from: string;
  to: string;
  /** Auto-answer hints (Call-Info answer-after=0, Alert-Info) for paging. */
  autoAnswerHeaders: [string, string][];
}

/** Rings the group; resolves with the last round's outcome (answered, or why not). */
export async function ringGroup(call: Call, group: RingGroupEntry, deps: RingGroupDeps): Promise<RingOutcome> {
  const noOne: RingOutcome = { answered: false, status: 480, disposition: 'NO ANSWER', callEnded: false };
  if (group.strategy === 'hunt') {
    let last: RingOutcome = noOne;
    for (const member of group.members) {
      const targets = await deps.memberTargets(member);
      if (targets.length === 0) continue;
      last = await call.ringStep(targets, group.ringTime, deps.from, deps.to);
      if (last.answered || last.callEnded) return last;
    }
    return last;
  }
  const targets = (await Promise.all(group.members.map((m) => deps.memberTargets(m)))).flat();
  if (targets.length === 0) return noOne;
  return call.ringStep(targets, group.ringTime, deps.from, deps.to, group.strategy === 'paging' ? deps.autoAnswerHeaders : []);
}
