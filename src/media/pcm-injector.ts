// A raw PCM injector: 16-bit signed little-endian 8 kHz mono samples (seed
// 001's POST …/stream) sent into a leg as an RTP stream of its own, paced
// at real time whatever the writer's bursts.
//
// RFC 3550 §5.1: own random SSRC, sequence and timestamp origin; 160 samples
// per packet every 20 ms (RFC 3551 §4.5); the timestamp follows the clock,
// so a writer that falls behind leaves a gap (no packets) rather than
// compressing time, and the first packet after a gap carries the marker bit
// (RFC 3551 §4.1: the start of a talkspurt). After an underrun it waits for
// 60 ms of audio (or 100 ms) before playing again, so a writer at real time
// with some jitter is not chopped into single packets.
//
// A leading WAV header (RIFF/WAVE, PCM 16-bit 8 kHz mono) is skipped; a WAV
// in another format is refused (`formatError`). Odd bytes are carried over
// to the next write, as a sample may be split between two chunks.
import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import { linearToAlaw, linearToUlaw } from './g711.ts';
import type { MediaRelay } from './relay.ts';
import { serializeRtpHeader } from './rtp-packet.ts';
import { parseWav } from './wav-file.ts';

const FRAME = 160;
const FRAME_BYTES = FRAME * 2;
const FRAME_MS = 20;
const PREBUFFER_FRAMES = 3;
const PREBUFFER_WAIT_MS = 100;
/** A WAV header with a few chunks fits; more before the decision is not a header we take. */
const MAX_HEADER_BYTES = 4096;

export interface PcmInjectorOptions {
  relay: MediaRelay;
  legId: string;
  now?: () => number;
  /** 'drain' is emitted once the buffer falls below this after having passed it. Default 1000 ms. */
  lowWaterMs?: number;
  /**
   * Replace the leg's audio only while there is audio to play: the bridge's
   * stream is taken from the first write and given back once the buffer has
   * been empty this long (taken again by the next write). Default: from
   * construction until close.
   */
  releaseWhenIdleMs?: number;
}

export type PcmInjectorEvents = {
  /** The buffer went below lowWaterMs: a paused writer may go on. */
  drain: [];
  /** The leg is gone (the call ended or moved): nothing more can be played. */
  closed: [];
};

export class PcmInjector extends EventEmitter<PcmInjectorEvents> {
  private readonly ssrc = randomInt(0, 0x100000000);
  private seq = randomInt(0, 0x10000);
  private readonly timestampOrigin = randomInt(0, 0x100000000);
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly timer: NodeJS.Timeout;
  private readonly chunks: Buffer[] = [];
  /** Where the unplayed samples of chunks[0] start. */
  private offset = 0;
  private buffered = 0;
  private carry: Buffer | undefined;
  /** Bytes held back until we know whether they start with a WAV header. */
  private head: Buffer | undefined = Buffer.alloc(0);
  private ticks = 0;
  private playing = false;
  private waitingSince: number | undefined;
  private marker = true;
  private needDrain = false;
  private closed = false;
  /** Whether this injector owns the leg's output (the bridge's stream is dropped). */
  private owned: boolean;
  private idleSince: number | undefined;
  /** Why the upload cannot be played (a WAV in another format); set by write. */
  formatError: string | undefined;
  /** Packets sent so far. */
  packets = 0;

  constructor(private readonly o: PcmInjectorOptions) {
    super();
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
    this.timer = setInterval(() => this.tick(), FRAME_MS);
    this.owned = o.releaseWhenIdleMs === undefined;
    if (this.owned) o.relay.setOutputOwned(o.legId, true);
  }

  /** Milliseconds of audio waiting to be played. */
  get bufferedMs(): number {
    return Math.floor(this.buffered / 16);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether the first bytes have been looked at (a WAV header skipped or refused). */
  get headerDecided(): boolean {
    return this.head === undefined;
  }

  write(data: Buffer): void {
    if (this.closed || this.formatError !== undefined || data.length === 0) return;
    if (this.head !== undefined) {
      const head = Buffer.concat([this.head, data]);
      const decided = this.skipHeader(head);
      if (decided === undefined) {
        this.head = head;
        return;
      }
      this.head = undefined;
      data = decided;
      if (this.formatError !== undefined) return;
    }
    if (this.carry) {
      data = Buffer.concat([this.carry, data]);
      this.carry = undefined;
    }
    if (data.length % 2 === 1) {
      this.carry = data.subarray(data.length - 1);
      data = data.subarray(0, data.length - 1);
    }
    if (data.length === 0) return;
    this.chunks.push(data);
    this.buffered += data.length;
    this.own(true);
  }

  private own(owned: boolean): void {
    this.idleSince = undefined;
    if (this.owned === owned) return;
    this.owned = owned;
    this.o.relay.setOutputOwned(this.o.legId, owned);
  }

  /** The audio after a WAV header, the data itself when there is none, undefined while undecided. */
  private skipHeader(head: Buffer): Buffer | undefined {
    if (head.length < 4) return head.toString('latin1') === 'RIFF'.slice(0, head.length) ? undefined : head;
    if (head.toString('ascii', 0, 4) !== 'RIFF') return head;
    const wav = parseWav(head);
    if (!wav) {
      if (head.length < MAX_HEADER_BYTES) return undefined;
      this.formatError = 'the upload starts like a WAV file, but no PCM data chunk follows its header';
      return Buffer.alloc(0);
    }
    if (wav.bitsPerSample !== 16 || wav.channels !== 1 || wav.sampleRate !== 8000) {
      this.formatError = `the WAV is ${String(wav.bitsPerSample)}-bit, ${String(wav.channels)} channel(s), ${String(wav.sampleRate)} Hz; the stream takes PCM 16-bit 8000 Hz mono`;
      return Buffer.alloc(0);
    }
    return head.subarray(wav.dataOffset);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.chunks.length = 0;
    this.offset = 0;
    this.buffered = 0;
    if (this.owned) this.o.relay.setOutputOwned(this.o.legId, false);
    this.owned = false;
    this.emit('closed');
  }

  private tick(): void {
    const due = Math.floor((this.now() - this.startedAt) / FRAME_MS) + 1;
    while (this.ticks < due && !this.closed) {
      this.ticks++;
      this.frame();
    }
    const release = this.o.releaseWhenIdleMs;
    if (release !== undefined && this.owned && !this.playing && this.buffered === 0 && !this.closed) {
      this.idleSince ??= this.now();
      if (this.now() - this.idleSince >= release) this.own(false);
    }
    if (this.needDrain && this.bufferedMs < (this.o.lowWaterMs ?? 1000)) {
      this.needDrain = false;
      this.emit('drain');
    }
  }

  /** Asks for a 'drain' once the buffer is low again (a writer pausing its source). */
  wantDrain(): void {
    this.needDrain = true;
  }

  private frame(): void {
    if (!this.playing) {
      if (this.buffered < FRAME_BYTES) {
        this.waitingSince = this.buffered > 0 ? (this.waitingSince ?? this.now()) : undefined;
        if (this.buffered === 0 || this.now() - (this.waitingSince ?? 0) < PREBUFFER_WAIT_MS) return;
      } else if (this.buffered < PREBUFFER_FRAMES * FRAME_BYTES && this.now() - (this.waitingSince ??= this.now()) < PREBUFFER_WAIT_MS) {
        return;
      }
      this.playing = true;
      this.waitingSince = undefined;
    }
    if (this.buffered === 0) {
      this.playing = false;
      this.marker = true;
      return;
    }
    const { relay, legId } = this.o;
    const codec = relay.codecOf(legId);
    if (!codec) return this.close();
    const encode = codec.codec === 'PCMU' ? linearToUlaw : linearToAlaw;
    const packet = Buffer.allocUnsafe(12 + FRAME);
    const timestamp = (this.timestampOrigin + (this.ticks - 1) * FRAME) >>> 0;
    serializeRtpHeader({ payloadType: codec.payloadType, sequenceNumber: this.seq, timestamp, ssrc: this.ssrc, marker: this.marker }, packet);
    const silence = encode(0);
    for (let i = 0; i < FRAME; i++) {
      const sample = this.takeSample();
      packet[12 + i] = sample === undefined ? silence : encode(sample);
    }
    this.marker = false;
    this.seq = (this.seq + 1) & 0xffff;
    if (!relay.sendToLeg(legId, packet)) {
      if (!relay.codecOf(legId)) this.close();
      return;
    }
    this.packets++;
  }

  private takeSample(): number | undefined {
    const first = this.chunks[0];
    if (!first) return undefined;
    const sample = first.readInt16LE(this.offset);
    this.buffered -= 2;
    this.offset += 2;
    if (this.offset >= first.length) {
      this.chunks.shift();
      this.offset = 0;
    }
    return sample;
  }
}
