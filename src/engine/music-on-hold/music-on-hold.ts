// Music on hold: while a participant is held, the party that is on hold hears
// a looped file (SWITCHBOARD_MOH_FILE, or a built-in melody) from a player on
// its relay leg. Found through the event log ('participant.updated'), like
// the recorder, so the B2BUA needs no hook.
//
// Who is on hold. The call marks a participant Held in two cases:
// - the API held it (PbxControl.calls.hold): we offered it sendonly and set
//   its relay leg `inactive` — that participant is on hold: the music goes to it;
// - its phone held the call (a re-INVITE with sendonly, RFC 3264 §8.4): its
//   leg takes the phone's direction, `sendonly` — the *other* party is on hold
//   and gets the music.
// A phone holding with `inactive` looks like the first case and gets the
// music itself (it does not listen; the other side hears silence): a known
// limit, written in README.md, until the call model says who held whom.
import type { Logger } from 'pino';
import type { Store } from '../../store/index.ts';
import type { Participant } from '../../core/calls.ts';
import type { PbxEvent } from '../../core/pbx-control.ts';
import { RtpPlayer, builtInMusicOnHold, loadAudio } from '../../media/player.ts';
import type { Call } from '../b2bua/call.ts';

export interface MusicOnHoldOptions {
  calls: { get(id: string): Call | undefined };
  store: Store;
  logger: Logger;
  /** A WAV (PCM16 8 kHz mono) or raw µ-law file; the built-in melody when undefined. */
  file?: string | undefined;
}

export class MusicOnHold {
  private readonly music: Promise<Int16Array>;
  /** By `callId/participantId` of the held participant. */
  private readonly playing = new Map<string, { player: RtpPlayer; call: Call; onEnded: () => void }>();
  private readonly unsubscribe: () => void;

  constructor(private readonly o: MusicOnHoldOptions) {
    const file = o.file;
    this.music =
      file === undefined
        ? Promise.resolve(builtInMusicOnHold())
        : loadAudio(file).catch((err: unknown) => {
            o.logger.error({ err, file }, 'music on hold file unusable: playing the built-in melody');
            return builtInMusicOnHold();
          });
    this.unsubscribe = o.store.events.subscribe((e) => this.onEvent(e));
  }

  /** How many players are running (for tests and metrics). */
  get size(): number {
    return this.playing.size;
  }

  close(): void {
    this.unsubscribe();
    for (const key of [...this.playing.keys()]) this.stop(key);
  }

  private onEvent(e: PbxEvent): void {
    if (e.type !== 'participant.updated') return;
    const p = (e as PbxEvent<'participant.updated'>).payload.participant;
    if (p.status === 'Held') this.held(p).catch((err: unknown) => this.o.logger.error({ err, call: p.callId }, 'starting music on hold failed'));
    else this.stop(`${p.callId}/${p.id}`);
  }

  private async held(p: Participant): Promise<void> {
    const key = `${p.callId}/${p.id}`;
    const call = this.o.calls.get(p.callId);
    if (!call || call.isEnded || this.playing.has(key)) return;
    const music = await this.music;
    // The event may be stale by now: only a participant still held gets music.
    if (call.isEnded || this.playing.has(key) || call.participant(p.id)?.status !== 'Held') return;
    const { relay, caller, callee } = call.mediaTap();
    const own = p.id === call.info().owner ? caller : callee;
    const other = own === caller ? callee : caller;
    if (own === undefined) return;
    const target = relay.direction(own) === 'inactive' ? own : other;
    // In a mixed call a holding phone only stops being heard: the others still hear each other.
    if (target === undefined || (target !== own && call.isMixed)) return;
    const player = new RtpPlayer({ relay, legId: target, samples: music, loop: true, onEnd: () => this.stop(key) });
    const onEnded = (): void => this.stop(key);
    this.playing.set(key, { player, call, onEnded });
    call.once('ended', onEnded);
    player.start();
  }

  private stop(key: string): void {
    const entry = this.playing.get(key);
    if (!entry) return;
    this.playing.delete(key);
    entry.player.stop();
    entry.call.off('ended', entry.onEnded);
  }
}
