// RFC 4733, "RTP Payload for DTMF Digits, Telephony Tones, and Telephony
// Signals": the telephone-event payload (§2.3), the DTMF event codes (§3.2)
// and a receiver that reports each event once (§2.5.2).

/**
 * §2.3 Payload Format:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     event     |E|R| volume    |          duration             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
export const TELEPHONE_EVENT_LENGTH = 4;

export interface TelephoneEventPayload {
  /** §2.3.1 event code. */
  event: number;
  /** §2.3.2 E: "If set to a value of one, the 'end' bit indicates that this packet contains the end of the event." */
  end: boolean;
  /** §2.3.4: power level in dBm0 below 0, 0–63 (DTMF only; 0 for other events). */
  volume: number;
  /** §2.3.5: in timestamp units, from the event's start (its RTP timestamp) to this packet. */
  duration: number;
}

/** Parses a telephone-event payload at `offset`; undefined when shorter than 4 octets. Never throws. */
export function parseTelephoneEvent(buf: Uint8Array, offset = 0, length = buf.length - offset): TelephoneEventPayload | undefined {
  if (length < TELEPHONE_EVENT_LENGTH || offset + TELEPHONE_EVENT_LENGTH > buf.length) return undefined;
  const flags = buf[offset + 1]!;
  return { event: buf[offset]!, end: (flags & 0x80) !== 0, volume: flags & 0x3f, duration: (buf[offset + 2]! << 8) | buf[offset + 3]! };
}

/** Writes one 4-octet payload (the R bit is zero, §2.3.3 "the sender MUST set it to zero"); returns octets written. */
export function serializeTelephoneEvent(payload: TelephoneEventPayload, target: Uint8Array, offset = 0): number {
  target[offset] = payload.event & 0xff;
  target[offset + 1] = (payload.end ? 0x80 : 0) | (payload.volume & 0x3f);
  target[offset + 2] = (payload.duration >> 8) & 0xff;
  target[offset + 3] = payload.duration & 0xff;
  return TELEPHONE_EVENT_LENGTH;
}

/** §3.2 Table 1, DTMF named events: 0–9, then * # A B C D for events 10–15. */
const DTMF_DIGITS = '0123456789*#ABCD';

/** The DTMF digit of an event code (§3.2), undefined for other events (flash, tones…). */
export function dtmfDigit(event: number): string | undefined {
  return event >= 0 && event < DTMF_DIGITS.length ? DTMF_DIGITS[event] : undefined;
}

/** The event code of a DTMF digit (§3.2), undefined for anything else. Case-insensitive for A–D. */
export function dtmfEvent(digit: string): number | undefined {
  const i = digit.length === 1 ? DTMF_DIGITS.indexOf(digit.toUpperCase()) : -1;
  return i < 0 ? undefined : i;
}

export interface TelephoneEvent {
  event: number;
  /** Set for DTMF events 0–15. */
  digit: string | undefined;
  volume: number;
  /** The event's RTP timestamp, which identifies it (§2.5.1.2). */
  timestamp: number;
  /** Duration in timestamp units, and in milliseconds at the detector's clock rate. */
  duration: number;
  durationMs: number;
  /** False when the event was reported because another began before its end packet arrived. */
  endSeen: boolean;
}

/**
 * One stream's receiver (§2.5.2). Reports each event once:
 *
 * §2.5.1.2: "the RTP timestamp ... identifies the event": every packet of an
 * event, including its retransmissions, carries the timestamp of its start.
 * §2.5.1.4: the final packet is sent "three times" (end bit set): the first
 * end packet reports the event, the others with the same timestamp are
 * duplicates. A packet with a new timestamp is a new event, even for the same
 * digit pressed twice.
 * §2.5.2 asks receivers to cope with lost end packets: when a new event starts
 * while the previous one never showed its end bit, the previous one is
 * reported then, with the last duration seen. (An event whose every end packet
 * is lost and that no other event follows is not reported: that would need a
 * timer per stream.)
 *
 * Packets feed in arrival order; a stray packet of an older event arriving
 * after a newer one is taken as a new event (rare; telling it apart needs the
 * sequence number history this detector does not keep).
 */
export class TelephoneEventDetector {
  private current: { timestamp: number; event: number; volume: number; duration: number; ended: boolean } | undefined;

  constructor(private readonly clockRate = 8000) {}

  /**
   * Feeds the payload of one telephone-event packet with RTP timestamp
   * `timestamp`. Returns the event that this packet completes, else undefined.
   * Allocates only when it reports.
   */
  push(timestamp: number, buf: Uint8Array, offset = 0, length = buf.length - offset): TelephoneEvent | undefined {
    if (length < TELEPHONE_EVENT_LENGTH || offset + TELEPHONE_EVENT_LENGTH > buf.length) return undefined;
    const event = buf[offset]!;
    const end = (buf[offset + 1]! & 0x80) !== 0;
    const volume = buf[offset + 1]! & 0x3f;
    const duration = (buf[offset + 2]! << 8) | buf[offset + 3]!;
    const cur = this.current;
    if (cur && cur.timestamp === timestamp) {
      if (cur.ended) return undefined;
      if (duration > cur.duration) cur.duration = duration;
      if (!end) return undefined;
      cur.ended = true;
      return this.report(cur, true);
    }
    // A new event (§2.5.1.2 new timestamp).
    const unfinished = cur && !cur.ended ? this.report(cur, false) : undefined;
    if (cur) {
      cur.timestamp = timestamp;
      cur.event = event;
      cur.volume = volume;
      cur.duration = duration;
      cur.ended = false;
    } else {
      this.current = { timestamp, event, volume, duration, ended: false };
    }
    if (unfinished) return unfinished; // this packet's own end, if any, is reported by its retransmission
    if (!end) return undefined;
    this.current!.ended = true;
    return this.report(this.current!, true);
  }

  reset(): void {
    this.current = undefined;
  }

  private report(e: { timestamp: number; event: number; volume: number; duration: number }, endSeen: boolean): TelephoneEvent {
    return {
      event: e.event,
      digit: dtmfDigit(e.event),
      volume: e.volume,
      timestamp: e.timestamp,
      duration: e.duration,
      durationMs: Math.round((e.duration * 1000) / this.clockRate),
      endSeen,
    };
  }
}
