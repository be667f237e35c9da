// Transfers to a number the router serves — a ring group, queue, IVR, route
// point or park orbit — rather than to an extension's devices: the party
// kept is handed to the router as if it had dialled the number, so queue
// music, the IVR's answer and hunt order all apply (routing README,
// "Transfers to any number").
import { PbxError } from '../../core/errors.ts';
import type { DialPlanEntry } from '../routing/dial-plan.ts';
import type { Call } from './call.ts';

export interface RouteAnywhereDeps {
  lookup(number: string): Promise<DialPlanEntry | undefined>;
  /** Hands the call to the router (a failure there ends the call). */
  route(call: Call, number: string, from: string): void;
  address(number: string, name?: string): string;
  /** The ACD is offering this call to its agents. */
  inQueue(callId: string): boolean;
}

export class RouteAnywhere {
  constructor(private readonly d: RouteAnywhereDeps) {}

  /** Whether the router serves `number` (anything in the dial plan but an extension). */
  async routed(number: string): Promise<boolean> {
    const entry = await this.d.lookup(number);
    return entry !== undefined && entry.kind !== 'extension';
  }

  /** Blind transfer: `keep`'s partner leaves (BYE) and the router takes `keep` to `number`. */
  sendOn(call: Call, keep: string, number: string): void {
    call.detachPartner(keep);
    this.d.route(call, number, this.fromOf(call, keep));
  }

  /** Divert (or routeto) of a ringing participant: every device of the round stops and the router takes the call to `number`. */
  reroute(call: Call, ringing: string, number: string): void {
    // The ACD decides whom a queue call rings: only an extension may take over from its agent.
    if (this.d.inQueue(call.id)) throw new PbxError('SB_UNPROCESSABLE', `call ${call.id} is being offered by a queue: divert it to an extension`);
    call.stopRinging(ringing);
    this.d.route(call, number, this.fromOf(call, call.info().owner));
  }

  /** The From of the new INVITEs: the party being put through. */
  private fromOf(call: Call, pid: string): string {
    const p = call.participant(pid);
    return this.d.address(p?.partyNumber ?? '', p?.partyName || p?.partyNumber);
  }
}
