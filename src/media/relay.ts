// A symmetric RTP relay between call legs: each leg is one RTP/RTCP port pair
// facing one phone; two bridged legs forward media to each other.
//
// What it does to packets, and the standards behind it:
// - Symmetric RTP (RFC 4961 §3: "a device ... sends and receives RTP on the same
//   port") and latching: we send to a leg from the port we receive it on, and
//   send to where its packets really come from rather than to its SDP address
//   once one has arrived — phones behind NAT advertise private addresses
//   (the practice RFC 7362 §3 calls "latching").
// - G.711 µ-law ↔ A-law transcoding in place when the two legs negotiated
//   different laws (ITU-T G.711, RFC 3551 §4.5.14 PCMU/PCMA), the payload type
//   rewritten to the receiving leg's (RFC 3550 §5.1 PT).
// - RFC 4733 telephone-event packets are relayed with their payload type mapped,
//   and each event is reported once as a 'dtmf' event.
// - RTCP (RFC 3550 §6) is passed through between the legs' RTCP ports, latched
//   the same way.
//
// SSRC, sequence numbers and timestamps pass through unchanged. RFC 3550 §7
// describes translators that forward packets with SSRCs intact; a B2BUA relay
// is one. Rewriting them would only be needed when a leg's source changes
// mid-call (the engine switching a leg between phones, or to a player), which
// is the mixer's and player's business, not the relay's. RTCP passed through
// stays consistent with the media for the same reason (G.711 transcoding keeps
// payload lengths, so SR octet counts remain right).
//
// The per-packet path allocates nothing of its own: it parses into one reused
// RtpHeader view, transcodes and rewrites the payload type in the Buffer the
// socket handed over, and sends that same Buffer (dgram allocates its own
// send request and the message's rinfo; that is Node's cost, not ours).
import { EventEmitter } from 'node:events';
import type { RemoteInfo } from 'node:dgram';
import { PbxMediaError } from './errors.ts';
import { SILENCE_CODE, alawToUlaw, transcodeInPlace, ulawToAlaw } from './g711.ts';
import type { PortAllocator } from './port-allocator.ts';
import { RtpHeader, looksLikeRtcp, parseRtpHeader, setPayloadType } from './rtp-packet.ts';
import { PT_CN, STATIC_PT, legStats, newRelayLeg, type Codec, type LegStats, type MediaDirection, type RelayLeg, type RemoteMedia, type RtpTap } from './relay-leg.ts';
import { admitRtcp, admitRtp, rtcpDestination, unlatch } from './latching.ts';

export type { Codec, LegStats, MediaDirection, RemoteMedia, RtpTap } from './relay-leg.ts';

export type MediaRelayEvents = {
  /** One per RFC 4733 DTMF event (digits 0–9 * # A–D), at its end. */
  dtmf: [legId: string, digit: string, durationMs: number];
};

export interface MediaRelayOptions {
  allocator: PortAllocator;
  /** The address phones reach the legs' ports at (what goes into the SDP c= line). */
  host: string;
  /** Milliseconds; Date.now by default. Stats and re-latching use it. */
  now?: () => number;
  /** A latched source silent for longer than this may be replaced by a new one. Default 2000 ms. */
  relatchAfterMs?: number;
}

export class MediaRelay extends EventEmitter<MediaRelayEvents> {
  readonly host: string;
  private readonly allocator: PortAllocator;
  private readonly now: () => number;
  private readonly relatchAfterMs: number;
  private readonly legs = new Map<string, RelayLeg>();
  /** Ids whose ports are being bound, so two concurrent addLeg calls cannot both take one id. */
  private readonly pending = new Set<string>();
  /** One view reused by every packet: handlers run one at a time on the event loop. */
  private readonly header = new RtpHeader();
  private closed = false;

  constructor(opts: MediaRelayOptions) {
    super();
    this.allocator = opts.allocator;
    this.host = opts.host;
    this.now = opts.now ?? Date.now;
    this.relatchAfterMs = opts.relatchAfterMs ?? 2000;
  }

  get size(): number {
    return this.legs.size;
  }

  /** A new endpoint for one call leg: binds an RTP/RTCP pair; `port` goes into that leg's SDP. */
  async addLeg(legId: string): Promise<{ port: number }> {
    if (this.closed) throw new PbxMediaError('the media relay is closed', 'MEDIA_CLOSED');
    if (this.legs.has(legId) || this.pending.has(legId)) throw new PbxMediaError(`media leg ${legId} already exists`, 'MEDIA_LEG_EXISTS');
    this.pending.add(legId);
    let pair;
    try {
      pair = await this.allocator.allocate();
    } finally {
      this.pending.delete(legId);
    }
    if (this.closed) {
      this.allocator.release(pair.port);
      throw new PbxMediaError('the media relay is closed', 'MEDIA_CLOSED');
    }
    const leg = newRelayLeg(legId, pair);
    // Unconnected UDP sockets rarely report errors (no ICMP on Linux); a send
    // that fails is a lost datagram either way.
    pair.rtp.on('error', ignore);
    pair.rtcp.on('error', ignore);
    pair.rtp.on('message', (buf: Buffer, rinfo: RemoteInfo) => this.onRtp(leg, buf, rinfo));
    pair.rtcp.on('message', (buf: Buffer, rinfo: RemoteInfo) => this.onRtcp(leg, buf, rinfo));
    this.legs.set(legId, leg);
    return { port: pair.port };
  }

  /**
   * What the leg's SDP said. Packets to the leg go here until a packet from it
   * arrives: then we latch onto its real source (symmetric RTP, RFC 4961;
   * phones behind NAT). A new address or port (a re-INVITE moving the stream)
   * drops the latch, so the new source is taken at once.
   */
  setRemote(legId: string, remote: RemoteMedia): void {
    const leg = this.leg(legId);
    if (!Number.isInteger(remote.port) || remote.port < 0 || remote.port > 65535) throw new PbxMediaError(`RTP port ${remote.port} is not a port`, 'MEDIA_INVALID');
    if (remote.rtcpPort !== undefined && (!Number.isInteger(remote.rtcpPort) || remote.rtcpPort < 1 || remote.rtcpPort > 65535)) {
      throw new PbxMediaError(`RTCP port ${remote.rtcpPort} is not a port`, 'MEDIA_INVALID');
    }
    if (remote.codec !== 'PCMU' && remote.codec !== 'PCMA') throw new PbxMediaError(`codec ${String(remote.codec)} is not relayed`, 'MEDIA_INVALID');
    const moved = !leg.remote || leg.remote.address !== remote.address || leg.remote.port !== remote.port || leg.remote.rtcpPort !== remote.rtcpPort;
    leg.remote = { ...remote };
    if (moved) unlatch(leg, remote);
  }

  /**
   * Forward media both ways between two legs, transcoding PCMU↔PCMA when their
   * codecs differ, rewriting payload type, and relaying telephone-event (with PT
   * mapping). Replaces any previous bridge of either leg.
   */
  bridge(a: string, b: string): void {
    const legA = this.leg(a);
    const legB = this.leg(b);
    if (legA === legB) throw new PbxMediaError(`media leg ${a} cannot be bridged to itself`, 'MEDIA_INVALID');
    this.detach(legA);
    this.detach(legB);
    legA.peer = legB;
    legB.peer = legA;
  }

  unbridge(legId: string): void {
    const leg = this.legs.get(legId);
    if (leg) this.detach(leg);
  }

  /**
   * The leg's SDP direction, from its phone's point of view (RFC 3264 §5.1).
   * Packets from the leg are forwarded only while it is sendrecv; packets to it
   * only while it is sendrecv or recvonly. A sendonly leg is a phone putting the
   * call on hold: SDP would let its stream through, but what a holding phone
   * sends (silence, its own music) is replaced by the engine's music on hold,
   * so it is dropped — a deliberate difference from plain SDP semantics.
   * RTCP keeps flowing in every direction: "RTCP is still sent and received
   * for sendonly, recvonly, and inactive streams" (RFC 3264 §5.1).
   */
  setDirection(legId: string, direction: MediaDirection): void {
    const leg = this.leg(legId);
    leg.direction = direction;
    leg.sends = direction === 'sendrecv' && !leg.muted;
    leg.receives = direction === 'sendrecv' || direction === 'recvonly';
  }

  /**
   * Mute (a PBX's, not the phone's button): what the leg's phone sends is
   * heard by nobody — neither forwarded nor mixed — and its taps (a
   * recording, raw PCM streams) see the same packets with a silent payload:
   * a recording holds what the parties heard, and a stream keeps its real-
   * time clock through the muted span. The phone still hears. The direction
   * is untouched, so hold and music on hold work as without mute.
   */
  setMuted(legId: string, muted: boolean): void {
    const leg = this.leg(legId);
    leg.muted = muted;
    leg.sends = leg.direction === 'sendrecv' && !muted;
  }

  direction(legId: string): MediaDirection | undefined {
    return this.legs.get(legId)?.direction;
  }

  isMuted(legId: string): boolean | undefined {
    return this.legs.get(legId)?.muted;
  }

  /**
   * Sets (or with undefined clears) the one tap on the audio from a leg's
   * phone. Returns false for an unknown leg (it may just have been removed).
   */
  setTap(legId: string, tap: RtpTap | undefined): boolean {
    const leg = this.legs.get(legId);
    if (!leg) return false;
    leg.tap = tap;
    return true;
  }

  /**
   * Adds a tap beside the one setTap sets (several readers of one leg's
   * audio: a recording and raw PCM streams). Returns how to remove it, or
   * undefined for an unknown leg.
   */
  addTap(legId: string, tap: RtpTap): (() => void) | undefined {
    const leg = this.legs.get(legId);
    if (!leg) return undefined;
    leg.taps = [...(leg.taps ?? []), tap];
    return () => {
      const left = (leg.taps ?? []).filter((t) => t !== tap);
      leg.taps = left.length > 0 ? left : undefined;
    };
  }

  /**
   * While `owned`, what the bridge would forward to this leg is dropped, so
   * audio sent with sendToLeg (a raw PCM upload) replaces the peer's instead
   * of interleaving two RTP streams at the phone. False for an unknown leg.
   */
  setOutputOwned(legId: string, owned: boolean): boolean {
    const leg = this.legs.get(legId);
    if (!leg) return false;
    leg.ownedOutput = owned;
    return true;
  }

  /**
   * Sets (or clears) the mixer's input from a leg: like a tap, but apart from
   * it (a recorder and a mixer may both want a leg), and only fed while the
   * leg sends (sendrecv: a holding phone's audio is not mixed). The mixer
   * sends to the leg itself (sendToLeg), so a member leg stays unbridged.
   */
  setMixerInput(legId: string, input: RtpTap | undefined): boolean {
    const leg = this.legs.get(legId);
    if (!leg) return false;
    leg.mixerInput = input;
    return true;
  }

  /** The codec and payload type the leg's phone receives (its SDP's), for a player to encode to. */
  codecOf(legId: string): { codec: Codec; payloadType: number } | undefined {
    const remote = this.legs.get(legId)?.remote;
    return remote ? { codec: remote.codec, payloadType: remote.payloadType } : undefined;
  }

  /**
   * Sends an RTP packet made elsewhere (a player) to the leg's phone from the
   * leg's own port (symmetric RTP), whatever the bridge and direction: the
   * caller decides what the phone hears. False when there is nowhere to send.
   */
  sendToLeg(legId: string, packet: Buffer): boolean {
    const leg = this.legs.get(legId);
    if (!leg || leg.rtpAddress === undefined || this.closed) return false;
    this.sendRtp(leg, packet);
    return true;
  }

  peerOf(legId: string): string | undefined {
    return this.legs.get(legId)?.peer?.id;
  }

  stats(legId: string): LegStats | undefined {
    const leg = this.legs.get(legId);
    return leg ? legStats(leg) : undefined;
  }

  /** Unbridges the leg, closes its sockets and releases its ports. Unknown ids are ignored. */
  removeLeg(legId: string): void {
    const leg = this.legs.get(legId);
    if (!leg) return;
    this.detach(leg);
    this.legs.delete(legId);
    leg.rtp.removeAllListeners('message');
    leg.rtcp.removeAllListeners('message');
    this.allocator.release(leg.port);
  }

  /**
   * Moves a leg, sockets and all, from another relay into this one under a
   * new id: its port, remote and latch stay, so the phone on it notices
   * nothing (attended transfer joins two calls without a re-INVITE). It
   * arrives unbridged. Both relays must share one port allocator.
   */
  adoptLeg(from: MediaRelay, legId: string, asId: string): void {
    if (this.closed) throw new PbxMediaError('the media relay is closed', 'MEDIA_CLOSED');
    if (from.allocator !== this.allocator) throw new PbxMediaError('relays with different port allocators cannot exchange legs', 'MEDIA_INVALID');
    if (this.legs.has(asId) || this.pending.has(asId)) throw new PbxMediaError(`media leg ${asId} already exists`, 'MEDIA_LEG_EXISTS');
    const old = from.leg(legId);
    from.detach(old);
    from.legs.delete(legId);
    old.rtp.removeAllListeners('message');
    old.rtcp.removeAllListeners('message');
    const leg: RelayLeg = { ...old, id: asId, peer: undefined };
    leg.rtp.on('message', (buf: Buffer, rinfo: RemoteInfo) => this.onRtp(leg, buf, rinfo));
    leg.rtcp.on('message', (buf: Buffer, rinfo: RemoteInfo) => this.onRtcp(leg, buf, rinfo));
    this.legs.set(asId, leg);
  }

  /** Idempotent: removes every leg, releasing its ports. A closed relay emits nothing and adds no legs. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.legs.keys()]) this.removeLeg(id);
    this.removeAllListeners();
  }

  private leg(legId: string): RelayLeg {
    const leg = this.legs.get(legId);
    if (!leg) throw new PbxMediaError(`no media leg ${legId}`, 'MEDIA_UNKNOWN_LEG');
    return leg;
  }

  private detach(leg: RelayLeg): void {
    const peer = leg.peer;
    if (!peer) return;
    leg.peer = undefined;
    if (peer.peer === leg) peer.peer = undefined;
  }

  // ---- the per-packet path ------------------------------------------------

  private onRtp(leg: RelayLeg, buf: Buffer, rinfo: RemoteInfo): void {
    const h = this.header;
    // RFC 3550 Appendix A.1 validity checks; an RTCP packet on the RTP port
    // (RFC 5761 demultiplexing) is not relayed, as rtcp-mux is not negotiated.
    if (!parseRtpHeader(buf, h, buf.length) || looksLikeRtcp(buf)) {
      leg.packetsDropped++;
      return;
    }
    const now = this.now();
    if (!admitRtp(leg, rinfo.address, rinfo.port, now, this.relatchAfterMs)) {
      leg.packetsDropped++;
      return;
    }
    leg.packetsIn++;
    leg.bytesIn += buf.length;
    leg.lastPacketAt = now;
    const remote = leg.remote;
    if (!remote) return;
    const pt = h.payloadType;
    const peer = leg.peer;
    const forward = peer !== undefined && leg.sends && peer.receives && !peer.ownedOutput && peer.rtpAddress !== undefined && peer.remote !== undefined;

    if (pt === remote.telephoneEventPayloadType) {
      const event = leg.detector.push(h.timestamp, buf, h.payloadOffset, h.payloadLength);
      const outPt = forward ? peer.remote!.telephoneEventPayloadType : undefined;
      // A leg that did not negotiate telephone-event gets no events; the
      // engine, told by the 'dtmf' event, can signal them another way.
      if (outPt !== undefined) {
        setPayloadType(buf, outPt);
        this.sendRtp(peer!, buf);
      }
      if (event?.digit !== undefined && !this.closed) this.emit('dtmf', leg.id, event.digit, event.durationMs);
      return;
    }
    // The negotiated payload type, or either law's static one: a phone may
    // switch among the codecs of the answer mid-stream (RFC 3264 §5.1), and
    // PT 0 and 8 mean the same on every leg (RFC 3551 §6).
    const codec: Codec | undefined = pt === remote.payloadType ? remote.codec : pt === STATIC_PT.PCMU ? 'PCMU' : pt === STATIC_PT.PCMA ? 'PCMA' : undefined;
    // Before transcoding rewrites the payload in place; bridged or not, as a
    // recording of what the phone said does not depend on who hears it.
    // A muted leg's packet goes nowhere else (sends is false), so its payload
    // can be silenced in place for the taps.
    if ((leg.tap !== undefined || leg.taps !== undefined) && codec !== undefined) {
      if (leg.muted) buf.fill(SILENCE_CODE[codec], h.payloadOffset, h.payloadOffset + h.payloadLength);
      this.callTap(leg, buf, codec);
    }
    if (leg.mixerInput !== undefined && codec !== undefined && leg.sends) this.callMixer(leg, buf, codec);
    if (!forward) return;
    const out = peer.remote!;
    if (codec === undefined) {
      // Comfort noise (RFC 3389) is codec-independent and static; receivers
      // ignore payload types they do not know (RFC 3550 §5.1). Any other
      // payload type may mean something else on the other leg: dropped.
      if (pt === PT_CN) this.sendRtp(peer, buf);
      return;
    }
    if (codec !== out.codec) {
      transcodeInPlace(buf, h.payloadOffset, h.payloadOffset + h.payloadLength, codec === 'PCMU' ? ulawToAlaw : alawToUlaw);
    }
    if (pt !== out.payloadType) setPayloadType(buf, out.payloadType);
    this.sendRtp(peer, buf);
  }

  private callTap(leg: RelayLeg, buf: Buffer, codec: Codec): void {
    if (leg.tap !== undefined) this.safeTap(leg.tap, buf, codec);
    if (leg.taps !== undefined) for (const tap of leg.taps) this.safeTap(tap, buf, codec);
  }

  private safeTap(tap: RtpTap, buf: Buffer, codec: Codec): void {
    try {
      tap(buf, this.header, codec);
    } catch {
      // a tap's failure is its own; the packet path never throws
    }
  }

  private callMixer(leg: RelayLeg, buf: Buffer, codec: Codec): void {
    try {
      leg.mixerInput!(buf, this.header, codec);
    } catch {
      // as for taps: the packet path never throws
    }
  }

  private onRtcp(leg: RelayLeg, buf: Buffer, rinfo: RemoteInfo): void {
    // RFC 3550 Appendix A.2, loosely: version 2 and an RTCP packet type
    // (200–204 and later ones, all within RFC 5761's 192–223), at least a header and SSRC.
    if (buf.length < 8 || buf[0]! >> 6 !== 2 || !looksLikeRtcp(buf)) {
      leg.packetsDropped++;
      return;
    }
    const now = this.now();
    if (!admitRtcp(leg, rinfo.address, rinfo.port, now, this.relatchAfterMs)) return;
    leg.rtcpPacketsIn++;
    leg.lastRtcpAt = now;
    const peer = leg.peer;
    if (!peer) return;
    const { address, port } = rtcpDestination(peer);
    if (address === undefined || port < 1 || port > 65535) return;
    try {
      peer.rtcp.send(buf, port, address);
      peer.rtcpPacketsOut++;
    } catch {
      // a closed socket or an unusable address: as good as lost on the wire
    }
  }

  private sendRtp(to: RelayLeg, buf: Buffer): void {
    try {
      // No callback: dgram would otherwise allocate a closure's worth of work per packet.
      to.rtp.send(buf, to.rtpPort, to.rtpAddress);
      to.packetsOut++;
      to.bytesOut += buf.length;
    } catch {
      // a closed socket or an unusable address: as good as lost on the wire
    }
  }
}

function ignore(): void {}
