// One call through the B2BUA: the caller's end, the legs we fork to, the
// media relay between them, and the participants the APIs see. Once answered
// a call is two ends of the same kind (an End: participant, relay leg, SIP
// leg), so either end can be transferred, held, or moved into another call
// (attended transfer, join). Routing decides the targets; features drive
// calls through ring()/transfer()/replaceEnd()/hangup(); the CDR is written
// from the call's own record.
import { EventEmitter } from 'node:events';
import type { CallDirection, CallInfo, CallState, Disposition, Participant, ParticipantStatus, DnType } from '../../core/calls.ts';
import { createResponse, reasonPhrase, type SipRequest } from '../../sip/message/index.ts';
import { PbxError } from '../../core/errors.ts';
import type { ServerTransaction } from '../../sip/transaction/index.ts';
import type { MediaRelay, Codec as RelayCodec } from '../../media/relay.ts';
import { UacLeg, type UacTarget } from './uac-leg.ts';
import { readAudio, writeAudio, answerDirection, type AudioOffer, type Codec, type Direction } from './sdp-media.ts';
import type { LegContext } from './leg-context.ts';
import { dialogMatches, type DialogLeg } from './dialog-leg.ts';
import { parseReferTo, type ReplacesDialog } from './refer-to.ts';

export interface CallParty {
  dn: string;
  dnType: DnType;
  number: string;
  name: string;
}

/**
 * The side that placed the call, as the call drives it while it rings: a
 * UasLeg for a call that came in, an Originator for a call the PBX placed
 * (makeCall), or an answered leg moved here from another call.
 */
export interface CallerSide extends DialogLeg {
  provisional(status: 180 | 183, sdp?: string): void;
  answer(sdp: string): void;
  reject(status: number, reason?: string): void;
  close(): void;
}

/** An answered leg acting as a call's caller side: it has nothing left to answer. */
function answeredCaller(leg: DialogLeg): CallerSide {
  return {
    get dialog() {
      return leg.dialog;
    },
    bye: () => leg.bye(),
    reinvite: (sdp) => leg.reinvite(sdp),
    answerReinvite: (r, tx, sdp) => leg.answerReinvite(r, tx, sdp),
    notifyRefer: (frag, terminated) => leg.notifyRefer(frag, terminated),
    listen: (h) => leg.listen(h),
    provisional: () => undefined,
    answer: () => undefined,
    reject: () => leg.bye(),
    close: () => undefined,
  };
}

/** What a REFER from one end asked for; the B2BUA carries it out. */
export interface ReferRequest {
  /** The participant whose phone sent the REFER (the transferor). */
  by: string;
  target: string;
  /** Attended transfer: the transferor's other dialog, to be joined with this call. */
  replaces?: ReplacesDialog;
  accept(): void;
  refuse(status: number): void;
}

export interface CallEvents {
  changed: [call: CallInfo];
  participant: [participant: Participant];
  dtmf: [participantId: string, digit: string, durationMs: number];
  ended: [call: CallInfo, disposition: Disposition, endedAt: number];
  referred: [refer: ReferRequest];
}

/** One end of a call: who, on which relay leg, over which SIP leg. */
interface End {
  participant: Participant;
  mediaId: string;
  leg: DialogLeg;
  unlisten?: () => void;
}

interface Fork extends End {
  leg: UacLeg;
}

/** An answered end on its way from one call into another. */
interface Released {
  participant: Participant;
  mediaId: string;
  leg: DialogLeg;
  remote: AudioOffer | undefined;
  origin: SdpOrigin | undefined;
  heldByUs: boolean;
}

interface SdpOrigin {
  id: number;
  version: number;
}

export class Call extends EventEmitter<CallEvents> {
  state: CallState = 'Initiating';
  readonly startedAt: number;
  answeredAt: number | undefined;
  private readonly participants = new Map<string, Participant>();
  private forks: Fork[] = [];
  private callerEnd: End;
  private winner: End | undefined;
  /** The fork whose 183 with SDP the caller is bridged to while it rings. */
  private earlyMedia: Fork | undefined;
  /** Relay port of each media leg, for the SDP we send that side. */
  private readonly mediaPorts = new Map<string, number>();
  /** The last SDP each media leg's phone sent (its codecs, address, direction). */
  private readonly remotes = new Map<string, AudioOffer>();
  /** The o= line of our SDP toward each media leg (RFC 4566 §5.2: version grows per change). */
  private readonly origins = new Map<string, SdpOrigin>();
  /** Ends we put on hold from the API (re-INVITE sendonly), as opposed to a phone holding. */
  private readonly heldByUs = new Set<string>();
  private ended = false;
  private ringing = false;
  private busySeen = false;
  private noAnswerTimer: NodeJS.Timeout | undefined;
  private nextParticipant = 1;
  private nextMedia = 0;
  /** Why the call failed, when it did (for the CDR and the caller's response). */
  private failure: { status: number; disposition: Disposition } | undefined;

  constructor(
    readonly id: string,
    readonly direction: CallDirection,
    private readonly ctx: LegContext,
    private readonly relay: MediaRelay,
    private caller: CallerSide,
    callerParty: CallParty,
    callerDevice: string,
    callerOffer: AudioOffer | undefined,
    readonly dialled: string,
    readonly did: string,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.startedAt = now();
    this.callerEnd = { participant: this.addParticipant(callerParty, callerDevice, 'inbound', 'Dialing'), mediaId: 'caller', leg: caller };
    if (callerOffer) this.remotes.set('caller', callerOffer);
    this.listenTo(this.callerEnd);
    relay.on('dtmf', (legId: string, digit: string, durationMs: number) => {
      const p = this.ends().find((e) => e.mediaId === legId)?.participant ?? this.forks.find((f) => f.mediaId === legId)?.participant;
      if (p) this.emit('dtmf', p.id, digit, durationMs);
    });
  }

  /** The caller's codecs we can relay; an offer without G.711 cannot be served. */
  get callerCodecs(): Codec[] {
    return (this.remotes.get(this.callerEnd.mediaId)?.codecs ?? []).map((c) => c.codec);
  }

  /** The caller's side told us something; the B2BUA wires these to its events. */
  callerCancelled(): void {
    this.finish('NO ANSWER', 487);
  }

  /** For a placed call: the originator's phone answered with this SDP on the relay port it was offered. */
  originatorAnswered(offer: AudioOffer, device: string, port: number): void {
    this.remotes.set(this.callerEnd.mediaId, offer);
    this.mediaPorts.set(this.callerEnd.mediaId, port);
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

  /** The connected ends: the caller and, once answered, the winner. */
  private ends(): End[] {
    return this.winner ? [this.callerEnd, this.winner] : [this.callerEnd];
  }

  private listenTo(end: End): void {
    end.unlisten?.();
    end.unlisten = end.leg.listen({
      ended: () => this.endHungUp(end),
      reinvite: (r, tx) => this.endReinvite(end, r, tx),
      request: (r, tx) => this.endRequest(end, r, tx),
    });
  }

  private addParticipant(party: CallParty, device: string, direction: 'inbound' | 'outbound', status: ParticipantStatus): Participant {
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
    };
    this.participants.set(p.id, p);
    this.emit('participant', { ...p });
    return p;
  }

  private setStatus(p: Participant, status: ParticipantStatus): void {
    if (p.status === status) return;
    p.status = status;
    this.emit('participant', { ...p });
  }

  private leave(p: Participant): void {
    this.participants.delete(p.id);
    this.setStatus(p, 'Ended');
  }

  private setState(state: CallState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('changed', this.info());
  }

  private ourSdp(mediaId: string, codecs: Codec[], telephoneEvent: number | undefined, direction: Direction = 'sendrecv'): string {
    let origin = this.origins.get(mediaId);
    if (!origin) {
      origin = { id: (Number(this.id.replace(/\D/g, '').slice(-6)) || 1) * 1000 + this.origins.size, version: 0 };
      this.origins.set(mediaId, origin);
    }
    origin.version++;
    return writeAudio({ host: this.ctx.host, port: this.mediaPorts.get(mediaId) ?? 0, codecs, telephoneEvent, direction, sessionId: origin.id, version: origin.version });
  }

  /** Our SDP toward an answered end: its own first codec, as negotiated. */
  private sdpFor(mediaId: string, direction: Direction = 'sendrecv'): string {
    const remote = this.remotes.get(mediaId);
    const first = remote?.codecs[0];
    return this.ourSdp(mediaId, first ? [first.codec] : ['PCMU'], remote?.telephoneEvent, direction);
  }

  /**
   * Rings every target at once (forking, §16.7 in spirit): the first to answer
   * wins, the others are cancelled. `ringSeconds` is the no-answer timeout.
   */
  async ring(callee: CallParty, targets: UacTarget[], ringSeconds: number, from: string, to: string): Promise<void> {
    this.setState('Routing');
    const callerMedia = this.callerEnd.mediaId;
    if (!this.mediaPorts.has(callerMedia)) {
      const { port } = await this.relay.addLeg(callerMedia);
      this.mediaPorts.set(callerMedia, port);
    }
    const callerOffer = this.remotes.get(callerMedia);
    if (callerOffer) this.setRemote(callerMedia, callerOffer);
    this.noAnswerTimer = setTimeout(() => this.noAnswer(), ringSeconds * 1000);
    for (const target of targets) {
      if (this.ended) return;
      const mediaId = `callee${String(this.nextMedia++)}`;
      const leg = await this.relay.addLeg(mediaId);
      this.mediaPorts.set(mediaId, leg.port);
      if (this.ended) return;
      // The caller's codecs first (no transcoding when the callee takes one),
      // then the other G.711 law, which the relay transcodes.
      const offer = [...new Set<Codec>([...this.callerCodecs, 'PCMU', 'PCMA'])];
      const sdp = this.ourSdp(mediaId, offer, callerOffer?.telephoneEvent === undefined ? undefined : 101);
      const uac = new UacLeg(this.ctx, { target, from, to, sdp });
      const participant = this.addParticipant(callee, target.uri, 'outbound', 'Dialing');
      const fork: Fork = { leg: uac, participant, mediaId };
      this.forks.push(fork);
      uac.on('progress', (res) => this.progress(fork, res.status, readAudio(res)));
      uac.on('answered', (res) => this.answered(fork, readAudio(res)));
      uac.on('failed', (status) => this.forkFailed(fork, status));
      this.listenTo(fork);
      uac.start();
    }
  }

  private progress(fork: Fork, status: number, sdp: AudioOffer | undefined): void {
    if (this.ended || this.winner || !this.forks.includes(fork)) return;
    this.setStatus(fork.participant, 'Ringing');
    // Early media (183 with SDP): connect the caller to this fork's media now.
    if (status === 183 && sdp) {
      this.earlyMedia = fork;
      this.setRemote(fork.mediaId, sdp);
      this.relay.bridge(this.callerEnd.mediaId, fork.mediaId);
      this.caller.provisional(183, this.sdpFor(this.callerEnd.mediaId));
      this.ringing = true;
      return;
    }
    if (!this.ringing) {
      this.ringing = true;
      this.caller.provisional(180);
    }
  }

  /** What a leg's phone said in SDP: where its media goes and in which codec. */
  private setRemote(mediaId: string, sdp: AudioOffer): void {
    const codec = sdp.codecs[0];
    if (!codec) return;
    this.remotes.set(mediaId, sdp);
    this.relay.setRemote(mediaId, {
      address: sdp.address,
      port: sdp.port,
      codec: codec.codec as RelayCodec,
      payloadType: codec.pt,
      ...(sdp.telephoneEvent !== undefined ? { telephoneEventPayloadType: sdp.telephoneEvent } : {}),
    });
  }

  private answered(fork: Fork, sdp: AudioOffer | undefined): void {
    if (this.ended || this.winner || !this.forks.includes(fork)) {
      fork.leg.bye();
      return;
    }
    this.winner = fork;
    clearTimeout(this.noAnswerTimer);
    for (const other of this.forks) {
      if (other === fork) continue;
      other.leg.cancel();
      other.unlisten?.();
      this.participants.delete(other.participant.id);
      this.relay.removeLeg(other.mediaId);
    }
    this.forks = [fork];
    if (sdp) this.setRemote(fork.mediaId, sdp);
    this.relay.bridge(this.callerEnd.mediaId, fork.mediaId);
    // A transfer keeps the first answer time: billsec counts the whole talk.
    this.answeredAt ??= this.now();
    this.caller.answer(this.sdpFor(this.callerEnd.mediaId));
    this.setStatus(fork.participant, 'Connected');
    this.setStatus(this.callerEnd.participant, 'Connected');
    this.setState('Talking');
  }

  private forkFailed(fork: Fork, status: number): void {
    if (this.ended || this.winner === fork || !this.forks.includes(fork)) return;
    fork.unlisten?.();
    this.participants.delete(fork.participant.id);
    this.relay.removeLeg(fork.mediaId);
    if (status === 486 || status === 600) this.busySeen = true;
    const live = this.forks.filter((f) => this.participants.has(f.participant.id));
    if (live.length === 0 && !this.winner) {
      if (this.busySeen) this.finish('BUSY', 486);
      else if (status === 487 || status === 408 || status === 480) this.finish('NO ANSWER', 480);
      else this.finish('FAILED', status >= 500 ? 503 : 480);
    }
  }

  private noAnswer(): void {
    if (this.ended || this.winner) return;
    this.finish('NO ANSWER', 480);
  }

  /** Ends a call before it was answered, or refuses it outright. */
  fail(status: number, disposition: Disposition): void {
    this.finish(disposition, status);
  }

  private finish(disposition: Disposition, status: number): void {
    if (this.ended) return;
    this.failure = { status, disposition };
    for (const f of this.forks) f.leg.bye();
    if (this.answeredAt !== undefined) this.caller.bye();
    else if (status === 487) this.caller.reject(487, 'Request Terminated');
    else this.caller.reject(status);
    this.caller.close();
    this.end(disposition);
  }

  /** An end's phone hung up: BYE the other. */
  private endHungUp(end: End): void {
    if (this.ended) return;
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
  private swapEnds(): void {
    const winner = this.winner;
    if (!winner) return;
    const old = this.callerEnd;
    this.callerEnd = winner;
    this.caller = answeredCaller(winner.leg);
    this.winner = old;
    this.forks = [];
  }

  private requireTalking(): End {
    if (this.ended) throw new PbxError('SB_UNPROCESSABLE', `call ${this.id} has ended`);
    if ((this.state !== 'Talking' && this.state !== 'Transferring') || !this.winner) throw new PbxError('SB_UNPROCESSABLE', `call ${this.id} is not connected (state ${this.state})`);
    return this.winner;
  }

  private endOf(participantId: string): End {
    const end = this.ends().find((e) => e.participant.id === participantId);
    if (!end) {
      if (!this.participants.has(participantId)) throw new PbxError('SB_NOT_FOUND', `participant ${participantId} is not in call ${this.id}`);
      throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is not connected`);
    }
    return end;
  }

  /**
   * Blind transfer: `keep` (a connected participant) is sent to new targets;
   * its partner leaves (BYE), the targets ring, and the first to answer talks
   * to `keep` on its unchanged media leg (no re-INVITE: the relay keeps its port).
   */
  async transfer(keep: string, callee: CallParty, targets: UacTarget[], ringSeconds: number, from: string, to: string): Promise<void> {
    this.requireTalking();
    const end = this.endOf(keep);
    if (end !== this.callerEnd) this.swapEnds();
    const old = this.requireTalking();
    this.setState('Transferring');
    this.relay.unbridge(this.callerEnd.mediaId);
    old.unlisten?.();
    old.leg.bye();
    this.leave(old.participant);
    this.relay.removeLeg(old.mediaId);
    this.winner = undefined;
    this.forks = [];
    this.busySeen = false;
    this.ringing = true;
    await this.ring(callee, targets, ringSeconds, from, to);
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

  /**
   * Takes a connected end out of this call to move it into another, which
   * then adopts its relay leg. The call is not over until finishRelease().
   */
  private release(participantId: string): Released {
    this.requireTalking();
    const end = this.endOf(participantId);
    end.unlisten?.();
    this.relay.unbridge(end.mediaId);
    this.leave(end.participant);
    return {
      participant: end.participant,
      mediaId: end.mediaId,
      leg: end.leg,
      remote: this.remotes.get(end.mediaId),
      origin: this.origins.get(end.mediaId),
      heldByUs: this.heldByUs.has(end.mediaId),
    };
  }

  /** After release(): the end left behind is hung up and the call ends answered. */
  private finishRelease(released: Released): void {
    const other = this.ends().find((e) => e.participant !== released.participant);
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
    this.requireTalking();
    const out = this.endOf(replaced);
    const partner = donor.partnerOf(donorPid);
    if (!partner) throw new PbxError('SB_UNPROCESSABLE', `participant ${donorPid} of call ${donor.id} is not connected`);
    if (out === this.callerEnd) this.swapEnds();
    const old = this.requireTalking();
    const moving = donor.release(partner.id);

    old.unlisten?.();
    old.leg.bye();
    this.leave(old.participant);
    this.relay.removeLeg(old.mediaId);

    const mediaId = `callee${String(this.nextMedia++)}`;
    this.relay.adoptLeg(donor.relay, moving.mediaId, mediaId);
    this.mediaPorts.set(mediaId, donor.mediaPorts.get(moving.mediaId) ?? 0);
    if (moving.remote) this.remotes.set(mediaId, moving.remote);
    if (moving.origin) this.origins.set(mediaId, moving.origin);
    const p = moving.participant;
    const participant = this.addParticipant({ dn: p.dn, dnType: p.dnType, number: p.partyNumber, name: p.partyName }, p.device, p.direction, 'Connected');
    const end: End = { participant, mediaId, leg: moving.leg };
    this.winner = end;
    this.forks = [];
    this.listenTo(end);
    this.relay.bridge(this.callerEnd.mediaId, mediaId);
    if (moving.heldByUs) this.heldByUs.add(mediaId);
    donor.finishRelease(moving);
    this.setState('Talking');
    // Whoever the transferor had put on hold hears the new partner now.
    for (const e of this.ends()) if (this.heldByUs.has(e.mediaId)) await this.setHeld(e.participant.id, false).catch(() => undefined);
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
    clearTimeout(this.noAnswerTimer);
    this.setState('Rerouting');
    for (const f of old) {
      f.leg.cancel();
      f.unlisten?.();
      this.leave(f.participant);
      this.relay.removeLeg(f.mediaId);
    }
    await this.ring(callee, targets, ringSeconds, from, to);
  }

  /** Requests from a connected end's phone that are not about media: REFER (RFC 3515). */
  private endRequest(end: End, request: SipRequest, tx: ServerTransaction): void {
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

  private async setHeld(participantId: string, held: boolean): Promise<void> {
    this.requireTalking();
    const end = this.endOf(participantId);
    if ((end.participant.status === 'Held') === held) return;
    const res = await end.leg.reinvite(this.sdpFor(end.mediaId, held ? 'sendonly' : 'sendrecv'));
    if (!res || res.status >= 300) throw new PbxError('SB_UNPROCESSABLE', `the phone of ${end.participant.dn} refused the re-INVITE (${res ? String(res.status) : 'no answer'})`);
    if (this.ended || !this.ends().includes(end)) return;
    this.relay.setDirection(end.mediaId, held ? 'inactive' : 'sendrecv');
    if (held) this.heldByUs.add(end.mediaId);
    else this.heldByUs.delete(end.mediaId);
    this.setStatus(end.participant, held ? 'Held' : 'Connected');
  }

  /** Hold and resume from a phone: answered locally, the other side keeps its stream (music later). */
  private endReinvite(end: End, request: SipRequest, tx: ServerTransaction): void {
    const offer = readAudio(request);
    const answer = (sdp: string): void => end.leg.answerReinvite(request, tx, sdp);
    if (!offer) {
      // A re-INVITE without SDP asks for our offer; answer with the current one.
      answer(this.sdpFor(end.mediaId));
      return;
    }
    this.setRemote(end.mediaId, offer);
    this.relay.setDirection(end.mediaId, offer.direction);
    this.heldByUs.delete(end.mediaId);
    answer(this.ourSdp(end.mediaId, offer.codecs[0] ? [offer.codecs[0].codec] : [], offer.telephoneEvent, answerDirection(offer.direction)));
    this.setStatus(end.participant, offer.direction === 'sendrecv' ? 'Connected' : 'Held');
  }

  private end(disposition: Disposition): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.noAnswerTimer);
    for (const e of this.ends()) e.unlisten?.();
    const endedAt = this.now();
    this.relay.close();
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
    const a = this.relay.stats(this.callerEnd.mediaId)?.lastPacketAt ?? this.answeredAt ?? now;
    const b = this.relay.stats(this.winner.mediaId)?.lastPacketAt ?? this.answeredAt ?? now;
    return now - Math.min(a, b);
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

  mediaStats(): { caller: ReturnType<MediaRelay['stats']>; callee: ReturnType<MediaRelay['stats']> } {
    const callee = this.winner ?? this.earlyMedia;
    return { caller: this.relay.stats(this.callerEnd.mediaId), callee: callee ? this.relay.stats(callee.mediaId) : undefined };
  }
}
