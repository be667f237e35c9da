// A call that may grow past two parties: barge-in, listen and whisper (seed
// 000 bargein, issue 6). A third party's phone rings; when it answers the
// call's media moves into a mixer (src/media/mixer.ts) and stays there.
//
// The two ends keep their SIP dialogs and their relay legs: the legs are
// unbridged and fed to the mixer, which sends each phone its own mix from the
// same port, so no phone is re-INVITEd (and baresip, which stops recording
// what it hears after a re-INVITE, keeps hearing). Members are the call's
// participants, by participant id; a whisper's target is one of them.
//
// Who stays. An extra member hanging up leaves the call. When one of the two
// ends hangs up and a speak+hear extra (a supervisor who barged in) is there,
// that extra takes the free end's place and the call goes on; otherwise the
// call ends as a two-party call does, and every extra gets BYE. A call that
// is down to two members stays mixed (nothing to gain from re-bridging).
//
// A supervisor's participant carries its mode as `supervision` (listen,
// whisper + target, barge) from the moment its phone rings; it follows every
// change of mode, and goes when a barged-in supervisor takes an end's place
// (it is then a party of the call, supervising nobody).
import type { Participant, Supervision } from '../../core/calls.ts';
import { PbxError } from '../../core/errors.ts';
import { AudioMixer, type MixerMode } from '../../media/mixer.ts';
import type { MediaRelay } from '../../media/relay.ts';
import { CallBase } from '../b2bua/call-base.ts';
import type { CallParty, End, Fork } from '../b2bua/call-ends.ts';
import { UacLeg, type UacTarget } from '../b2bua/uac-leg.ts';
import { readAudio, type AudioOffer } from '../b2bua/sdp-media.ts';

export type { MixerMode } from '../../media/mixer.ts';

/** How a supervisor in `mode` shows in its participant. */
function supervisionOf(mode: MixerMode, target: string | undefined): Supervision {
  if (mode === 'whisper') return { mode: 'whisper', target: target ?? null };
  return { mode: mode === 'hear' ? 'listen' : 'barge', target: null };
}

interface Joining {
  forks: Fork[];
  mode: MixerMode;
  target: string | undefined;
  timer: NodeJS.Timeout;
}

export abstract class MixedCall extends CallBase {
  protected mixer: AudioMixer | undefined;
  /** Members beyond the two ends, connected. */
  private extras: End[] = [];
  private joining: Joining[] = [];
  /** Numbers of every extra member that was connected, for the CDR. */
  private readonly joinedDns: string[] = [];

  get isMixed(): boolean {
    return this.mixer !== undefined;
  }

  /** The numbers of the members that joined beyond the two ends, in order. */
  get joinedNumbers(): readonly string[] {
    return this.joinedDns;
  }

  /**
   * Rings `targets` (the devices of one extension) to join the talking call
   * in `mode`; the first to answer is mixed in, the others stop ringing.
   * Returns once they ring; a device that does not answer in `ringSeconds`
   * is cancelled and the call goes on as it was.
   */
  async addMember(party: CallParty, targets: UacTarget[], mode: MixerMode, whisperTo: string | undefined, ringSeconds: number, from: string, to: string): Promise<void> {
    this.requireTalking();
    if (mode === 'whisper') {
      if (whisperTo === undefined || !this.members().some((e) => e.participant.id === whisperTo)) throw new PbxError('SB_UNPROCESSABLE', `participant ${String(whisperTo)} is not connected in call ${this.id}`);
    }
    const joining: Joining = { forks: [], mode, target: whisperTo, timer: setTimeout(() => this.giveUp(joining), ringSeconds * 1000) };
    this.joining.push(joining);
    for (const target of targets) {
      const fork = await this.joinFork(joining, party, target, from, to);
      if (!fork) break;
    }
  }

  /**
   * A supervisor already in the call (connected, or still ringing) asks for
   * another mode: barge-in, listen and whisper switch in the mixer, without
   * a second leg or a re-INVITE. False when `dn` is no supervisor here.
   */
  changeMode(dn: string, mode: MixerMode, whisperTo: string | undefined): boolean {
    if (mode === 'whisper' && (whisperTo === undefined || !this.members().some((e) => e.participant.id === whisperTo && e.participant.dn !== dn))) {
      throw new PbxError('SB_UNPROCESSABLE', `participant ${String(whisperTo)} is not connected in call ${this.id}, or is the supervisor`);
    }
    const target = mode === 'whisper' ? whisperTo : undefined;
    const extra = this.extras.find((e) => e.participant.dn === dn);
    if (extra) {
      this.mixer?.setMode(extra.participant.id, mode, target);
      this.showSupervision(extra.participant, mode, target);
      this.emit('changed', this.info());
      return true;
    }
    const ringing = this.joining.find((j) => j.forks.some((f) => f.participant.dn === dn));
    if (!ringing) return false;
    ringing.mode = mode;
    ringing.target = target;
    for (const f of ringing.forks) this.showSupervision(f.participant, mode, target);
    this.emit('changed', this.info());
    return true;
  }

  /** The supervisor's participant shows its mode now (a new object: copies handed out keep the old). */
  private showSupervision(p: Participant, mode: MixerMode, target: string | undefined): void {
    const s = supervisionOf(mode, target);
    if (p.supervision?.mode === s.mode && p.supervision.target === s.target) return;
    p.supervision = s;
    this.emit('participant', { ...p });
  }

  /** The connected members: the two ends and the extras. */
  protected members(): End[] {
    return [...this.ends(), ...this.extras];
  }

  /** Transfers move a call's two ends around: not while it is mixed. */
  protected requireUnmixed(): void {
    if (this.mixer) throw new PbxError('SB_UNPROCESSABLE', `call ${this.id} has more than two parties (mixed): it cannot be transferred`);
  }

  override mediaTap(): { relay: MediaRelay; caller: string; callee: string | undefined; mixer?: AudioMixer } {
    const tap = super.mediaTap();
    return this.mixer ? { ...tap, mixer: this.mixer } : tap;
  }

  private async joinFork(joining: Joining, party: CallParty, target: UacTarget, from: string, to: string): Promise<Fork | undefined> {
    const mediaId = `member${String(this.nextMedia++)}`;
    await this.media.addLeg(mediaId);
    if (this.ended || !this.joining.includes(joining)) {
      this.media.remove(mediaId);
      return undefined;
    }
    const uac = new UacLeg(this.ctx, { target, from, to, sdp: this.media.sdp(mediaId, ['PCMU', 'PCMA'], 101) });
    const fork: Fork = { leg: uac, participant: this.addParticipant(party, target.uri, 'outbound', 'Dialing', supervisionOf(joining.mode, joining.target)), mediaId };
    uac.on('progress', () => {
      if (joining.forks.includes(fork)) this.setStatus(fork.participant, 'Ringing');
    });
    uac.on('answered', (res) => this.joinAnswered(joining, fork, readAudio(res)));
    uac.on('failed', () => this.joinFailed(joining, fork));
    this.listenTo(fork);
    joining.forks.push(fork);
    uac.start();
    return fork;
  }

  private joinAnswered(joining: Joining, fork: Fork, sdp: AudioOffer | undefined): void {
    if (this.ended || !joining.forks.includes(fork) || !sdp) {
      fork.leg.bye();
      if (joining.forks.includes(fork)) this.joinFailed(joining, fork);
      return;
    }
    this.stopJoining(joining, fork);
    this.media.setRemote(fork.mediaId, sdp);
    const mixer = this.mixIn();
    const target = joining.mode === 'whisper' && this.members().some((e) => e.participant.id === joining.target) ? joining.target : undefined;
    // The whisper's target left while the supervisor's phone rang: it only listens.
    const mode = target === undefined && joining.mode === 'whisper' ? 'hear' : joining.mode;
    mixer.add(fork.participant.id, this.media.relay, fork.mediaId, mode, target);
    this.showSupervision(fork.participant, mode, target);
    this.extras.push(fork);
    this.joinedDns.push(fork.participant.dn);
    this.setStatus(fork.participant, 'Connected');
    this.emit('changed', this.info());
  }

  private joinFailed(joining: Joining, fork: Fork): void {
    if (!joining.forks.includes(fork)) return;
    joining.forks = joining.forks.filter((f) => f !== fork);
    this.dropFork(fork);
    if (joining.forks.length === 0) this.stopJoining(joining, undefined);
  }

  /** Nobody answered in time. */
  private giveUp(joining: Joining): void {
    for (const f of joining.forks) f.leg.cancel();
  }

  /** Ringing of this join is over: cancels every fork but `winner`. */
  private stopJoining(joining: Joining, winner: Fork | undefined): void {
    clearTimeout(joining.timer);
    this.joining = this.joining.filter((j) => j !== joining);
    for (const f of joining.forks) {
      if (f === winner) continue;
      f.leg.cancel();
      this.dropFork(f);
    }
    joining.forks = [];
  }

  /** Moves the two ends into a mixer, once. */
  private mixIn(): AudioMixer {
    if (this.mixer) return this.mixer;
    const mixer = new AudioMixer();
    const [a, b] = this.ends() as [End, End];
    // Each end's phone was hearing the other's stream: the mixer continues it.
    mixer.add(a.participant.id, this.media.relay, a.mediaId, 'speak+hear', undefined, { continues: b.participant.id });
    mixer.add(b.participant.id, this.media.relay, b.mediaId, 'speak+hear', undefined, { continues: a.participant.id });
    this.mixer = mixer;
    return mixer;
  }

  protected override endHungUp(end: End): void {
    if (this.ended) return;
    if (this.extras.includes(end)) return this.memberLeft(end);
    if (this.mixer && (end === this.callerEnd || end === this.winner) && this.promote(end)) return;
    super.endHungUp(end);
  }

  /**
   * API drop of a participant: an extra member leaves alone; an end is
   * replaced by a barged-in supervisor as when it hangs up; a ringing
   * supervisor stops ringing. True when handled here.
   */
  protected dropMember(participantId: string): boolean {
    const extra = this.extras.find((e) => e.participant.id === participantId);
    if (extra) {
      extra.leg.bye();
      this.memberLeft(extra);
      return true;
    }
    const end = this.ends().find((e) => e.participant.id === participantId);
    if (end && this.mixer && this.promote(end)) {
      end.leg.bye();
      return true;
    }
    for (const j of this.joining) {
      const f = j.forks.find((x) => x.participant.id === participantId);
      if (f) {
        f.leg.cancel();
        return true;
      }
    }
    return false;
  }

  private memberLeft(end: End): void {
    this.extras = this.extras.filter((e) => e !== end);
    this.forget(end.participant.id);
    end.unlisten?.();
    this.leave(end.participant);
    this.media.remove(end.mediaId);
    this.emit('changed', this.info());
  }

  /** A member is out of the mixer; whoever whispered to it only listens now. */
  private forget(participantId: string): void {
    const mixer = this.mixer;
    if (!mixer) return;
    mixer.remove(participantId);
    for (const m of mixer.info()) {
      if (m.mode !== 'whisper' || m.target !== participantId) continue;
      mixer.setMode(m.id, 'hear');
      const whisperer = this.extras.find((e) => e.participant.id === m.id);
      if (whisperer) this.showSupervision(whisperer.participant, 'hear', undefined);
    }
  }

  /** One end hung up: a barged-in supervisor takes its place, if there is one. */
  private promote(gone: End): boolean {
    const heir = this.extras.find((e) => this.mixer?.info().find((m) => m.id === e.participant.id)?.mode === 'speak+hear');
    if (!heir || !this.winner) return false;
    if (gone === this.callerEnd) this.swapEnds();
    this.forget(gone.participant.id);
    gone.unlisten?.();
    this.leave(gone.participant);
    this.media.remove(gone.mediaId);
    this.extras = this.extras.filter((e) => e !== heir);
    delete heir.participant.supervision;
    this.emit('participant', { ...heir.participant });
    this.winner = heir;
    this.forks = [heir as Fork];
    this.emit('changed', this.info());
    return true;
  }

  protected override end(disposition: Parameters<CallBase['end']>[0]): void {
    if (this.ended) return;
    for (const j of [...this.joining]) {
      for (const f of j.forks) f.leg.cancel();
      clearTimeout(j.timer);
    }
    this.joining = [];
    for (const e of this.extras) {
      e.unlisten?.();
      e.leg.bye();
    }
    this.mixer?.close();
    super.end(disposition);
  }
}
