// A player: sends 8 kHz audio into one relay leg as an RTP stream of its own
// — prompts once, music on hold looped.
//
// RFC 3550 §5.1: the stream has its own random SSRC, sequence number and
// timestamp origin ("the initial value … SHOULD be random"), the marker bit on
// its first packet (RFC 3551 §4.1: the start of a talkspurt), one packet per
// 20 ms (RFC 3551 §4.5: "the default packetization interval … 20 ms").
// Pacing follows the clock, not the timer: each tick sends the packets due
// since the start, so late timers do not slow the stream down (a stall of
// more than 100 ms is skipped rather than sent as a burst).
//
// Each packet is encoded in the codec the leg uses at that moment (a
// re-INVITE may switch it), and sent through the relay from the leg's port.
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { linearToAlaw, linearToUlaw, ULAW_TO_LINEAR } from './g711.ts';
import { PbxMediaError } from './errors.ts';
import type { MediaRelay } from './relay.ts';
import { serializeRtpHeader } from './rtp-packet.ts';
import { parseWav } from './wav-file.ts';

const RATE = 8000;
const FRAME = 160;
const FRAME_MS = 20;
/** Packets a tick may catch up; beyond that the lost time is skipped. */
const MAX_CATCH_UP = 5;

export interface PlayerOptions {
  relay: MediaRelay;
  legId: string;
  /** Linear 16-bit samples at 8 kHz. */
  samples: Int16Array;
  loop?: boolean;
  now?: () => number;
  /** Called once when a non-looping player has sent everything, or the leg is gone. */
  onEnd?: () => void;
}

export class RtpPlayer {
  private readonly ssrc = randomInt(0, 0x100000000);
  private seq = randomInt(0, 0x10000);
  private timestamp = randomInt(0, 0x100000000);
  private readonly now: () => number;
  private position = 0;
  private sent = 0;
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: PlayerOptions) {
    if (o.samples.length === 0) throw new PbxMediaError('nothing to play: no samples', 'MEDIA_INVALID');
    this.now = o.now ?? Date.now;
  }

  /** Packets sent so far. */
  get packets(): number {
    return this.sent;
  }

  start(): this {
    if (this.timer || this.stopped) return this;
    this.startedAt = this.now();
    this.tick();
    this.timer = setInterval(() => this.tick(), FRAME_MS);
    return this;
  }

  /** Idempotent; a stopped player sends nothing more. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
  }

  private tick(): void {
    if (this.stopped) return;
    const due = Math.floor((this.now() - this.startedAt) / FRAME_MS) + 1;
    if (due - this.sent > MAX_CATCH_UP) {
      // Skipped time still advances the RTP clock: the receiver sees a gap, not a rush.
      const skip = due - this.sent - 1;
      this.sent += skip;
      this.timestamp = (this.timestamp + skip * FRAME) >>> 0;
      this.seq = (this.seq + skip) & 0xffff;
    }
    while (this.sent < due && !this.stopped) this.sendFrame();
  }

  private sendFrame(): void {
    const { relay, legId, samples } = this.o;
    const codec = relay.codecOf(legId);
    if (!codec) return this.end();
    const packet = Buffer.allocUnsafe(12 + FRAME);
    serializeRtpHeader({ payloadType: codec.payloadType, sequenceNumber: this.seq, timestamp: this.timestamp, ssrc: this.ssrc, marker: this.sent === 0 }, packet);
    const encode = codec.codec === 'PCMU' ? linearToUlaw : linearToAlaw;
    for (let i = 0; i < FRAME; i++) {
      if (this.position >= samples.length) {
        if (this.o.loop) this.position = 0;
        else {
          packet.fill(encode(0), 12 + i);
          break;
        }
      }
      packet[12 + i] = encode(samples[this.position++]!);
    }
    this.seq = (this.seq + 1) & 0xffff;
    this.timestamp = (this.timestamp + FRAME) >>> 0;
    this.sent++;
    if (!relay.sendToLeg(legId, packet)) return this.end();
    if (!this.o.loop && this.position >= samples.length) this.end();
  }

  private end(): void {
    if (this.stopped) return;
    this.stop();
    this.o.onEnd?.();
  }
}

/**
 * Audio to play, from a file: WAV with 16-bit PCM at 8 kHz mono (what
 * `sox … -r 8000 -c 1 -b 16` and `espeak-ng` + sox give), or raw µ-law
 * (`.ul`, `.ulaw`, `.pcmu`: ITU-T G.711, what Asterisk's sounds use).
 */
export async function loadAudio(path: string): Promise<Int16Array> {
  const buf = await readFile(path);
  if (/\.(ul|ulaw|pcmu|mu)$/i.test(path)) return Int16Array.from(buf, (c) => ULAW_TO_LINEAR[c]!);
  const wav = parseWav(buf);
  if (!wav || wav.bitsPerSample !== 16 || wav.channels !== 1 || wav.sampleRate !== RATE) {
    throw new PbxMediaError(`${path}: expected a 16-bit mono 8 kHz WAV or raw µ-law (.ul) file`, 'MEDIA_INVALID');
  }
  const out = new Int16Array(Math.floor(wav.dataBytes / 2));
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(wav.dataOffset + i * 2);
  return out;
}

/**
 * The built-in music on hold, for a PBX with no file configured: a slow,
 * quiet arpeggio (A major: 440, 554, 659 Hz, half a second per note, with a
 * short fade per note so it does not click), 4 s, looped.
 */
export function builtInMusicOnHold(): Int16Array {
  const notes = [440, 554.37, 659.25, 554.37, 440, 659.25, 554.37, 440];
  const per = RATE / 2;
  const out = new Int16Array(notes.length * per);
  notes.forEach((hz, n) => {
    for (let i = 0; i < per; i++) {
      const envelope = Math.min(1, i / 400, (per - i) / 400);
      out[n * per + i] = Math.round(6000 * envelope * Math.sin((2 * Math.PI * hz * i) / RATE));
    }
  });
  return out;
}
