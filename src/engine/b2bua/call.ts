// Transfers of a call's ends, as features and the APIs drive them: blind
// transfer of either end, attended transfer and join (an end moves in from
// another call, relay leg and all), seed 001's transferto and routeto (a
// destination tried while the end stays), divert of a ringing participant.
import { PbxError } from '../../core/errors.ts';
import type { AudioOffer } from './sdp-media.ts';
import type { UacTarget } from './uac-leg.ts';
import type { LocalTarget } from './local-leg.ts';
import type { Alternative, CallParty, End, Fork } from './call-ends.ts';
import { MutingCall } from './muting-call.ts';

export class Call extends MutingCall {
  /**
   * Blind transfer: `keep` (a connected participant) is sent to new targets;
   * its partner leaves (BYE), the targets ring, and the first to answer talks
   * to `keep` on its unchanged media leg (no re-INVITE: the relay keeps its port).
   */
  async transfer(keep: string, callee: CallParty, targets: (UacTarget | LocalTarget)[], ringSeconds: number, from: string, to: string): Promise<void> {
    this.detachPartner(keep);
    await this.ring(callee, targets, ringSeconds, from, to);
  }

  /**
   * The first half of a blind transfer: `keep`'s partner leaves (BYE) and
   * `keep` waits, unbridged, for whatever rings next (a feature or the
   * router: a transfer to a ring group, a queue, an IVR, a park orbit).
   */
  detachPartner(keep: string): void {
    this.requireIdle();
    const end = this.endOf(keep);
    if (end !== this.callerEnd) this.swapEnds();
    const old = this.requireTalking();
    this.setState('Transferring');
    this.media.unbridge(this.callerEnd.mediaId);
    this.removeEnd(old);
    this.busySeen = false;
    this.ringing = true;
  }

  /** No transfer may start while another is being tried. */
  private requireIdle(): End {
    const winner = this.requireTalking();
    this.requireUnmixed();
    if (this.alternative) throw new PbxError('SB_UNPROCESSABLE', `call ${this.id} is already being transferred`);
    return winner;
  }

  /**
   * Takes a connected end out of this call to move it into another, which
   * then adopts its relay leg. The call is not over until finishRelease().
   */
  private release(participantId: string): End {
    this.requireIdle();
    const end = this.endOf(participantId);
    end.unlisten?.();
    this.media.unbridge(end.mediaId);
    this.leave(end.participant);
    return end;
  }

  /** After release(): the end left behind is hung up and the call ends answered. */
  private finishRelease(released: End): void {
    const other = this.ends().find((e) => e !== released);
    if (other) {
      other.unlisten?.();
      other.leg.bye();
    }
    this.end('ANSWERED');
  }

  /**
   * Attended transfer and join (seed 000 `join`): `replaced` (here) and
   * `donorPid` (in `donor`) are the same person's two calls. That person
   * leaves both; their partners talk to each other in this call. The donor's
   * partner keeps its SIP dialog and its relay port, which moves into this
   * call's relay, so neither phone needs a re-INVITE unless it was held.
   */
  async replaceEnd(replaced: string, donor: Call, donorPid: string): Promise<void> {
    if (donor === this) throw new PbxError('SB_UNPROCESSABLE', 'a call cannot be joined with itself');
    this.requireIdle();
    const out = this.endOf(replaced);
    const partner = donor.partnerOf(donorPid);
    if (!partner) throw new PbxError('SB_UNPROCESSABLE', `participant ${donorPid} of call ${donor.id} is not connected`);
    if (out === this.callerEnd) this.swapEnds();
    const old = this.requireTalking();
    const moving = donor.release(partner.id);
    this.removeEnd(old);

    const mediaId = `callee${String(this.nextMedia++)}`;
    this.media.adopt(donor.media, moving.mediaId, mediaId);
    const p = moving.participant;
    const participant = this.addParticipant({ dn: p.dn, dnType: p.dnType, number: p.partyNumber, name: p.partyName }, p.device, p.direction, 'Connected');
    const end: End = { participant, mediaId, leg: moving.leg };
    this.winner = end;
    this.listenTo(end);
    this.media.bridge(this.callerEnd.mediaId, mediaId);
    donor.finishRelease(moving);
    this.setState('Talking');
    this.resumeHeldByUs();
  }

  /**
   * Call pickup: this call still rings and no one has answered; the picker —
   * `donorPid`'s partner in `donor`, a call the PBX answered for it — answers
   * it instead. The ringing devices are cancelled (RFC 3261 §9.1), the
   * picker's relay leg moves in as in replaceEnd (no re-INVITE), and the
   * caller gets its 200 OK now. `donor` ends ANSWERED.
   */
  pickUp(donor: Call, donorPid: string): void {
    if (donor === this) throw new PbxError('SB_UNPROCESSABLE', 'a call cannot pick itself up');
    if (this.ended || this.winner || this.alternative || this.forks.length === 0) throw new PbxError('SB_UNPROCESSABLE', `call ${this.id} is not ringing`);
    const partner = donor.partnerOf(donorPid);
    if (!partner) throw new PbxError('SB_UNPROCESSABLE', `participant ${donorPid} of call ${donor.id} is not connected`);
    const moving = donor.release(partner.id);
    this.abandonRinging();
    const mediaId = `callee${String(this.nextMedia++)}`;
    this.media.adopt(donor.media, moving.mediaId, mediaId);
    const p = moving.participant;
    const end: End = { participant: this.addParticipant({ dn: p.dn, dnType: p.dnType, number: p.partyNumber, name: p.partyName }, p.device, 'outbound', 'Connected'), mediaId, leg: moving.leg };
    this.winner = end;
    this.listenTo(end);
    this.media.bridge(this.callerEnd.mediaId, mediaId);
    this.answeredAt ??= this.now();
    this.caller.answer(this.media.answerSdp(this.callerEnd.mediaId));
    this.setStatus(this.callerEnd.participant, 'Connected');
    this.setState('Talking');
    donor.finishRelease(moving);
    const done = this.stepDone;
    this.stepDone = undefined;
    done?.({ answered: true });
  }

  /**
   * Tries `targets` for a connected participant (seed 001): `transferto`
   * holds its partner meanwhile and fails back to the call (424) when no
   * target answers; `routeto` lets the two talk on until a target answers.
   * The answering target takes the participant's place. Returns once the
   * targets ring; `result` settles when one answered or all failed.
   */
  async tryAlternative(participantId: string, callee: CallParty, targets: UacTarget[], ringSeconds: number, from: string, to: string, holdPartner: boolean): Promise<{ result: Promise<void> }> {
    this.requireIdle();
    const replaced = this.endOf(participantId);
    const partner = this.ends().find((e) => e !== replaced)!;
    if (holdPartner && partner.participant.status !== 'Held') await this.setHeld(partner.participant.id, true);
    this.requireIdle();
    let settle!: (err?: PbxError) => void;
    const result = new Promise<void>((resolve, reject) => {
      settle = (err) => (err ? reject(err) : resolve());
    });
    result.catch(() => undefined);
    const alt: Alternative = { replaced, forks: [], ringSeconds, timer: setTimeout(() => this.alternativeFailed(), ringSeconds * 1000), settle };
    this.alternative = alt;
    this.setState('Transferring');
    for (const target of targets) {
      const fork = await this.newFork(callee, target, from, to, partner.mediaId);
      if (!fork) break;
      if (this.alternative === alt) alt.forks.push(fork);
      else if (this.winner === undefined) this.forks.push(fork); // handed over meanwhile: it rings for the partner
      else {
        // Another target answered meanwhile.
        fork.leg.cancel();
        this.dropFork(fork);
      }
    }
    return { result };
  }

  protected alternativeAnswered(fork: Fork, sdp: AudioOffer | undefined): void {
    const alt = this.alternative!;
    this.alternative = undefined;
    clearTimeout(alt.timer);
    for (const other of alt.forks) {
      if (other === fork) continue;
      other.leg.cancel();
      this.dropFork(other);
    }
    if (sdp) this.media.setRemote(fork.mediaId, sdp);
    if (alt.replaced === this.callerEnd) this.swapEnds();
    this.media.unbridge(this.callerEnd.mediaId);
    this.removeEnd(this.winner!);
    this.winner = fork;
    this.forks = [fork];
    this.media.bridge(this.callerEnd.mediaId, fork.mediaId);
    this.setStatus(fork.participant, 'Connected');
    this.setState('Talking');
    this.resumeHeldByUs();
    alt.settle();
  }

  protected alternativeForkFailed(fork: Fork): void {
    const alt = this.alternative!;
    alt.forks = alt.forks.filter((f) => f !== fork);
    this.dropFork(fork);
    if (alt.forks.length === 0) this.alternativeFailed();
  }

  /** No target answered: the participant is back in the call as it was. */
  protected alternativeFailed(): void {
    const alt = this.alternative;
    if (!alt || this.ended) return;
    this.alternative = undefined;
    clearTimeout(alt.timer);
    for (const f of alt.forks) {
      f.leg.cancel();
      this.dropFork(f);
    }
    this.setState('Talking');
    this.resumeHeldByUs();
    alt.settle(new PbxError('SB_DESTINATION_FAILED', 'no target answered; the participant is back in the call'));
  }

  /**
   * The participant being replaced left (hung up, or an app dropped it, as a
   * route-point bot does after routeto): its partner stays and waits for the
   * targets, as after a blind transfer.
   */
  protected handOver(): void {
    const alt = this.alternative!;
    this.alternative = undefined;
    clearTimeout(alt.timer);
    if (alt.replaced === this.callerEnd) this.swapEnds();
    this.media.unbridge(this.callerEnd.mediaId);
    this.removeEnd(this.winner!);
    this.forks = alt.forks;
    this.busySeen = false;
    this.ringing = true;
    clearTimeout(this.noAnswerTimer);
    this.noAnswerTimer = setTimeout(() => this.noAnswer(), alt.ringSeconds * 1000);
    if (this.forks.length === 0) this.finish('FAILED', 480);
    else if (this.forks.some((f) => f.participant.status === 'Ringing')) this.startRingback();
    alt.settle();
  }

  /** Seed 001 routeto on a participant still ringing: ring the targets too; the first to answer wins. */
  async addRoute(participantId: string, callee: CallParty, targets: UacTarget[], ringSeconds: number, from: string, to: string): Promise<void> {
    const p = this.participants.get(participantId);
    if (!p) throw new PbxError('SB_NOT_FOUND', `participant ${participantId} is not in call ${this.id}`);
    if (this.ended || this.winner || p.direction !== 'outbound') throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is not ringing`);
    await this.ring(callee, targets, ringSeconds, from, to);
  }

  /**
   * Drops one participant (API): a ringing fork among others stops ringing;
   * the participant being replaced by a transfer hands over; anyone else
   * ends the call.
   */
  drop(participantId: string): void {
    if (!this.participants.has(participantId)) throw new PbxError('SB_NOT_FOUND', `participant ${participantId} is not in call ${this.id}`);
    if (this.dropMember(participantId)) return;
    const alt = this.alternative;
    if (alt?.replaced.participant.id === participantId) return this.handOver();
    const altFork = alt?.forks.find((f) => f.participant.id === participantId);
    if (altFork) return altFork.leg.cancel();
    const fork = this.winner ? undefined : this.forks.find((f) => f.participant.id === participantId);
    if (fork && this.forks.length > 1) return fork.leg.cancel();
    this.hangup('api');
  }

  /**
   * Divert to a number the router serves (ring group, queue, IVR): every
   * device of the round stops ringing and the feature that rang them is
   * told the call has left it, so the router can take it on afresh.
   */
  stopRinging(participantId: string): void {
    const p = this.participants.get(participantId);
    if (!p) throw new PbxError('SB_NOT_FOUND', `participant ${participantId} is not in call ${this.id}`);
    if (this.ended || this.winner || p.direction !== 'outbound') throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is not ringing`);
    this.abandonRinging();
    this.setState('Rerouting');
    const done = this.stepDone;
    this.stepDone = undefined;
    done?.({ answered: false, status: 487, disposition: 'NO ANSWER', callEnded: true });
  }

  /**
   * Divert (seed 001): the call is still ringing `participantId`; stop ringing
   * every device of that number and ring the new targets instead.
   */
  async divert(participantId: string, callee: CallParty, targets: UacTarget[], ringSeconds: number, from: string, to: string): Promise<void> {
    const p = this.participants.get(participantId);
    if (!p) throw new PbxError('SB_NOT_FOUND', `participant ${participantId} is not in call ${this.id}`);
    if (this.ended || this.winner || p.direction !== 'outbound') throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is not ringing`);
    const old = this.forks.filter((f) => f.participant.dn === p.dn);
    this.forks = this.forks.filter((f) => !old.includes(f));
    this.setState('Rerouting');
    for (const f of old) {
      f.leg.cancel();
      f.unlisten?.();
      this.leave(f.participant);
      this.media.remove(f.mediaId);
    }
    await this.ring(callee, targets, ringSeconds, from, to);
  }
}
