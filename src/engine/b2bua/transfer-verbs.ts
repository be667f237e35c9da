// The verbs that send a party of a live call somewhere else: blind transfer
// (API and a phone's REFER, RFC 3515), attended transfer (consult, complete,
// seed 000 join, REFER with Replaces, RFC 3891), seed 001 transferto, routeto
// and divert. Each is a short function over the Call's own moves
// (transfer, tryAlternative, addRoute, divert, replaceEnd) and RouteAnywhere
// for destinations that are not an extension's devices.
import type { Logger } from 'pino';
import type { CallInfo } from '../../core/calls.ts';
import { PbxError } from '../../core/errors.ts';
import { PARK_CODE } from '../routing/feature-codes.ts';
import type { ParkingLot } from '../features/park.ts';
import type { Call } from './call.ts';
import type { ReferRequest } from './call-events.ts';
import type { ExtensionReach } from './extension-reach.ts';
import type { RouteAnywhere } from './route-anywhere.ts';

export interface TransferVerbsDeps {
  /** The live call `callId` (with `participantId` in it, when given); SB_NOT_FOUND otherwise. */
  call(callId: string, participantId?: string): Call;
  /** Every live call. */
  calls(): Iterable<Call>;
  reach: ExtensionReach;
  anywhere: RouteAnywhere;
  parking: ParkingLot;
  /** Click-to-call: the consultation call of an attended transfer is one. */
  makeCall(from: string, to: string, device?: string): Promise<CallInfo>;
  logger: Logger;
}

export class TransferVerbs {
  constructor(private readonly d: TransferVerbsDeps) {}

  /**
   * Blind transfer (API, and a phone's REFER): the participant is sent to
   * `destination` (an extension, any number of the dial plan, or an outside
   * number as the party leaving would dial it); the party it talked to leaves.
   */
  async blindTransfer(callId: string, participantId: string, destination: string): Promise<void> {
    const call = this.d.call(callId, participantId);
    const partner = call.partnerOf(participantId);
    // Transferred to the park code: the party kept waits in an orbit, the transferor leaves.
    if (destination === PARK_CODE && partner) return void (await this.d.parking.park(call, partner.id));
    const onward = await this.d.anywhere.onward(destination, partner);
    if (onward) return this.d.anywhere.sendOn(call, participantId, destination, onward);
    await call.transfer(participantId, ...(await this.d.reach.destination(call, participantId, destination)));
  }

  /**
   * Consultation for an attended transfer (API): the participant's partner
   * is put on hold and the participant's own phone places a second call to
   * `destination` (ringing that device first, as makeCall does).
   */
  async consult(callId: string, participantId: string, destination: string): Promise<CallInfo> {
    const call = this.d.call(callId, participantId);
    const partner = call.partnerOf(participantId);
    const p = call.participant(participantId);
    if (!partner || !p) throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is not connected`);
    if (p.dnType !== 'Extension') throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is not an extension`);
    await this.d.reach.destination(call, participantId, destination);
    if (partner.status !== 'Held') await call.hold(partner.id);
    return this.d.makeCall(p.dn, destination, p.device);
  }

  /**
   * Completes an attended transfer (API): `participantId` in `callId` and the
   * same extension's participant in `consultCallId` leave; their partners
   * talk to each other.
   */
  async attendedTransfer(callId: string, participantId: string, consultCallId: string): Promise<void> {
    const call = this.d.call(callId, participantId);
    const consult = this.d.call(consultCallId);
    const dn = call.participant(participantId)?.dn;
    const mine = consult.info().participants.find((q) => q.dn === dn && consult.partnerOf(q.id) !== undefined);
    if (!mine) throw new PbxError('SB_UNPROCESSABLE', `extension ${String(dn)} is not connected in call ${consultCallId}`);
    await call.replaceEnd(participantId, consult, mine.id);
  }

  /**
   * Seed 000 `join`: the extension has exactly two connected calls; they are
   * joined and the extension leaves both (completing an attended transfer).
   */
  async join(extension: string): Promise<CallInfo> {
    const mine: [Call, string][] = [];
    for (const c of this.d.calls()) {
      for (const p of c.info().participants) if (p.dn === extension && c.partnerOf(p.id)) mine.push([c, p.id]);
    }
    if (mine.length !== 2) throw new PbxError('SB_UNPROCESSABLE', `extension ${extension} has ${String(mine.length)} connected calls, join needs exactly 2`);
    const [[a, pa], [b, pb]] = mine as [[Call, string], [Call, string]];
    await a.replaceEnd(pa, b, pb);
    return a.info();
  }

  /**
   * Seed 001 transferto: the participant's partner is held while
   * `destination` rings; when it answers it takes the participant's place;
   * when it does not, the two are back together and this rejects with 424.
   */
  async transferTo(callId: string, participantId: string, destination: string): Promise<void> {
    const call = this.d.call(callId, participantId);
    const partner = call.partnerOf(participantId);
    if (!partner) throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is not connected`);
    // A queue, IVR, group or outside number: the partner goes there as by a blind transfer (no way back once it is routed).
    const onward = await this.d.anywhere.onward(destination, call.participant(participantId));
    if (onward) return this.d.anywhere.sendOn(call, partner.id, destination, onward);
    const { result } = await call.tryAlternative(participantId, ...(await this.d.reach.destination(call, partner.id, destination)), true);
    await result;
  }

  /**
   * Seed 001 routeto: a ringing participant keeps ringing and `destination`
   * rings too; a connected one keeps talking until `destination` answers and
   * takes its place. Returns once the destination rings.
   */
  async routeTo(callId: string, participantId: string, destination: string): Promise<void> {
    const call = this.d.call(callId, participantId);
    const partner = call.partnerOf(participantId);
    const onward = await this.d.anywhere.onward(destination, call.participant(participantId));
    if (onward) return partner ? this.d.anywhere.sendOn(call, partner.id, destination, onward) : this.d.anywhere.reroute(call, participantId, destination, onward);
    if (!partner) {
      await call.addRoute(participantId, ...(await this.d.reach.destination(call, call.info().owner, destination)));
      return;
    }
    const { result } = await call.tryAlternative(participantId, ...(await this.d.reach.destination(call, partner.id, destination)), false);
    result.catch((err: unknown) => this.d.logger.info({ err, call: callId }, 'routeto: the destination did not answer'));
  }

  /** Divert a ringing participant's call to another extension (seed 001 divert). */
  async divert(callId: string, participantId: string, destination: string): Promise<void> {
    const call = this.d.call(callId, participantId);
    const onward = await this.d.anywhere.onward(destination, call.participant(participantId));
    if (onward) return this.d.anywhere.reroute(call, participantId, destination, onward);
    const dest = await this.d.reach.destination(call, call.info().owner, destination);
    await call.divert(participantId, ...dest);
  }

  /**
   * A phone's REFER (RFC 3515). Blind: its partner goes to the target.
   * With Replaces (RFC 3891, attended transfer): the referrer's other call —
   * the dialog Replaces names — is joined with this one and the referrer
   * leaves both; the NOTIFY goes first, as the referrer's dialogs then end.
   */
  referred(call: Call, refer: ReferRequest): void {
    const refuse = (err: unknown): void => refer.refuse(err instanceof PbxError && (err.status === 404 || err.status === 403) ? err.status : 480);
    if (refer.replaces) {
      const d = refer.replaces;
      const other = [...this.d.calls()].find((c) => c !== call && c.participantByDialog(d));
      const theirs = other?.participantByDialog(d);
      if (!other || !theirs) return refer.refuse(481);
      refer.accept();
      call.replaceEnd(refer.by, other, theirs.id).catch((err: unknown) => this.d.logger.warn({ err, call: call.id }, 'attended transfer by REFER failed'));
      return;
    }
    const partner = call.partnerOf(refer.by);
    if (!partner) return refer.refuse(481);
    this.blindTransfer(call.id, partner.id, refer.target).then(() => refer.accept(), refuse);
  }
}
