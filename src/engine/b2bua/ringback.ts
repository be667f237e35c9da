// Ringback toward a caller who already hears us: a transferred party, a
// caller the IVR answered, the originator of a click-to-call. Such a caller's
// own phone no longer plays a ringing tone on our 180 (its call is answered),
// so we play it into its relay leg, as a UA does locally for a 180 without
// early media (RFC 3960 §3), until the far end answers, sends early media,
// or stops ringing. A feature that plays its own audio to the waiting caller
// (a queue's music) turns it off meanwhile.
import { RtpPlayer } from '../../media/player.ts';
import type { MediaRelay } from '../../media/relay.ts';
import { ringingTone } from '../../media/progress-tones.ts';

const TONE = ringingTone();

export class Ringback {
  private player: RtpPlayer | undefined;
  private suppressed = 0;

  constructor(private readonly relay: MediaRelay) {}

  get playing(): boolean {
    return this.player !== undefined;
  }

  /** Starts the tone on `legId` unless it plays already or a feature owns the caller's audio. */
  start(legId: string): void {
    if (this.player || this.suppressed > 0) return;
    const player = new RtpPlayer({
      relay: this.relay,
      legId,
      samples: TONE,
      loop: true,
      onEnd: () => {
        if (this.player === player) this.player = undefined;
      },
    });
    this.player = player;
    player.start();
  }

  /** Idempotent. */
  stop(): void {
    this.player?.stop();
    this.player = undefined;
  }

  /** No ringback until the returned function is called (once; later calls do nothing). */
  suppress(): () => void {
    this.suppressed++;
    this.stop();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.suppressed--;
    };
  }
}
