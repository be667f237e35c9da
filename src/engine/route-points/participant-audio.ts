// Raw audio of a live participant (seed 001 GET/POST …/participants/{id}/stream):
// which relay leg stands for the participant, and a PCM tap or injector on it
// that ends when the participant leaves or its call ends.
//
// A participant that is a phone (an extension's device, an outside line) is
// its own relay leg: GET streams what that phone says, POST is played to it.
// A route point's participant has no phone — it stands for the application —
// so it maps to its partner's leg: GET is what the application hears (the
// caller), POST is what the caller hears from the application.
import { PbxError } from '../../core/errors.ts';
import type { AudioListener, AudioUpload } from '../../core/pbx-control.ts';
import type { Participant } from '../../core/calls.ts';
import type { MediaRelay } from '../../media/relay.ts';
import { PcmTap } from '../../media/pcm-tap.ts';
import { PcmInjector } from '../../media/pcm-injector.ts';
import type { Call } from '../b2bua/call.ts';

/** An upload that plays only while it has audio gives the partner's voice back after this much silence of the writer. */
const IDLE_RELEASE_MS = 300;

interface Leg {
  call: Call;
  relay: MediaRelay;
  legId: string;
}

export class ParticipantAudio {
  /** The open upload of each relay leg (`call/leg`): a new one replaces it. */
  private readonly uploads = new Map<string, PcmInjector>();

  constructor(private readonly calls: { get(id: string): Call | undefined }) {}

  listen(callId: string, participantId: string, listener: AudioListener): { close(): void } {
    const { call, relay, legId } = this.legOf(callId, participantId);
    const tap = new PcmTap(relay, legId, (pcm) => listener.pcm(pcm));
    const stop = this.untilGone(call, participantId, () => {
      tap.close();
      listener.end();
    });
    return {
      close: () => {
        stop();
        tap.close();
      },
    };
  }

  speak(callId: string, participantId: string, options: { whilePlaying?: boolean } = {}): AudioUpload {
    const { call, relay, legId } = this.legOf(callId, participantId);
    // The mixer sends each member its own mix: an upload would be a second stream at the phone.
    if (call.isMixed) throw new PbxError('SB_UNPROCESSABLE', `call ${callId} is mixed (a supervisor or more parties): audio cannot be played into it yet`);
    const key = `${callId}/${legId}`;
    this.uploads.get(key)?.close();
    const injector = new PcmInjector({ relay, legId, ...(options.whilePlaying === true ? { releaseWhenIdleMs: IDLE_RELEASE_MS } : {}) });
    this.uploads.set(key, injector);
    const stop = this.untilGone(call, participantId, () => injector.close());
    injector.once('closed', () => {
      stop();
      if (this.uploads.get(key) === injector) this.uploads.delete(key);
    });
    return injector;
  }

  /** Calls `gone` once when the participant leaves or the call ends; returns how to stop watching. */
  private untilGone(call: Call, participantId: string, gone: () => void): () => void {
    let watching = true;
    const stop = (): void => {
      if (!watching) return;
      watching = false;
      call.off('participant', onParticipant);
      call.off('ended', onEnded);
    };
    const onParticipant = (p: Participant): void => {
      if (p.id === participantId && p.status === 'Ended') onEnded();
    };
    const onEnded = (): void => {
      if (!watching) return;
      stop();
      gone();
    };
    call.on('participant', onParticipant);
    call.on('ended', onEnded);
    return stop;
  }

  private legOf(callId: string, participantId: string): Leg {
    const call = this.calls.get(callId);
    const p = call?.participant(participantId);
    if (!call || !p || p.status === 'Ended') throw new PbxError('SB_NOT_FOUND', `participant ${participantId} is not in a live call`);
    if (p.status !== 'Connected' && p.status !== 'Held') throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is ${p.status}: its audio flows once it is connected`);
    const { relay, caller, callee } = call.mediaTap();
    const isCaller = call.info().owner === participantId;
    if (!isCaller && call.calleeParticipant?.id !== participantId) throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is not one of the two connected ends of call ${callId}`);
    const own = isCaller ? caller : callee;
    const partner = isCaller ? callee : caller;
    const legId = p.dnType === 'RoutePoint' ? partner : own;
    if (legId === undefined) throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} has no media yet`);
    return { call, relay, legId };
  }
}
