// Latching (symmetric RTP, RFC 4961 §3; the practice RFC 7362 §3 names): a
// leg sends to its SDP address until a packet from its phone arrives, then
// to where that packet came from, and takes no other source while the latched
// one is alive. RTP and RTCP latch separately, the same way.
import type { RelayLeg, RemoteMedia } from './relay-leg.ts';

/**
 * The leg's SDP moved the stream (a new address or port, a re-INVITE): the
 * latch is dropped so the new source is taken at once, and packets go to the
 * new address until then. Port 0 disables the stream (RFC 3264 §5.1).
 */
export function unlatch(leg: RelayLeg, remote: RemoteMedia): void {
  leg.rtpLatched = false;
  leg.rtcpLatched = false;
  leg.detector.reset();
  if (remote.port === 0) {
    leg.rtpAddress = undefined;
    leg.rtcpAddress = undefined;
  } else {
    leg.rtpAddress = remote.address;
    leg.rtpPort = remote.port;
    leg.rtcpAddress = remote.address;
    leg.rtcpPort = remote.rtcpPort ?? remote.port + 1;
  }
}

/**
 * Latching: the first RTP packet fixes where the leg's phone really is.
 * After that, packets from any other source are ignored — a basic defence
 * against injected RTP — unless the latched source has been silent for more
 * than relatchAfterMs (the phone changed address: a NAT rebinding, a Wi-Fi
 * handover).
 */
export function admitRtp(leg: RelayLeg, address: string, port: number, now: number, relatchAfterMs: number): boolean {
  if (leg.rtpLatched) {
    if (address === leg.rtpAddress && port === leg.rtpPort) return true;
    if (leg.lastPacketAt !== undefined && now - leg.lastPacketAt <= relatchAfterMs) return false;
  }
  if (port === 0) return false;
  leg.rtpAddress = address;
  leg.rtpPort = port;
  leg.rtpLatched = true;
  return true;
}

/** The same for RTCP, with its own latch and silence clock; a refused packet is counted as dropped. */
export function admitRtcp(leg: RelayLeg, address: string, port: number, now: number, relatchAfterMs: number): boolean {
  if (leg.rtcpLatched && address === leg.rtcpAddress && port === leg.rtcpPort) return true;
  if (leg.rtcpLatched && leg.lastRtcpAt !== undefined && now - leg.lastRtcpAt <= relatchAfterMs) {
    leg.packetsDropped++;
    return false;
  }
  if (port === 0) {
    leg.packetsDropped++;
    return false;
  }
  leg.rtcpAddress = address;
  leg.rtcpPort = port;
  leg.rtcpLatched = true;
  return true;
}

/** Where RTCP to a leg goes: its latched RTCP source, else its SDP's RTCP port, else a NAT guess. */
export function rtcpDestination(leg: RelayLeg): { address: string | undefined; port: number } {
  if (!leg.rtcpLatched && leg.rtpLatched && leg.rtpAddress !== leg.remote?.address) {
    // The leg's RTP came from another address than its SDP (NAT): its RTCP
    // most likely leaves from the neighbouring port of the same mapping.
    return { address: leg.rtpAddress, port: leg.rtpPort + 1 };
  }
  return { address: leg.rtcpAddress, port: leg.rtcpPort };
}
