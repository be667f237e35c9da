// A raw PCM tap: the audio a leg's phone sends, decoded from G.711 to 16-bit
// signed little-endian samples at 8 kHz mono — the format of seed 001's
// participant stream (PCM 16 bit 8000 Hz mono, 128 kbit/s).
//
// Gaps are filled from the RTP clock (RFC 3550 §5.1: the timestamp counts
// samples): when a packet's timestamp is ahead of where the last one ended
// (lost packets, or silence suppression), that many zero samples go first,
// up to one second; a larger jump, a step back or a new SSRC starts afresh.
// So a reader gets a stream that keeps to real time while packets arrive.
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR } from './g711.ts';
import type { Codec, MediaRelay } from './relay.ts';
import type { RtpHeader } from './rtp-packet.ts';

const MAX_FILL_SAMPLES = 8000;

export class PcmTap {
  private readonly remove: (() => void) | undefined;
  private ssrc = -1;
  /** The RTP timestamp just after the last samples handed on. */
  private nextTimestamp = 0;
  private closed = false;

  /** `onPcm` gets each packet's samples (s16le) as a fresh Buffer it may keep. */
  constructor(relay: MediaRelay, legId: string, private readonly onPcm: (pcm: Buffer) => void) {
    this.remove = relay.addTap(legId, (packet, header, codec) => this.packet(packet, header, codec));
  }

  /** False when the leg did not exist: nothing will ever arrive. */
  get attached(): boolean {
    return this.remove !== undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.remove?.();
  }

  private packet(packet: Buffer, h: RtpHeader, codec: Codec): void {
    if (this.closed) return;
    const n = h.payloadLength;
    let fill = 0;
    if (h.ssrc === this.ssrc) {
      const ahead = (h.timestamp - this.nextTimestamp) | 0;
      if (ahead < 0 && ahead > -n) return; // a duplicate or late packet
      if (ahead > 0 && ahead <= MAX_FILL_SAMPLES) fill = ahead;
    }
    this.ssrc = h.ssrc;
    this.nextTimestamp = (h.timestamp + n) >>> 0;
    const table = codec === 'PCMU' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
    const out = Buffer.alloc((fill + n) * 2);
    for (let i = 0; i < n; i++) out.writeInt16LE(table[packet[h.payloadOffset + i]!]!, (fill + i) * 2);
    this.onPcm(out);
  }
}
