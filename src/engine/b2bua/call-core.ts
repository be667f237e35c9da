// A call's shape through the B2BUA: the caller's end, the participants the
// APIs see, the media between the ends, hold, REFER intake, hang-up and the
// end. Once answered a call is two ends of the same kind (an End:
// participant, relay leg, SIP leg), so either end can be held, replaced or
// moved into another call. call-base.ts adds the ringing (forks, rounds,
// answer); call.ts the transfers.
import { EventEmitter } from 'node:events';
import type { CallDirection, CallInfo, CallState, Disposition, Participant, ParticipantStatus, Supervision } from '../../core/calls.ts';
import { createResponse, reasonPhrase, type SipRequest } from '../../sip/message/index.ts';
import { PbxError } from '../../core/errors.ts';
import type { ServerTransaction } from '../../sip/transaction/index.ts';
import type { MediaRelay, LegStats } from '../../media/relay.ts';
import { CallMedia } from './call-media.ts';
import { readAudio, answerDirection, type AudioOffer, type Codec } from './sdp-media.ts';
import type { LegContext } from './leg-context.ts';
import { dialogMatches } from './dialog-leg.ts';
import { LocalLeg } from './local-leg.ts';
import { parseReferTo, type ReplacesDialog } from './refer-to.ts';
import type { CallEvents } from './call-events.ts';
import { answeredCaller, type Alternative, type CallerSide, type CallParty, type End, type Fork, type RingOutcome } from './call-ends.ts';

export abstract class CallCore extends EventEmitter<CallEvents> {
  state: CallState = 'Initiating';
  readonly startedAt: number;
  answeredAt: number | undefined;
  protected readonly participants = new Map<string, Participant>();
  protected forks: Fork[] = [];
  protected callerEnd: End;
  protected winner: End | undefined;
  /** The fork whose 183 with SDP the caller is bridged to while it rings. */
  protected earlyMedia: Fork | undefined;
  protected readonly media: CallMedia;
  protected alternative: Alternative | undefined;
  protected ended = false;
  protected ringing = false;
  protected busySeen = false;
  protected noAnswerTimer: NodeJS.Timeout | undefined;
  /** Set while a feature waits for a round of ringing (ringStep) instead of the call ending on failure. */
  protected stepDone: ((outcome: RingOutcome) => void) | undefined;
  protected nextParticipant = 1;
  protected nextMedia = 0;
  /** The PBX itself answered the caller (an IVR): the call counts as answered whatever follows. */
  protected answeredByPbx = false;
  /** Why the call failed, when it did (for the CDR and the caller's response). */
  protected failure: { status: number; disposition: Disposition } | undefined;

  constructor(
    readonly id: string,
    readonly direction: CallDirection,
    protected readonly ctx: LegContext,
    relay: MediaRelay,
    protected caller: CallerSide,
    callerParty: CallParty,
    callerDevice: string,
    callerOffer: AudioOffer | undefined,
    readonly dialled: string,
    readonly did: string,
    protected readonly now: () => number = Date.now,
  ) {
    super();
    this.startedAt = now();
    this.media = new CallMedia(relay, ctx.host, Number(id.replace(/\D/g, '').slice(-6)) || 1);
    this.callerEnd = { participant: this.addParticipant(callerParty, callerDevice, 'inbound', 'Dialing'), mediaId: 'caller', leg: caller };
    if (callerOffer) this.media.offered('caller', callerOffer);
    this.listenTo(this.callerEnd);
    relay.on('dtmf', (legId: string, digit: string, durationMs: number) => {
      const p = this.ends().find((e) => e.mediaId === legId)?.participant;
      if (p) this.emit('dtmf', p.id, digit, durationMs);
    });
  }

  /** The caller's codecs we can relay; an offer without G.711 cannot be served. */
  get callerCodecs(): Codec[] {
    return this.codecsOf(this.callerEnd.mediaId);
  }

  protected codecsOf(mediaId: string): Codec[] {
    return (this.media.remote(mediaId)?.codecs ?? []).map((c) => c.codec);
  }

  /** The caller's side told us something; the B2BUA wires these to its events. */
  callerCancelled(): void {
    this.finish('NO ANSWER', 487);
  }

  /** For a placed call: the originator's phone answered with this SDP on the relay port it was offered. */
  originatorAnswered(offer: AudioOffer, device: string, port: number): void {
    this.media.offered(this.callerEnd.mediaId, offer);
    this.media.knownPort(this.callerEnd.mediaId, port);
    this.callerEnd.participant.device = device;
    this.setStatus(this.callerEnd.participant, 'Connected');
  }

  /** For a placed call: the originator's phone rings. */
  originatorRinging(): void {
    this.setStatus(this.callerEnd.participant, 'Ringing');
  }

  info(): CallInfo {
    return {
      id: this.id,
      direction: this.direction,
      state: this.state,
      startedAt: new Date(this.startedAt).toISOString(),
      answeredAt: this.answeredAt === undefined ? null : new Date(this.answeredAt).toISOString(),
      did: this.did,
      owner: this.callerEnd.participant.id,
      participants: [...this.participants.values()].map((p) => ({ ...p })),
    };
  }

  participant(id: string): Participant | undefined {
    return this.participants.get(id);
  }

  /** The participants as they are (not copies: for reading only). */
  participantsNow(): IterableIterator<Participant> {
    return this.participants.values();
  }

  /** The connected ends: the caller and, once answered, the winner. */
  protected ends(): End[] {
    return this.winner ? [this.callerEnd, this.winner] : [this.callerEnd];
  }

  protected listenTo(end: End): void {
    end.unlisten?.();
    end.unlisten = end.leg.listen({
      ended: () => this.endHungUp(end),
      reinvite: (r, tx) => this.endReinvite(end, r, tx),
      request: (r, tx) => this.endRequest(end, r, tx),
    });
  }

  protected addParticipant(party: CallParty, device: string, direction: 'inbound' | 'outbound', status: ParticipantStatus, supervision?: Supervision): Participant {
    const p: Participant = {
      id: `${this.id}.${String(this.nextParticipant++)}`,
      callId: this.id,
      dn: party.dn,
      dnType: party.dnType,
      device,
      partyNumber: party.number,
      partyName: party.name,
      status,
      direction,
      muted: false,
      ...(supervision ? { supervision } : {}),
    };
    this.participants.set(p.id, p);
    this.emit('participant', { ...p });
    return p;
  }

  protected setStatus(p: Participant, status: ParticipantStatus): void {
    if (p.status === status) return;
    p.status = status;
    this.emit('participant', { ...p });
  }

  protected leave(p: Participant): void {
    this.participants.delete(p.id);
    this.setStatus(p, 'Ended');
  }

  protected setState(state: CallState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('changed', this.info());
  }

  /** A fork that lost or was given up: gone from the call, media and all. */
  protected dropFork(fork: Fork): void {
    fork.unlisten?.();
    this.leave(fork.participant);
    this.media.remove(fork.mediaId);
  }

  /** Whoever we put on hold while a transfer was tried hears the new partner. */
  protected resumeHeldByUs(): void {
    for (const e of this.ends()) {
      if (this.media.isHeldByUs(e.mediaId)) this.setHeld(e.participant.id, false).catch(() => undefined);
    }
  }

  /** Ends a call before it was answered, or refuses it outright. */
  fail(status: number, disposition: Disposition): void {
    this.finish(disposition, status);
  }

  protected finish(disposition: Disposition, status: number): void {
    if (this.ended) return;
    if (this.answeredByPbx) disposition = 'ANSWERED';
    this.failure = { status, disposition };
    for (const f of this.forks) f.leg.bye();
    if (this.answeredAt !== undefined) this.caller.bye();
    else if (status === 487) this.caller.reject(487, 'Request Terminated');
    else this.caller.reject(status);
    this.caller.close();
    this.end(disposition);
  }

  /** An end's phone hung up: BYE the other. */
  protected endHungUp(end: End): void {
    if (this.ended) return;
    if (this.alternative?.replaced === end) return this.handOver();
    if (end === this.callerEnd) return this.hangup('caller');
    if (end === this.winner) return this.hangup('callee');
    // A fork that never won cannot have a dialog to hang up.
  }

  /** One side hung up (or the API dropped it): BYE the other. */
  hangup(by: 'caller' | 'callee' | 'api'): void {
    if (this.ended) return;
    if (!this.winner) {
      if (by === 'caller') this.finish('NO ANSWER', 487);
      else this.finish('FAILED', 480);
      return;
    }
    if (by !== 'caller') this.caller.bye();
    if (by !== 'callee') this.winner.leg.bye();
    this.end('ANSWERED');
  }

  /**
   * The two ends trade places: the winner becomes the caller end. Transfer
   * and join work on "keep the caller end, replace the other", so this lets
   * them act on either end.
   */
  protected swapEnds(): void {
    const winner = this.winner;
    if (!winner) return;
    const old = this.callerEnd;
    this.callerEnd = winner;
    this.caller = answeredCaller(winner.leg);
    this.winner = old;
    this.forks = [];
  }

  protected requireTalking(): End {
    if (this.ended) throw new PbxError('SB_UNPROCESSABLE', `call ${this.id} has ended`);
    if ((this.state !== 'Talking' && this.state !== 'Transferring') || !this.winner) throw new PbxError('SB_UNPROCESSABLE', `call ${this.id} is not connected (state ${this.state})`);
    return this.winner;
  }

  protected endOf(participantId: string): End {
    const end = this.ends().find((e) => e.participant.id === participantId);
    if (!end) {
      if (!this.participants.has(participantId)) throw new PbxError('SB_NOT_FOUND', `participant ${participantId} is not in call ${this.id}`);
      throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is not connected`);
    }
    return end;
  }

  /** The winner leaves: BYE, gone from the call and the relay. */
  protected removeEnd(old: End): void {
    old.unlisten?.();
    old.leg.bye();
    this.leave(old.participant);
    this.media.remove(old.mediaId);
    this.winner = undefined;
    this.forks = [];
  }

  /** The participant the given one talks to, if connected. */
  partnerOf(participantId: string): Participant | undefined {
    const ends = this.ends();
    if (ends.length < 2) return undefined;
    if (ends[0]!.participant.id === participantId) return ends[1]!.participant;
    if (ends[1]!.participant.id === participantId) return ends[0]!.participant;
    return undefined;
  }

  /** The connected participant whose SIP dialog with us is this one (Replaces, RFC 3891 §3). */
  participantByDialog(d: ReplacesDialog): Participant | undefined {
    return this.ends().find((e) => dialogMatches(e.leg.dialog, d.callId, d.toTag, d.fromTag))?.participant;
  }

  /** Requests from a connected end's phone that are not about media: REFER (RFC 3515). */
  protected endRequest(end: End, request: SipRequest, tx: ServerTransaction): void {
    const connected = this.winner !== undefined && (end === this.winner || end === this.callerEnd) && !this.ended;
    if (request.method !== 'REFER' || !connected) {
      tx.respond(createResponse(request, request.method === 'REFER' ? 403 : 501));
      return;
    }
    const target = parseReferTo(request.getHeader('refer-to'));
    if (!target.ok) {
      tx.respond(createResponse(request, 400, target.reason));
      return;
    }
    // §2.4.2: accepted with 202; the outcome follows in NOTIFYs carrying a sipfrag.
    tx.respond(createResponse(request, 202, 'Accepted'));
    this.emit('referred', {
      by: end.participant.id,
      target: target.user,
      ...(target.replaces ? { replaces: target.replaces } : {}),
      accept: () => end.leg.notifyRefer('SIP/2.0 200 OK', true),
      refuse: (status) => end.leg.notifyRefer(`SIP/2.0 ${String(status)} ${reasonPhrase(status)}`, true),
    });
  }

  /**
   * Puts a participant on hold from the API: a re-INVITE offering sendonly
   * (RFC 3264 §8.4; music on hold will fill it) and no audio either way.
   */
  async hold(participantId: string): Promise<void> {
    await this.setHeld(participantId, true);
  }

  async resume(participantId: string): Promise<void> {
    await this.setHeld(participantId, false);
  }

  protected async setHeld(participantId: string, held: boolean): Promise<void> {
    this.requireTalking();
    const end = this.endOf(participantId);
    if ((end.participant.status === 'Held') === held) return;
    const res = await end.leg.reinvite(this.media.answerSdp(end.mediaId, held ? 'sendonly' : 'sendrecv'));
    if (!res || res.status >= 300) throw new PbxError('SB_UNPROCESSABLE', `the phone of ${end.participant.dn} refused the re-INVITE (${res ? String(res.status) : 'no answer'})`);
    if (this.ended || !this.ends().includes(end)) return;
    this.media.setHeldByUs(end.mediaId, held);
    this.setStatus(end.participant, held ? 'Held' : 'Connected');
  }

  /** Hold and resume from a phone: answered locally, the other side keeps its stream (music later). */
  protected endReinvite(end: End, request: SipRequest, tx: ServerTransaction): void {
    const offer = readAudio(request);
    const answer = (sdp: string): void => end.leg.answerReinvite(request, tx, sdp);
    if (!offer) {
      // A re-INVITE without SDP asks for our offer; answer with the current one.
      answer(this.media.answerSdp(end.mediaId));
      return;
    }
    this.media.setRemote(end.mediaId, offer);
    this.media.setPhoneDirection(end.mediaId, offer.direction);
    answer(this.media.sdp(end.mediaId, offer.codecs[0] ? [offer.codecs[0].codec] : [], offer.telephoneEvent, answerDirection(offer.direction)));
    this.setStatus(end.participant, offer.direction === 'sendrecv' ? 'Connected' : 'Held');
  }

  protected end(disposition: Disposition): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.noAnswerTimer);
    for (const e of this.ends()) e.unlisten?.();
    const alt = this.alternative;
    this.alternative = undefined;
    if (alt) {
      clearTimeout(alt.timer);
      for (const f of alt.forks) f.leg.bye();
      alt.settle(new PbxError('SB_DESTINATION_FAILED', `call ${this.id} ended during the transfer`));
    }
    const step = this.stepDone;
    this.stepDone = undefined;
    step?.({ answered: false, status: this.failure?.status ?? 487, disposition, callEnded: true });
    const endedAt = this.now();
    this.media.close();
    for (const p of this.participants.values()) this.setStatus(p, 'Ended');
    this.state = 'Ended';
    this.emit('ended', this.info(), disposition, endedAt);
  }

  /**
   * How long the quieter leg of a talking call has sent no RTP, in ms (a dead
   * phone stops sending while the other side goes on); 0 while the call is not
   * talking or someone is on hold (a held phone may send nothing, RFC 3264 §8.4).
   */
  silentMs(now: number): number {
    if (this.state !== 'Talking' || !this.winner) return 0;
    if ([...this.participants.values()].some((p) => p.status === 'Held')) return 0;
    // A route point's application (a LocalLeg, or the caller side of its own makecall) sends no RTP: only the phone counts.
    const last = (e: End): number => (e.leg instanceof LocalLeg || e.leg.dialog === undefined ? now : (this.media.stats(e.mediaId)?.lastPacketAt ?? this.answeredAt ?? now));
    return now - Math.min(last(this.callerEnd), last(this.winner));
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get failureStatus(): number | undefined {
    return this.failure?.status;
  }

  /** Participant id of the answered callee, if any. */
  get calleeParticipant(): Participant | undefined {
    return this.winner?.participant;
  }

  mediaStats(): { caller: LegStats | undefined; callee: LegStats | undefined } {
    const callee = this.winner ?? this.earlyMedia;
    return { caller: this.media.stats(this.callerEnd.mediaId), callee: callee ? this.media.stats(callee.mediaId) : undefined };
  }

  /** Read-only, for recorders and taps: the relay and the media legs of the connected ends. */
  mediaTap(): { relay: MediaRelay; caller: string; callee: string | undefined } {
    return { relay: this.media.relay, caller: this.callerEnd.mediaId, callee: this.winner?.mediaId };
  }

  /** Hook for the transfers call.ts adds: the end a transfer attempt replaces left. */
  protected abstract handOver(): void;
}
