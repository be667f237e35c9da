// What a caller waiting in a queue hears, on the caller's relay leg while it
// is not bridged to anyone: the queue's intro once (when enabled), then
// music on hold looped; every `announcementInterval` seconds the music
// pauses for an announcement (the caller's position when the queue says so),
// then goes on. Stopped as soon as an agent answers or the caller leaves.
// While the caller's leg is bridged to a ringing agent's early media (a 183
// with SDP) the music pauses, so the caller never hears two streams at once.
import { RtpPlayer } from '../../media/player.ts';
import type { MediaRelay } from '../../media/relay.ts';

export interface QueueMusicOptions {
  relay: MediaRelay;
  legId: string;
  music: Int16Array;
  intro?: Int16Array | undefined;
  /** Seconds between announcements; 0 = none. */
  announcementInterval: number;
  /** The announcement to play now (it may name the caller's current position). */
  announcement?: (() => Promise<Int16Array | undefined>) | undefined;
}

export class QueueMusic {
  private player: RtpPlayer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private paused = false;
  private readonly watch: NodeJS.Timeout;

  constructor(private readonly o: QueueMusicOptions) {
    this.watch = setInterval(() => this.followBridge(), 100);
    this.watch.unref();
  }

  start(): void {
    if (this.o.intro && this.o.intro.length > 0) this.play(this.o.intro, false, () => this.music());
    else this.music();
  }

  /** Early media bridged: silence from us; unbridged again (that agent failed): the music again. */
  private followBridge(): void {
    if (this.stopped) return;
    const bridged = this.o.relay.peerOf(this.o.legId) !== undefined;
    if (bridged === this.paused) return;
    this.paused = bridged;
    if (bridged) {
      clearTimeout(this.timer);
      this.player?.stop();
      this.player = undefined;
    } else this.music();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.watch);
    clearTimeout(this.timer);
    this.player?.stop();
    this.player = undefined;
  }

  private play(samples: Int16Array, loop: boolean, next?: () => void): void {
    if (this.stopped || this.paused) return;
    this.player?.stop();
    this.player = new RtpPlayer({
      relay: this.o.relay,
      legId: this.o.legId,
      samples,
      loop,
      onEnd: () => {
        if (!this.stopped && next) next();
      },
    });
    this.player.start();
  }

  private music(): void {
    this.play(this.o.music, true);
    const interval = this.o.announcementInterval;
    if (interval > 0 && this.o.announcement) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.announce(), interval * 1000);
    }
  }

  private async announce(): Promise<void> {
    if (this.stopped) return;
    const samples = await this.o.announcement?.().catch(() => undefined);
    if (this.stopped) return;
    if (samples && samples.length > 0) this.play(samples, false, () => this.music());
    else this.music();
  }
}
