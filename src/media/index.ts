// The media plane: RTP/RTCP relaying, G.711 and RFC 4733. Knows nothing of SIP or calls.
export { PbxMediaError, type PbxMediaErrorCode } from './errors.ts';
export { PortAllocator, type PortPair, type PortRange, type PortAllocatorOptions } from './port-allocator.ts';
export { MediaRelay, type Codec, type LegStats, type MediaDirection, type MediaRelayEvents, type MediaRelayOptions, type RemoteMedia, type RtpTap } from './relay.ts';
export * as g711 from './g711.ts';
export { RtpHeader, parseRtpHeader, serializeRtpHeader, setPayloadType, setMarker, type RtpHeaderFields } from './rtp-packet.ts';
export { TelephoneEventDetector, dtmfDigit, dtmfEvent, parseTelephoneEvent, serializeTelephoneEvent, type TelephoneEvent, type TelephoneEventPayload } from './telephone-event.ts';
