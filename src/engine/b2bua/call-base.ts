// Ringing and answer: a call forks to its targets (every device of the
// callee at once), the first to answer wins and the others are cancelled;
// a feature (hunt, forwarding) can ring in rounds; the PBX itself can answer
// (an IVR). The shape of the call (ends, hold, hang-up) is call-core.ts.
import type { Disposition } from '../../core/calls.ts';
import { UacLeg, type UacTarget } from './uac-leg.ts';
import { readAudio, type AudioOffer, type Codec } from './sdp-media.ts';
import type { LocalTarget } from './local-leg.ts';
import { CallCore } from './call-core.ts';
import type { CallParty, Fork, RingOutcome, RingTarget } from './call-ends.ts';
import { Ringback } from './ringback.ts';

export abstract class CallBase extends CallCore {
  /** What a caller who already hears us (transferred, answered by an IVR, an originator) hears while the next party rings. */
  protected readonly ringback = new Ringback(this.media.relay);

  /**
   * A feature that plays its own audio to the waiting caller (a queue's
   * music) turns the ringback off until it calls the returned function.
   */
  withoutRingback(): () => void {
    return this.ringback.suppress();
  }

  /** Ringback only to a caller whose own phone cannot play it: one already connected to us. */
  protected startRingback(): void {
    if (this.ended || this.callerEnd.participant.status !== 'Connected') return;
    this.ringback.start(this.callerEnd.mediaId);
  }

  protected override end(disposition: Disposition): void {
    this.ringback.stop();
    super.end(disposition);
  }

  /**
   * Rings every target at once (forking, §16.7 in spirit): the first to answer
   * wins, the others are cancelled. `ringSeconds` is the no-answer timeout;
   * when no one answers the call ends (see ringStep for a feature's rounds).
   */
  async ring(callee: CallParty, targets: (UacTarget | LocalTarget)[], ringSeconds: number, from: string, to: string): Promise<void> {
    await this.ringMany(
      targets.map((target) => ({ party: callee, target })),
      ringSeconds,
      from,
      to,
    );
  }

  /** Like ring(), each device for its own party; `headers` go on every INVITE (auto-answer hints for paging). */
  async ringMany(targets: RingTarget[], ringSeconds: number, from: string, to: string, headers: [string, string][] = []): Promise<void> {
    this.setState('Routing');
    const callerMedia = this.callerEnd.mediaId;
    await this.media.addLeg(callerMedia);
    const callerOffer = this.media.remote(callerMedia);
    if (callerOffer) this.media.setRemote(callerMedia, callerOffer);
    clearTimeout(this.noAnswerTimer);
    this.noAnswerTimer = setTimeout(() => this.noAnswer(), ringSeconds * 1000);
    for (const { party, target } of targets) {
      if (this.ended) return;
      const fork = await this.newFork(party, target, from, to, callerMedia, headers);
      if (fork) this.forks.push(fork);
    }
  }

  /**
   * The PBX picks up (an IVR): 200 OK with our SDP on the caller's relay leg,
   * which stays unbridged until a fork answers (answered() then bridges it;
   * the caller's leg has already sent its 200, so none goes twice). The call
   * stays Routing, the caller is Connected, and billing starts now (Asterisk:
   * the IVR's Answer() starts billsec). Returns false if the call has ended.
   */
  async answerByPbx(): Promise<boolean> {
    if (this.ended) return false;
    if (this.answeredByPbx) return true;
    const mediaId = this.callerEnd.mediaId;
    await this.media.addLeg(mediaId);
    const offer = this.media.remote(mediaId);
    if (this.ended || !offer) return false;
    this.media.setRemote(mediaId, offer);
    this.answeredByPbx = true;
    this.answeredAt ??= this.now();
    this.caller.answer(this.media.answerSdp(mediaId));
    this.setStatus(this.callerEnd.participant, 'Connected');
    this.setState('Routing');
    return true;
  }

  /**
   * One round of ringing for a feature (ring group hunt, forwarding on no
   * answer or busy): resolves with how it went; a failed round does not end
   * the call, so the feature can try the next destination.
   */
  async ringStep(targets: RingTarget[], ringSeconds: number, from: string, to: string, headers: [string, string][] = []): Promise<RingOutcome> {
    if (this.ended) return { answered: false, status: 487, disposition: 'NO ANSWER', callEnded: true };
    const outcome = new Promise<RingOutcome>((resolve) => (this.stepDone = resolve));
    this.busySeen = false;
    await this.ringMany(targets, ringSeconds, from, to, headers);
    return outcome;
  }

  /** A round of ringing failed: the waiting feature decides, or the call ends. */
  private roundFailed(disposition: Disposition, status: number): void {
    const done = this.stepDone;
    if (!done) return this.finish(disposition, status);
    this.stepDone = undefined;
    this.cancelForks();
    done({ answered: false, status, disposition, callEnded: false });
  }

  /** Every fork of the round stops ringing (CANCEL, RFC 3261 §9.1) and leaves the call. */
  protected cancelForks(): void {
    clearTimeout(this.noAnswerTimer);
    this.ringback.stop();
    const ringing = this.forks;
    this.forks = [];
    for (const f of ringing) {
      f.leg.cancel();
      this.dropFork(f);
    }
  }

  /** The round is given up for something else (a pickup, a divert): forks cancelled, the caller hears none of their early media. */
  protected abandonRinging(): void {
    this.cancelForks();
    this.earlyMedia = undefined;
    this.media.unbridge(this.callerEnd.mediaId);
  }

  /**
   * One outgoing leg with its relay leg, offering the codecs of the leg it
   * will be bridged to first (no transcoding when the callee takes one),
   * then the other G.711 law, which the relay transcodes.
   */
  protected async newFork(callee: CallParty, target: UacTarget | LocalTarget, from: string, to: string, peerMediaId: string, headers: [string, string][] = []): Promise<Fork | undefined> {
    const mediaId = `callee${String(this.nextMedia++)}`;
    await this.media.addLeg(mediaId);
    if (this.ended) return undefined;
    if ('local' in target) return this.newLocalFork(callee, target, mediaId);
    const peer = this.media.remote(peerMediaId);
    const offer = [...new Set<Codec>([...this.codecsOf(peerMediaId), 'PCMU', 'PCMA'])];
    const uac = new UacLeg(this.ctx, { target, from, to, sdp: this.media.sdp(mediaId, offer, peer?.telephoneEvent === undefined ? undefined : 101), headers, ...(target.credentials ? { credentials: target.credentials } : {}) });
    const fork: Fork = { leg: uac, participant: this.addParticipant(callee, target.uri, 'outbound', 'Dialing'), mediaId };
    uac.on('progress', (res) => this.progress(fork, res.status, readAudio(res)));
    uac.on('answered', (res) => this.answered(fork, readAudio(res)));
    uac.on('failed', (status) => this.forkFailed(fork, status));
    this.listenTo(fork);
    uac.start();
    return fork;
  }

  /** A fork inside the PBX (a route point): no SIP, no SDP; its relay leg gets no media of its own. */
  private newLocalFork(callee: CallParty, target: LocalTarget, mediaId: string): Fork {
    const participant = this.addParticipant(callee, '', 'outbound', 'Dialing');
    const leg = target.local(participant.id, this.id);
    const fork: Fork = { leg, participant, mediaId };
    leg.on('progress', () => this.progress(fork, 180, undefined));
    leg.on('answered', () => this.answered(fork, undefined));
    leg.on('failed', (status) => this.forkFailed(fork, status));
    this.listenTo(fork);
    leg.start();
    return fork;
  }

  protected progress(fork: Fork, status: number, sdp: AudioOffer | undefined): void {
    if (this.alternative?.forks.includes(fork)) return this.setStatus(fork.participant, 'Ringing');
    if (this.ended || this.winner || !this.forks.includes(fork)) return;
    this.setStatus(fork.participant, 'Ringing');
    // Early media (183 with SDP): connect the caller to this fork's media now.
    if (status === 183 && sdp) {
      this.ringback.stop();
      this.earlyMedia = fork;
      this.media.setRemote(fork.mediaId, sdp);
      this.media.bridge(this.callerEnd.mediaId, fork.mediaId);
      this.caller.provisional(183, this.media.answerSdp(this.callerEnd.mediaId));
      this.ringing = true;
      return;
    }
    if (!this.ringing) {
      this.ringing = true;
      this.caller.provisional(180);
    }
    this.startRingback();
  }

  protected answered(fork: Fork, sdp: AudioOffer | undefined): void {
    if (this.alternative?.forks.includes(fork)) return this.alternativeAnswered(fork, sdp);
    if (this.ended || this.winner || !this.forks.includes(fork)) {
      fork.leg.bye();
      return;
    }
    this.winner = fork;
    clearTimeout(this.noAnswerTimer);
    for (const other of this.forks) {
      if (other === fork) continue;
      other.leg.cancel();
      this.dropFork(other);
    }
    this.forks = [fork];
    this.ringback.stop();
    if (sdp) this.media.setRemote(fork.mediaId, sdp);
    this.media.bridge(this.callerEnd.mediaId, fork.mediaId);
    // A transfer keeps the first answer time: billsec counts the whole talk.
    this.answeredAt ??= this.now();
    this.caller.answer(this.media.answerSdp(this.callerEnd.mediaId));
    this.setStatus(fork.participant, 'Connected');
    this.setStatus(this.callerEnd.participant, 'Connected');
    this.setState('Talking');
    this.resumeHeldByUs();
    const done = this.stepDone;
    this.stepDone = undefined;
    done?.({ answered: true });
  }

  protected forkFailed(fork: Fork, status: number): void {
    if (this.alternative?.forks.includes(fork)) return this.alternativeForkFailed(fork);
    if (this.ended || this.winner === fork || !this.forks.includes(fork)) return;
    this.dropFork(fork);
    if (status === 486 || status === 600) this.busySeen = true;
    const live = this.forks.filter((f) => this.participants.has(f.participant.id));
    if (live.length === 0 && !this.winner) {
      if (this.busySeen) this.roundFailed('BUSY', 486);
      else if (status === 487 || status === 408 || status === 480) this.roundFailed('NO ANSWER', 480);
      else this.roundFailed('FAILED', status >= 500 ? 503 : 480);
    }
  }

  protected noAnswer(): void {
    if (this.ended || this.winner) return;
    this.roundFailed('NO ANSWER', 480);
  }

  /** Hooks for the transfers call.ts adds: a fork of a transfer attempt answered or failed. */
  protected abstract alternativeAnswered(fork: Fork, sdp: AudioOffer | undefined): void;
  protected abstract alternativeForkFailed(fork: Fork): void;
}
