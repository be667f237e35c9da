// One member of a mixer: a relay leg whose phone's audio is decoded into a
// small jitter buffer, and whose own RTP stream carries what it hears.
//
// Jitter buffer. Samples are placed by RTP timestamp (RFC 3550 §5.1: "the
// sampling instant of the first octet") into a ring read 160 samples per
// 20 ms tick. The read position is anchored PREBUFFER samples behind the first
// packet, so a packet up to 40 ms late still lands in place; a packet the
// read position has passed, one too far ahead (more than the ring holds), or
// a new SSRC re-anchors (a sender whose clock runs slower than ours is late
// now and then: 40 ms of silence, what was buffered is kept). Read samples are zeroed: a member that sends nothing
// contributes silence, not its last frame again.
//
// Output. Each member's stream toward its phone has its own random SSRC,
// sequence and timestamp origin and the marker on its first packet (RFC 3550
// §5.1, RFC 3551 §4.1), as a mixer's output is a new source (RFC 3550 §7.1).
// A phone that was hearing another member's stream through the relay (the
// two ends of a call moved into a mixer) gets that stream continued instead:
// same SSRC, the next sequence number and timestamp. A new SSRC with a
// sequence number "behind" the old one made baresip drop the mixer's packets
// as late now and then; a continued stream is what the phone expects anyway.
import { randomInt } from 'node:crypto';
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR, linearToAlaw, linearToUlaw } from './g711.ts';
import type { Codec, MediaRelay } from './relay.ts';
import type { RtpHeader } from './rtp-packet.ts';
import { serializeRtpHeader } from './rtp-packet.ts';

export const FRAME = 160;
const RING = 2048;
const MASK = RING - 1;
/** 40 ms of jitter absorbed before a frame is mixed. */
const PREBUFFER = 2 * FRAME;

/**
 * How a member takes part (seed 000 bargein, issue 6): `speak+hear` hears
 * everyone and everyone hears it (conference, barge-in, join); `hear` hears
 * everyone and nobody hears it (listen, silent monitor); `whisper` hears
 * everyone and only `target` (a member id) hears it.
 */
export type MixerMode = 'speak+hear' | 'hear' | 'whisper';

/** µ-law encoding of every 16-bit value's top 14 bits would be 16 K entries; 64 K keeps the index a plain offset. */
const ENCODE: Readonly<Record<Codec, Uint8Array>> = {
  PCMU: Uint8Array.from({ length: 65536 }, (_, i) => linearToUlaw(i - 32768)),
  PCMA: Uint8Array.from({ length: 65536 }, (_, i) => linearToAlaw(i - 32768)),
};

export function encodeFrame(samples: Int32Array | Int16Array, codec: Codec, into: Uint8Array, offset: number): void {
  const table = ENCODE[codec];
  for (let i = 0; i < FRAME; i++) {
    const v = samples[i]!;
    // Saturation: the sum of several talkers may exceed 16 bits.
    into[offset + i] = table[(v > 32767 ? 32767 : v < -32768 ? -32768 : v) + 32768]!;
  }
}

export class MixerMember {
  mode: MixerMode;
  target: string | undefined;
  /** The frame read at the current tick. */
  readonly frame = new Int16Array(FRAME);
  private readonly ring = new Int16Array(RING);
  private anchored = false;
  private ssrcIn = 0;
  private readTs = 0;
  private ssrcOut = randomInt(0, 0x100000000);
  /** The member whose stream this member's phone heard until now, to continue (see above). */
  continues: string | undefined;
  private waited = 0;
  private lastSeq = 0;
  private lastTs = 0;
  private seq = randomInt(0, 0x10000);
  private ts = randomInt(0, 0x100000000);
  private sentAny = false;
  /** Packets accepted into the jitter buffer and re-anchors, for stats and tests. */
  packetsIn = 0;
  packetsOut = 0;
  reanchors = 0;

  constructor(
    readonly id: string,
    readonly relay: MediaRelay,
    readonly legId: string,
    mode: MixerMode,
    target: string | undefined,
  ) {
    this.mode = mode;
    this.target = target;
  }

  /** The relay's mixer input for this leg. */
  readonly input = (packet: Buffer, h: RtpHeader, codec: Codec): void => {
    const length = h.payloadLength;
    if (length === 0 || length > RING - PREBUFFER - FRAME) return;
    if (!this.anchored || h.ssrc !== this.ssrcIn) this.anchor(h.ssrc, h.timestamp, true);
    // Signed 32-bit difference: RTP timestamps wrap (RFC 3550 §5.1).
    let ahead = (h.timestamp - this.readTs) | 0;
    if (ahead < 0 || ahead + length > RING - FRAME) {
      // Late: the read position steps back, what is buffered stays (the ring is
      // indexed by timestamp). Too far ahead: older samples could alias, so clear.
      this.anchor(h.ssrc, h.timestamp, ahead >= 0);
      ahead = PREBUFFER;
    }
    const table = codec === 'PCMU' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
    const base = this.readTs + ahead;
    const off = h.payloadOffset;
    for (let i = 0; i < length; i++) this.ring[(base + i) & MASK] = table[packet[off + i]!]!;
    this.packetsIn++;
    this.lastSeq = h.sequenceNumber;
    this.lastTs = (h.timestamp + length) >>> 0;
  };

  /** Takes the next 20 ms out of the jitter buffer into `frame` (silence where nothing arrived). */
  read(): void {
    const ring = this.ring;
    const start = this.readTs & MASK;
    for (let i = 0; i < FRAME; i++) {
      const at = (start + i) & MASK;
      this.frame[i] = ring[at]!;
      ring[at] = 0;
    }
    this.readTs = (this.readTs + FRAME) >>> 0;
  }

  /** Time skipped by the mixer clock (a stalled event loop): the read position moves on. */
  skip(frames: number): void {
    for (let f = 0; f < frames && f * FRAME < RING; f++) this.read();
    if (frames * FRAME >= RING) this.readTs = (this.readTs + (frames * FRAME - RING)) >>> 0;
    this.seq = (this.seq + frames) & 0xffff;
    this.ts = (this.ts + frames * FRAME) >>> 0;
  }

  /** May this member's phone be sent audio now? Not while it holds or is held (RFC 3264 §5.1 direction). */
  get receives(): boolean {
    const d = this.relay.direction(this.legId);
    return d === 'sendrecv' || d === 'recvonly';
  }

  /**
   * Sends one 20 ms frame of what this member hears, in its leg's codec.
   * `continued`: the member named by `continues`, whose stream goes on here
   * once a packet of it is known (up to 500 ms is waited for one: a loaded
   * event loop may take a while, and a stream of our own is what phones drop).
   */
  send(mix: Int32Array, continued: MixerMember | undefined): void {
    const codec = this.relay.codecOf(this.legId);
    if (!codec) return;
    if (this.continues !== undefined) {
      if (continued !== undefined && continued.packetsIn > 0) {
        this.ssrcOut = continued.ssrcIn;
        this.seq = (continued.lastSeq + 1) & 0xffff;
        this.ts = continued.lastTs;
        this.sentAny = true;
        this.continues = undefined;
      } else if (++this.waited <= 25) return;
      else this.continues = undefined;
    }
    // One Buffer per packet: dgram may hold it until it is on the wire.
    const packet = Buffer.allocUnsafe(12 + FRAME);
    serializeRtpHeader({ payloadType: codec.payloadType, sequenceNumber: this.seq, timestamp: this.ts, ssrc: this.ssrcOut, marker: !this.sentAny }, packet);
    encodeFrame(mix, codec.codec, packet, 12);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + FRAME) >>> 0;
    if (this.relay.sendToLeg(this.legId, packet)) {
      this.sentAny = true;
      this.packetsOut++;
    }
  }

  private anchor(ssrc: number, timestamp: number, clear: boolean): void {
    if (this.anchored) this.reanchors++;
    this.anchored = true;
    this.ssrcIn = ssrc;
    this.readTs = (timestamp - PREBUFFER) >>> 0;
    if (clear) this.ring.fill(0);
  }
}
