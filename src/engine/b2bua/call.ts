// One call through the B2BUA: the caller's leg, the legs we fork to, the
// media relay between them, and the participants the APIs see. Small on
// purpose: routing decides the targets, features drive calls through
// connect()/hangup(), and the CDR is written from the call's own record.
import { EventEmitter } from 'node:events';
import type { CallDirection, CallInfo, CallState, Disposition, Participant, ParticipantStatus, DnType } from '../../core/calls.ts';
import { createResponse, parseNameAddr, reasonPhrase, type SipRequest, type SipResponse } from '../../sip/message/index.ts';
import { PbxError } from '../../core/errors.ts';
import type { ServerTransaction } from '../../sip/transaction/index.ts';
import type { MediaRelay, Codec as RelayCodec } from '../../media/relay.ts';
import { UacLeg, type UacTarget } from './uac-leg.ts';
import { readAudio, writeAudio, answerDirection, type AudioOffer, type Codec, type Direction } from './sdp-media.ts';
import type { LegContext } from './leg-context.ts';

export interface CallParty {
  dn: string;
  dnType: DnType;
  number: string;
  name: string;
}

export interface CallerSideEvents {
  /** The caller hung up. */
  ended: [reason: 'bye' | 'ack-timeout'];
  reinvite: [request: SipRequest, tx: ServerTransaction];
}

/**
 * The side that placed the call, as the call drives it: a UasLeg for a call
 * that came in, an Originator for a call the PBX placed (makeCall).
 */
export interface CallerSide {
  provisional(status: 180 | 183, sdp?: string): void;
  answer(sdp: string): void;
  reject(status: number, reason?: string): void;
  bye(): void;
  close(): void;
  answerReinvite(request: SipRequest, tx: ServerTransaction, sdp: string): void;
  /** A new offer from us in the caller's dialog (hold, resume). */
  reinvite(sdp: string): Promise<SipResponse | undefined>;
}

export interface CallEvents {
  changed: [call: CallInfo];
  participant: [participant: Participant];
  dtmf: [participantId: string, digit: string, durationMs: number];
  ended: [call: CallInfo, disposition: Disposition, endedAt: number];
  /** The answered callee asked (REFER) to send the caller to `target`. */
  referred: [target: string, accept: () => void, refuse: (status: number) => void];
}

interface Fork {
  leg: UacLeg;
  participant: Participant;
  mediaId: string;
}

export class Call extends EventEmitter<CallEvents> {
  state: CallState = 'Initiating';
  readonly startedAt: number;
  answeredAt: number | undefined;
  private readonly participants = new Map<string, Participant>();
  private forks: Fork[] = [];
  private winner: Fork | undefined;
  /** The fork whose 183 with SDP the caller is bridged to while it rings. */
  private earlyMedia: Fork | undefined;
  private readonly callerParticipant: Participant;
  private callerOffer: AudioOffer;
  private readonly callerMediaId = 'caller';
  /** Relay port of each media leg, for the SDP we send that side. */
  private readonly mediaPorts = new Map<string, number>();
  /** Codec and telephone-event payload type each media leg settled on. */
  private readonly mediaCodecs = new Map<string, { codec: Codec; telephoneEvent: number | undefined }>();
  private ended = false;
  private ringing = false;
  private busySeen = false;
  private sdpVersion = 1;
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
    readonly caller: CallerSide,
    callerParty: CallParty,
    callerDevice: string,
    callerOffer: AudioOffer | undefined,
    readonly dialled: string,
    readonly did: string,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.startedAt = now();
    this.callerParticipant = this.addParticipant(callerParty, callerDevice, 'inbound', 'Dialing');
    this.callerOffer = callerOffer ?? { address: '', port: 0, codecs: [], telephoneEvent: undefined, direction: 'sendrecv' };
    relay.on('dtmf', (legId: string, digit: string, durationMs: number) => {
      const p = legId === this.callerMediaId ? this.callerParticipant : this.forks.find((f) => f.mediaId === legId)?.participant;
      if (p) this.emit('dtmf', p.id, digit, durationMs);
    });
  }

  /** The caller's codecs we can relay; an offer without G.711 cannot be served. */
  get callerCodecs(): Codec[] {
    return this.callerOffer.codecs.map((c) => c.codec);
  }

  /** The caller's side told us something; the B2BUA wires these to its events. */
  callerCancelled(): void {
    this.finish('NO ANSWER', 487);
  }

  callerHungUp(): void {
    this.hangup('caller');
  }

  callerReinvite(request: SipRequest, tx: ServerTransaction): void {
    this.reinvite(this.callerParticipant, this.callerMediaId, request, tx, (sdp) => this.caller.answerReinvite(request, tx, sdp));
  }

  /** For a placed call: the originator's phone answered with this SDP on the relay port it was offered. */
  originatorAnswered(offer: AudioOffer, device: string, port: number): void {
    this.callerOffer = offer;
    this.mediaPorts.set(this.callerMediaId, port);
    this.callerParticipant.device = device;
    this.setStatus(this.callerParticipant, 'Connected');
  }

  /** For a placed call: the originator's phone rings. */
  originatorRinging(): void {
    this.setStatus(this.callerParticipant, 'Ringing');
  }

  info(): CallInfo {
    return {
      id: this.id,
      direction: this.direction,
      state: this.state,
      startedAt: new Date(this.startedAt).toISOString(),
      answeredAt: this.answeredAt === undefined ? null : new Date(this.answeredAt).toISOString(),
      did: this.did,
      owner: this.callerParticipant.id,
      participants: [...this.participants.values()].map((p) => ({ ...p })),
    };
  }

  participant(id: string): Participant | undefined {
    return this.participants.get(id);
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

  private setState(state: CallState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('changed', this.info());
  }

  private ourSdp(port: number, codecs: Codec[], telephoneEvent: number | undefined, direction: Direction = 'sendrecv'): string {
    return writeAudio({ host: this.ctx.host, port, codecs, telephoneEvent, direction, sessionId: Number(this.id.replace(/\D/g, '').slice(-9)) || 1, version: this.sdpVersion++ });
  }

  /**
   * Rings every target at once (forking, §16.7 in spirit): the first to answer
   * wins, the others are cancelled. `ringSeconds` is the no-answer timeout.
   */
  async ring(callee: CallParty, targets: UacTarget[], ringSeconds: number, from: string, to: string): Promise<void> {
    this.setState('Routing');
    if (!this.mediaPorts.has(this.callerMediaId)) {
      const { port } = await this.relay.addLeg(this.callerMediaId);
      this.mediaPorts.set(this.callerMediaId, port);
    }
    const chosen = this.callerOffer.codecs[0];
    if (chosen) {
      this.relay.setRemote(this.callerMediaId, {
        address: this.callerOffer.address,
        port: this.callerOffer.port,
        codec: chosen.codec as RelayCodec,
        payloadType: chosen.pt,
        ...(this.callerOffer.telephoneEvent !== undefined ? { telephoneEventPayloadType: this.callerOffer.telephoneEvent } : {}),
      });
    }
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
      const sdp = this.ourSdp(leg.port, offer, this.callerOffer.telephoneEvent === undefined ? undefined : 101);
      const uac = new UacLeg(this.ctx, { target, from, to, sdp });
      const participant = this.addParticipant(callee, target.uri, 'outbound', 'Dialing');
      const fork: Fork = { leg: uac, participant, mediaId };
      this.forks.push(fork);
      uac.on('progress', (res) => this.progress(fork, res.status, readAudio(res)));
      uac.on('answered', (res) => this.answered(fork, readAudio(res)));
      uac.on('failed', (status) => this.forkFailed(fork, status));
      uac.on('ended', () => this.hangup('callee'));
      uac.on('reinvite', (r, tx) => this.reinvite(participant, mediaId, r, tx, (s) => uac.answerReinvite(r, tx, s)));
      uac.on('request', (r, tx) => this.calleeRequest(fork, r, tx));
      uac.start();
    }
  }

  private progress(fork: Fork, status: number, sdp: AudioOffer | undefined): void {
    if (this.ended || this.winner || !this.forks.includes(fork)) return;
    this.setStatus(fork.participant, 'Ringing');
    // Early media (183 with SDP): connect the caller to this fork's media now.
    if (status === 183 && sdp) {
      this.earlyMedia = fork;
      this.setRemoteFromAnswer(fork.mediaId, sdp);
      this.relay.bridge(this.callerMediaId, fork.mediaId);
      this.caller.provisional(183, this.answerSdpForCaller());
      this.ringing = true;
      return;
    }
    if (!this.ringing) {
      this.ringing = true;
      this.caller.provisional(180);
    }
  }

  private answerSdpForCaller(direction: Direction = 'sendrecv'): string {
    const first = this.callerOffer.codecs[0];
    return this.ourSdp(this.mediaPorts.get(this.callerMediaId) ?? 0, first ? [first.codec] : [], this.callerOffer.telephoneEvent, direction);
  }

  private setRemoteFromAnswer(mediaId: string, sdp: AudioOffer): void {
    const codec = sdp.codecs[0];
    if (!codec) return;
    this.mediaCodecs.set(mediaId, { codec: codec.codec, telephoneEvent: sdp.telephoneEvent });
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
      this.participants.delete(other.participant.id);
      this.relay.removeLeg(other.mediaId);
    }
    if (sdp) this.setRemoteFromAnswer(fork.mediaId, sdp);
    this.relay.bridge(this.callerMediaId, fork.mediaId);
    // A transfer keeps the first answer time: billsec counts the whole talk.
    this.answeredAt ??= this.now();
    this.caller.answer(this.answerSdpForCaller());
    this.setStatus(fork.participant, 'Connected');
    this.setStatus(this.callerParticipant, 'Connected');
    this.setState('Talking');
  }

  private forkFailed(fork: Fork, status: number): void {
    if (this.ended || this.winner === fork || !this.forks.includes(fork)) return;
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
   * Blind transfer of the caller to new targets: the answered callee leaves
   * (BYE), the targets ring, and the first to answer talks to the caller on
   * the caller's unchanged media leg (no re-INVITE needed: the relay keeps its port).
   */
  async transferCaller(callee: CallParty, targets: UacTarget[], ringSeconds: number, from: string, to: string): Promise<void> {
    if (this.ended) throw new PbxError('SB_UNPROCESSABLE', `call ${this.id} has ended`);
    const old = this.winner;
    if (this.state !== 'Talking' || !old) throw new PbxError('SB_UNPROCESSABLE', `call ${this.id} is not connected (state ${this.state})`);
    this.setState('Transferring');
    this.relay.unbridge(this.callerMediaId);
    old.leg.bye();
    this.participants.delete(old.participant.id);
    this.setStatus(old.participant, 'Ended');
    this.relay.removeLeg(old.mediaId);
    this.winner = undefined;
    this.forks = [];
    this.busySeen = false;
    await this.ring(callee, targets, ringSeconds, from, to);
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
      this.participants.delete(f.participant.id);
      this.setStatus(f.participant, 'Ended');
      this.relay.removeLeg(f.mediaId);
    }
    await this.ring(callee, targets, ringSeconds, from, to);
  }

  /** Requests from the answered callee's phone that are not about media: REFER (RFC 3515). */
  private calleeRequest(fork: Fork, request: SipRequest, tx: ServerTransaction): void {
    if (request.method !== 'REFER' || fork !== this.winner) {
      tx.respond(createResponse(request, request.method === 'REFER' ? 403 : 501));
      return;
    }
    const referTo = request.getHeader('refer-to');
    const target = referTo ? parseNameAddr(referTo) : undefined;
    const user = target?.uri.kind === 'sip' ? target.uri.user : undefined;
    // Attended transfer (Refer-To with Replaces, RFC 3891) comes later.
    if (!user || /replaces/i.test(referTo ?? '')) {
      tx.respond(createResponse(request, user ? 501 : 400));
      return;
    }
    // §2.4.2: accepted with 202; the outcome follows in NOTIFYs carrying a sipfrag.
    tx.respond(createResponse(request, 202, 'Accepted'));
    this.emit(
      'referred',
      user,
      () => fork.leg.notifyRefer('SIP/2.0 200 OK', true),
      (status) => fork.leg.notifyRefer(`SIP/2.0 ${String(status)} ${reasonPhrase(status)}`, true),
    );
  }

  /** The media leg and signalling of a connected participant. */
  private sideOf(participantId: string): { p: Participant; mediaId: string; reinvite: (sdp: string) => Promise<SipResponse | undefined> } {
    const p = this.participants.get(participantId);
    if (!p) throw new PbxError('SB_NOT_FOUND', `participant ${participantId} is not in call ${this.id}`);
    if (this.state !== 'Talking' || !this.winner) throw new PbxError('SB_UNPROCESSABLE', `call ${this.id} is not connected (state ${this.state})`);
    if (p === this.callerParticipant) return { p, mediaId: this.callerMediaId, reinvite: (sdp) => this.caller.reinvite(sdp) };
    const winner = this.winner;
    if (p !== winner.participant) throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is not connected`);
    return { p, mediaId: winner.mediaId, reinvite: (sdp) => winner.leg.reinvite(sdp) };
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
    const side = this.sideOf(participantId);
    if ((side.p.status === 'Held') === held) return;
    const codec = side.mediaId === this.callerMediaId ? this.callerOffer.codecs[0]?.codec : this.mediaCodecs.get(side.mediaId)?.codec;
    const te = side.mediaId === this.callerMediaId ? this.callerOffer.telephoneEvent : this.mediaCodecs.get(side.mediaId)?.telephoneEvent;
    const sdp = this.ourSdp(this.mediaPorts.get(side.mediaId) ?? 0, codec ? [codec] : ['PCMU'], te, held ? 'sendonly' : 'sendrecv');
    const res = await side.reinvite(sdp);
    if (!res || res.status >= 300) throw new PbxError('SB_UNPROCESSABLE', `the phone of ${side.p.dn} refused the re-INVITE (${res ? String(res.status) : 'no answer'})`);
    this.relay.setDirection(side.mediaId, held ? 'inactive' : 'sendrecv');
    this.setStatus(side.p, held ? 'Held' : 'Connected');
  }

  /** Hold and resume from a phone: answered locally, the other side keeps its stream (music later). */
  private reinvite(p: Participant, mediaId: string, request: SipRequest, _tx: ServerTransaction, answer: (sdp: string) => void): void {
    const offer = readAudio(request);
    if (!offer) {
      // A re-INVITE without SDP asks for our offer; answer with the current one.
      answer(mediaId === this.callerMediaId ? this.answerSdpForCaller() : this.ourSdp(this.mediaPorts.get(mediaId) ?? 0, this.callerCodecs, undefined));
      return;
    }
    this.setRemoteFromAnswer(mediaId, offer);
    this.relay.setDirection(mediaId, offer.direction);
    const port = this.mediaPorts.get(mediaId) ?? 0;
    answer(this.ourSdp(port, offer.codecs[0] ? [offer.codecs[0].codec] : [], offer.telephoneEvent, answerDirection(offer.direction)));
    this.setStatus(p, offer.direction === 'sendrecv' ? 'Connected' : 'Held');
  }

  private end(disposition: Disposition): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.noAnswerTimer);
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
    const a = this.relay.stats(this.callerMediaId)?.lastPacketAt ?? this.answeredAt ?? now;
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
    return { caller: this.relay.stats(this.callerMediaId), callee: callee ? this.relay.stats(callee.mediaId) : undefined };
  }

  /** Read-only, for recorders and taps: the relay and the media legs of the connected sides. */
  mediaTap(): { relay: MediaRelay; caller: string; callee: string | undefined } {
    return { relay: this.relay, caller: this.callerMediaId, callee: this.winner?.mediaId };
  }
}
