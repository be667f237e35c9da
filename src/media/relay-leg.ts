// One leg of the media relay: an RTP/RTCP port pair facing one phone, what
// its SDP said, where its packets really come from (the latch), and its
// counters. relay.ts moves packets between legs; latching.ts decides whose
// packets a leg takes.
import type { Socket } from 'node:dgram';
import type { RtpHeader } from './rtp-packet.ts';
import { TelephoneEventDetector } from './telephone-event.ts';

export type Codec = 'PCMU' | 'PCMA';

/** RFC 3551 §6 Table 4: the static payload types of the two G.711 laws, and comfort noise (RFC 3389). */
export const STATIC_PT: Readonly<Record<Codec, number>> = { PCMU: 0, PCMA: 8 };
export const PT_CN = 13;

/** RFC 3264 §5.1 direction attributes, as the leg's own SDP states them (the phone's point of view). */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** What a leg's SDP said about where and how it receives media. */
export interface RemoteMedia {
  /** An IP literal (the c= line); host names are not resolved. */
  address: string;
  /** Port 0 means the stream is disabled (RFC 3264 §5.1): nothing is sent to it. */
  port: number;
  codec: Codec;
  payloadType: number;
  /** The dynamic payload type of telephone-event/8000 (RFC 4733 §7.1.1), when negotiated. */
  telephoneEventPayloadType?: number;
  /** RFC 3605 a=rtcp; the RTP port + 1 when absent (RFC 3550 §11). */
  rtcpPort?: number;
}

export interface LegStats {
  /** RTP packets accepted from the leg's phone. */
  packetsIn: number;
  /** RTP packets sent to the leg's phone. */
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** When the last accepted RTP packet arrived, by the relay's clock. */
  lastPacketAt: number | undefined;
  /** The source RTP is latched onto, once a packet has arrived. */
  latchedAddress?: string;
  latchedPort?: number;
  /** Packets that reached the leg's ports but were not accepted: not RTP/RTCP, or not from the latched source. */
  packetsDropped?: number;
  rtcpPacketsIn?: number;
  rtcpPacketsOut?: number;
}


/**
 * Sees each G.711 audio packet a leg's phone sends, as it arrives: `packet` is
 * the datagram and `header` the relay's reused view of it, both valid only
 * during the call (copy what you keep), before any transcoding, with the
 * sender's codec. A tap must not change the packet.
 */
export type RtpTap = (packet: Buffer, header: RtpHeader, codec: Codec) => void;

/** A leg's state; the packet path reads and counts on it without allocating. */
export interface RelayLeg {
  readonly id: string;
  readonly port: number;
  readonly rtp: Socket;
  readonly rtcp: Socket;
  remote: RemoteMedia | undefined;
  peer: RelayLeg | undefined;
  /** Packets from this leg go on to its peer and the mixer (only while sendrecv and not muted: see setDirection). */
  sends: boolean;
  /** Packets from the peer go on to this leg (sendrecv or recvonly). */
  receives: boolean;
  direction: MediaDirection;
  /** Muted from the API: heard by nobody, and taps see silence in place of its audio (setMuted). */
  muted: boolean;
  /** Where RTP to this leg goes: the SDP address until latched, then the packets' source. */
  rtpAddress: string | undefined;
  rtpPort: number;
  rtpLatched: boolean;
  rtcpAddress: string | undefined;
  rtcpPort: number;
  rtcpLatched: boolean;
  lastRtcpAt: number | undefined;
  readonly detector: TelephoneEventDetector;
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  lastPacketAt: number | undefined;
  packetsDropped: number;
  rtcpPacketsIn: number;
  rtcpPacketsOut: number;
  /** Set by recorders and taps; undefined costs the packet path one comparison. */
  tap: RtpTap | undefined;
  /** More taps beside `tap` (raw PCM streams of the Call Control API); undefined when none. */
  taps: RtpTap[] | undefined;
  /** While set, the peer's packets are not forwarded to this leg: an injector owns what the phone hears. */
  ownedOutput: boolean;
  /** Set while the leg is a mixer member (mixer.ts): its phone's audio, only while it sends. */
  mixerInput: RtpTap | undefined;
}

/** A fresh leg on a bound port pair: sendrecv, unbridged, not latched, no taps. */
export function newRelayLeg(id: string, pair: { port: number; rtp: Socket; rtcp: Socket }): RelayLeg {
  return {
    id,
    port: pair.port,
    rtp: pair.rtp,
    rtcp: pair.rtcp,
    remote: undefined,
    peer: undefined,
    sends: true,
    receives: true,
    direction: 'sendrecv',
    muted: false,
    rtpAddress: undefined,
    rtpPort: 0,
    rtpLatched: false,
    rtcpAddress: undefined,
    rtcpPort: 0,
    rtcpLatched: false,
    lastRtcpAt: undefined,
    detector: new TelephoneEventDetector(8000),
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    lastPacketAt: undefined,
    packetsDropped: 0,
    rtcpPacketsIn: 0,
    rtcpPacketsOut: 0,
    tap: undefined,
    taps: undefined,
    ownedOutput: false,
    mixerInput: undefined,
  };
}

/** The leg's counters and latch, as `MediaRelay.stats` reports them. */
export function legStats(leg: RelayLeg): LegStats {
  const s: LegStats = {
    packetsIn: leg.packetsIn,
    packetsOut: leg.packetsOut,
    bytesIn: leg.bytesIn,
    bytesOut: leg.bytesOut,
    lastPacketAt: leg.lastPacketAt,
    packetsDropped: leg.packetsDropped,
    rtcpPacketsIn: leg.rtcpPacketsIn,
    rtcpPacketsOut: leg.rtcpPacketsOut,
  };
  if (leg.rtpLatched) {
    s.latchedAddress = leg.rtpAddress;
    s.latchedPort = leg.rtpPort;
  }
  return s;
}
