// A call recorder: the audio both phones send, decoded from G.711 and written
// as 8 kHz 16-bit WAV while the call goes on — mono (both directions mixed) or
// stereo (one channel per direction).
//
// Timing. The file's timeline is the recorder's clock from open() to stop(),
// so its length is the talk time however much RTP was lost or held back.
// Each direction is placed on it by RTP timestamp (RFC 3550 §5.1: "the
// sampling instant of the first octet"), anchored on the arrival of the
// stream's first packet; a new SSRC, or a timestamp that strays more than a
// second from the arrival clock (a jump, a restarted phone), re-anchors on
// arrival. Samples no packet filled stay silent. Packets are written
// `latencyMs` after they are due, so jitter up to that still lands in place.
//
// Crash safety. Samples are appended as they become due and the header's
// sizes are rewritten every `headerIntervalMs`, so a process that dies
// mid-call leaves a WAV file that plays up to the last rewrite (and parseWav
// reads to the end of the file regardless).
//
// The per-packet path (push) decodes into preallocated buffers; allocation
// and file I/O happen on the flush timer only.
import { open, type FileHandle } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR } from './g711.ts';
import type { Codec, RtpTap } from './relay.ts';
import { WAV_HEADER_LENGTH, wavHeader } from './wav-file.ts';

const RATE = 8000;
const SAMPLES_PER_MS = RATE / 1000;
/** Samples held in memory ahead of the file, per source: jitter plus the flush period must fit. */
const WINDOW = RATE * 4;
/** A timestamp further than this from the arrival clock re-anchors the stream. */
const MAX_SKEW = RATE;

export interface WavRecorderOptions {
  path: string;
  /** 1: both directions mixed; 2: source 0 left, source 1 right. */
  channels?: 1 | 2;
  /** Milliseconds; Date.now by default. */
  now?: () => number;
  /** How late a packet may arrive and still be placed. Default 200 ms. */
  latencyMs?: number;
  /** How often due samples are appended to the file. Default 100 ms. */
  flushIntervalMs?: number;
  /** How often the header's sizes are rewritten. Default 1000 ms. */
  headerIntervalMs?: number;
  /** File errors after open (disk full…); the recording goes on in memory and is cut. */
  onError?: (err: unknown) => void;
}

export interface RecordingResult {
  path: string;
  channels: 1 | 2;
  /** Length of the audio: the time from open to stop. */
  durationMs: number;
  fileBytes: number;
  /** RTP packets placed, per source. */
  packets: [number, number];
}

interface Source {
  /** Decoded samples from `written` on, WINDOW long. */
  readonly pcm: Int16Array;
  ssrc: number;
  anchored: boolean;
  anchorTs: number;
  anchorPos: number;
  packets: number;
}

export class WavRecorder {
  readonly path: string;
  readonly channels: 1 | 2;
  private readonly now: () => number;
  private readonly latency: number;
  private readonly sources: [Source, Source];
  private readonly startedAt: number;
  /** Samples (per channel) already appended to the file. */
  private written = 0;
  private io: Promise<unknown> = Promise.resolve();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly headerTimer: NodeJS.Timeout;
  private stopped: Promise<RecordingResult> | undefined;
  private failed = false;
  private readonly taps: [RtpTap, RtpTap];

  private constructor(
    private readonly file: FileHandle,
    private readonly opts: WavRecorderOptions,
  ) {
    this.path = opts.path;
    this.channels = opts.channels ?? 1;
    this.now = opts.now ?? Date.now;
    this.latency = Math.round((opts.latencyMs ?? 200) * SAMPLES_PER_MS);
    const source = (): Source => ({ pcm: new Int16Array(WINDOW), ssrc: 0, anchored: false, anchorTs: 0, anchorPos: 0, packets: 0 });
    this.sources = [source(), source()];
    this.startedAt = this.now();
    this.flushTimer = setInterval(() => this.flush(this.position() - this.latency), opts.flushIntervalMs ?? 100);
    this.headerTimer = setInterval(() => this.writeHeader(), opts.headerIntervalMs ?? 1000);
    this.flushTimer.unref();
    this.headerTimer.unref();
    this.taps = [(p, h, c) => this.push(0, p, h.payloadOffset, h.payloadLength, c, h.timestamp, h.ssrc), (p, h, c) => this.push(1, p, h.payloadOffset, h.payloadLength, c, h.timestamp, h.ssrc)];
  }

  /** Creates the file (and its directory) with an empty, valid WAV header; the timeline starts now. */
  static async open(opts: WavRecorderOptions): Promise<WavRecorder> {
    mkdirSync(dirname(opts.path), { recursive: true });
    const file = await open(opts.path, 'w');
    await file.write(wavHeader({ channels: opts.channels ?? 1, sampleRate: RATE }, 0), 0, WAV_HEADER_LENGTH, 0);
    return new WavRecorder(file, opts);
  }

  /** A write to the file failed (disk full…): what follows it is not in the file. */
  get writeFailed(): boolean {
    return this.failed;
  }

  /** A relay tap feeding one direction: 0 (the caller's audio, left) or 1 (the callee's, right). */
  tap(source: 0 | 1): RtpTap {
    return this.taps[source];
  }

  /** One RTP payload of `codec` from a source, stamped with its RTP timestamp and SSRC. */
  push(source: 0 | 1, payload: Uint8Array, offset: number, length: number, codec: Codec, timestamp: number, ssrc: number): void {
    if (this.stopped) return;
    const s = this.sources[source];
    const arrival = this.position();
    if (!s.anchored || s.ssrc !== ssrc) this.anchor(s, ssrc, timestamp, arrival);
    // Signed 32-bit difference: RTP timestamps wrap (RFC 3550 §5.1).
    let pos = s.anchorPos + ((timestamp - s.anchorTs) | 0);
    if (pos > arrival + MAX_SKEW || pos < arrival - MAX_SKEW) {
      this.anchor(s, ssrc, timestamp, arrival);
      pos = arrival;
    }
    const table = codec === 'PCMU' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
    let i = Math.max(0, this.written - pos);
    const end = Math.min(length, this.written + WINDOW - pos);
    for (; i < end; i++) s.pcm[pos - this.written + i] = table[payload[offset + i]!]!;
    s.packets++;
  }

  /** Writes the rest, fixes the header and closes the file; the length is the time since open. Idempotent. */
  stop(): Promise<RecordingResult> {
    this.stopped ??= (async () => {
      clearInterval(this.flushTimer);
      clearInterval(this.headerTimer);
      this.flush(this.position());
      this.writeHeader();
      await this.io;
      await this.file.close().catch(this.fail);
      const frameBytes = this.channels * 2;
      return {
        path: this.path,
        channels: this.channels,
        durationMs: Math.round(this.written / SAMPLES_PER_MS),
        fileBytes: WAV_HEADER_LENGTH + this.written * frameBytes,
        packets: [this.sources[0].packets, this.sources[1].packets],
      };
    })();
    return this.stopped;
  }

  /** Samples since open, by the recorder's clock. */
  private position(): number {
    return Math.round((this.now() - this.startedAt) * SAMPLES_PER_MS);
  }

  private anchor(s: Source, ssrc: number, timestamp: number, arrival: number): void {
    s.ssrc = ssrc;
    s.anchored = true;
    s.anchorTs = timestamp;
    s.anchorPos = arrival;
  }

  /** Mixes (or interleaves) the samples before `until`, appends them and slides the windows. */
  private flush(until: number): void {
    const n = until - this.written;
    if (n <= 0) return;
    const [a, b] = this.sources;
    const out = Buffer.alloc(n * this.channels * 2);
    // A stop after a long stall (a suspended process) may be further ahead than the window: silence.
    const fromWindow = Math.min(n, WINDOW);
    for (let i = 0; i < fromWindow; i++) {
      if (this.channels === 1) {
        const v = a.pcm[i]! + b.pcm[i]!;
        out.writeInt16LE(v > 32767 ? 32767 : v < -32768 ? -32768 : v, i * 2);
      } else {
        out.writeInt16LE(a.pcm[i]!, i * 4);
        out.writeInt16LE(b.pcm[i]!, i * 4 + 2);
      }
    }
    for (const s of this.sources) {
      s.pcm.copyWithin(0, fromWindow);
      s.pcm.fill(0, WINDOW - fromWindow);
    }
    const at = WAV_HEADER_LENGTH + this.written * this.channels * 2;
    this.written += n;
    if (this.failed) return;
    this.io = this.io.then(() => this.file.write(out, 0, out.length, at)).catch(this.fail);
  }

  private writeHeader(): void {
    if (this.failed) return;
    const header = wavHeader({ channels: this.channels, sampleRate: RATE }, this.written * this.channels * 2);
    this.io = this.io.then(() => this.file.write(header, 0, WAV_HEADER_LENGTH, 0)).catch(this.fail);
  }

  private readonly fail = (err: unknown): void => {
    if (this.failed) return;
    this.failed = true;
    this.opts.onError?.(err);
  };
}
