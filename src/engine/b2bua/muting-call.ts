// Mute and unmute of one participant from the API (issue 6): the layer
// between MixedCall and Call. A muted phone is heard by nobody — the relay
// neither forwards nor mixes what it sends, and recordings and raw streams
// get silence in its place (MediaRelay.setMuted) — and still hears the others. No re-INVITE: the phone is not
// told, as a PBX's mute is not the phone's own mute button.
//
// The state is the participant's: it survives hold and resume, a phone's own
// re-INVITEs and a transfer of its partner; it ends with the participant.
import { PbxError } from '../../core/errors.ts';
import { MixedCall } from '../conference/mixed-call.ts';

export abstract class MutingCall extends MixedCall {
  /** Mutes or unmutes a connected member (an end or a supervisor); idempotent. */
  setMuted(participantId: string, muted: boolean): void {
    if (this.ended) throw new PbxError('SB_UNPROCESSABLE', `call ${this.id} has ended`);
    const member = this.members().find((e) => e.participant.id === participantId);
    if (!member) {
      if (!this.participants.has(participantId)) throw new PbxError('SB_NOT_FOUND', `participant ${participantId} is not in call ${this.id}`);
      throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is not connected`);
    }
    // A route point's application sends through the stream API, not a phone: stop its upload instead.
    if (member.participant.dnType === 'RoutePoint') throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is a route point's application: it has no phone to mute`);
    const p = member.participant;
    if (p.muted === muted) return;
    this.media.setMuted(member.mediaId, muted);
    p.muted = muted;
    this.emit('participant', { ...p });
    this.emit('changed', this.info());
  }
}
