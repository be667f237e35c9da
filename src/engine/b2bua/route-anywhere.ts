// Transfers to a number the router serves — a ring group, queue, IVR, route
// point or park orbit — rather than to an extension's devices: the party
// kept is handed to the router as if it had dialled the number, so queue
// music, the IVR's answer and hunt order all apply (routing README,
// "Transfers to any number"). An outside number goes the way a phone
// dialling it goes: the outbound rule that takes it for the transferring
// extension, its routes in turn, its digits and caller ID.
import { PbxError } from '../../core/errors.ts';
import type { Participant } from '../../core/calls.ts';
import type { OutboundRule } from '../../core/directory/outbound-rule.ts';
import type { DialPlanEntry, ExtensionEntry } from '../routing/dial-plan.ts';
import type { Call } from './call.ts';

export interface RouteAnywhereDeps {
  lookup(number: string): Promise<DialPlanEntry | undefined>;
  extension(number: string): Promise<ExtensionEntry | undefined>;
  /** The outbound rule for `number` dialled by extension `caller` (undefined: the PBX itself). */
  outboundRule(number: string, caller: string | undefined): Promise<OutboundRule | undefined>;
  /** Hands the call to the router (a failure there ends the call). */
  route(call: Call, number: string, from: string): void;
  /** Sends the call out through the outbound rules as dialled by `caller` (a failure there ends the call). */
  external(call: Call, number: string, caller: ExtensionEntry | undefined): void;
  address(number: string, name?: string): string;
  /** The ACD is offering this call to its agents. */
  inQueue(callId: string): boolean;
}

/** Where a transfer's destination leads when it is not an extension's devices. */
export type Onward = { kind: 'routed' } | { kind: 'outside'; caller: ExtensionEntry | undefined };

export class RouteAnywhere {
  constructor(private readonly d: RouteAnywhereDeps) {}

  /**
   * How `number` is reached when `transferor` (the participant handing the
   * call on) transfers to it: by the router (anything in the dial plan but an
   * extension), out through an outbound rule, or undefined (an extension, or
   * nothing: the extension rules answer 404/422). The outbound rule is the
   * one the transferor would get dialling the number itself; a transferor
   * that is no extension (a trunk caller, a route point) is the PBX: only
   * rules without caller restrictions. An extension without allowExternal: 403.
   */
  async onward(number: string, transferor: Participant | undefined): Promise<Onward | undefined> {
    const entry = await this.d.lookup(number);
    if (entry) return entry.kind === 'extension' ? undefined : { kind: 'routed' };
    const caller = transferor?.dnType === 'Extension' ? await this.d.extension(transferor.dn) : undefined;
    if (!(await this.d.outboundRule(number, caller?.number))) return undefined;
    if (caller && !caller.allowExternal) throw new PbxError('SB_FORBIDDEN', `extension ${caller.number} may not call outside numbers`);
    return { kind: 'outside', caller };
  }

  /** Blind transfer: `keep`'s partner leaves (BYE) and the router takes `keep` to `number`. */
  sendOn(call: Call, keep: string, number: string, onward: Onward): void {
    call.detachPartner(keep);
    this.go(call, number, onward, this.fromOf(call, keep));
  }

  /** Divert (or routeto) of a ringing participant: every device of the round stops and the router takes the call to `number`. */
  reroute(call: Call, ringing: string, number: string, onward: Onward): void {
    // The ACD decides whom a queue call rings: only an extension may take over from its agent.
    if (this.d.inQueue(call.id)) throw new PbxError('SB_UNPROCESSABLE', `call ${call.id} is being offered by a queue: divert it to an extension`);
    call.stopRinging(ringing);
    this.go(call, number, onward, this.fromOf(call, call.info().owner));
  }

  private go(call: Call, number: string, onward: Onward, from: string): void {
    if (onward.kind === 'outside') this.d.external(call, number, onward.caller);
    else this.d.route(call, number, from);
  }

  /** The From of the new INVITEs: the party being put through. */
  private fromOf(call: Call, pid: string): string {
    const p = call.participant(pid);
    return this.d.address(p?.partyNumber ?? '', p?.partyName || p?.partyNumber);
  }
}
