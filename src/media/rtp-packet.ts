// The RTP fixed header (RFC 3550 §5.1), read and written in place on the
// packet's own Buffer. Nothing here allocates per packet: parsing fills a
// caller-owned RtpHeader view (numbers and offsets into the buffer), and the
// payload type / marker are rewritten with single-byte stores.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                           timestamp                           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           synchronization source (SSRC) identifier            |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// |            contributing source (CSRC) identifiers             |
// |                             ....                              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

export const RTP_VERSION = 2;
/** §5.1: the fixed part, before CSRCs and the extension. */
export const RTP_FIXED_HEADER_LENGTH = 12;
/** §5.1: "The CSRC count contains the number of CSRC identifiers" — 4 bits. */
export const RTP_MAX_CSRC = 15;

/** What a parse found: plain fields, and offsets into the parsed buffer. */
export class RtpHeader {
  version = 0;
  padding = false;
  extension = false;
  csrcCount = 0;
  marker = false;
  payloadType = 0;
  sequenceNumber = 0;
  timestamp = 0;
  ssrc = 0;
  /** The first `csrcCount` entries are this packet's CSRC list (§5.1); the rest is stale. */
  readonly csrc = new Uint32Array(RTP_MAX_CSRC);
  /** §5.3.1: "defined by profile" 16 bits of the header extension; 0 when there is none. */
  extensionProfile = 0;
  /** Offset and length in octets of the extension's data (after its 4-octet header). */
  extensionOffset = 0;
  extensionLength = 0;
  /** Octets before the payload: 12 + 4·CC + the extension, if any. */
  headerLength = 0;
  payloadOffset = 0;
  /** Payload octets, without the padding (§5.1 P bit). */
  payloadLength = 0;
  /** Padding octets at the end, the last of which holds their count. */
  paddingLength = 0;
}

/**
 * Parses the header of the `length` first octets of `buf` into `into`.
 * Returns false, leaving `into` partly written, when the octets cannot be an
 * RTP packet by the checks of RFC 3550 Appendix A.1: version 2, a CSRC list,
 * extension and padding that fit inside the packet. (A.1's check that the
 * payload type is known is left to the caller, who knows the session.)
 * Never throws.
 */
export function parseRtpHeader(buf: Uint8Array, into: RtpHeader, length: number = buf.length): boolean {
  if (length < RTP_FIXED_HEADER_LENGTH || length > buf.length) return false;
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  const version = b0 >> 6;
  if (version !== RTP_VERSION) return false;
  into.version = version;
  into.padding = (b0 & 0x20) !== 0;
  into.extension = (b0 & 0x10) !== 0;
  const cc = b0 & 0x0f;
  into.csrcCount = cc;
  into.marker = (b1 & 0x80) !== 0;
  into.payloadType = b1 & 0x7f;
  into.sequenceNumber = (buf[2]! << 8) | buf[3]!;
  into.timestamp = readUint32(buf, 4);
  into.ssrc = readUint32(buf, 8);
  let offset = RTP_FIXED_HEADER_LENGTH + cc * 4;
  if (offset > length) return false;
  for (let i = 0; i < cc; i++) into.csrc[i] = readUint32(buf, RTP_FIXED_HEADER_LENGTH + i * 4);
  // §5.3.1: a 16-bit profile-defined field, then the extension's length in
  // 32-bit words "excluding the four-octet extension header".
  if (into.extension) {
    if (offset + 4 > length) return false;
    into.extensionProfile = (buf[offset]! << 8) | buf[offset + 1]!;
    into.extensionLength = ((buf[offset + 2]! << 8) | buf[offset + 3]!) * 4;
    into.extensionOffset = offset + 4;
    offset += 4 + into.extensionLength;
    if (offset > length) return false;
  } else {
    into.extensionProfile = 0;
    into.extensionOffset = 0;
    into.extensionLength = 0;
  }
  // §5.1 P: "The last octet of the padding contains a count of how many padding
  // octets should be ignored, including itself."
  let paddingLength = 0;
  if (into.padding) {
    paddingLength = buf[length - 1]!;
    if (paddingLength === 0 || offset + paddingLength > length) return false;
  }
  into.paddingLength = paddingLength;
  into.headerLength = offset;
  into.payloadOffset = offset;
  into.payloadLength = length - offset - paddingLength;
  return true;
}

/** The fields serializeRtpHeader writes. */
export interface RtpHeaderFields {
  padding?: boolean;
  marker?: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrc?: ArrayLike<number>;
  /** §5.3.1; `data` must be a multiple of 4 octets long. */
  extension?: { profile: number; data: Uint8Array };
}

/**
 * Writes a version-2 header into `target` at `offset` and returns its length
 * (where the payload starts). With `padding` set, the caller appends the
 * padding and its count octet after the payload.
 */
export function serializeRtpHeader(fields: RtpHeaderFields, target: Uint8Array, offset = 0): number {
  const cc = fields.csrc?.length ?? 0;
  if (cc > RTP_MAX_CSRC) throw new RangeError(`at most ${RTP_MAX_CSRC} CSRCs fit an RTP header, not ${cc}`);
  const ext = fields.extension;
  if (ext && ext.data.length % 4 !== 0) throw new RangeError('an RTP header extension is a whole number of 32-bit words (RFC 3550 §5.3.1)');
  const length = RTP_FIXED_HEADER_LENGTH + cc * 4 + (ext ? 4 + ext.data.length : 0);
  if (offset + length > target.length) throw new RangeError(`an RTP header of ${length} octets does not fit`);
  target[offset] = (RTP_VERSION << 6) | (fields.padding ? 0x20 : 0) | (ext ? 0x10 : 0) | cc;
  target[offset + 1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  target[offset + 2] = (fields.sequenceNumber >> 8) & 0xff;
  target[offset + 3] = fields.sequenceNumber & 0xff;
  writeUint32(target, offset + 4, fields.timestamp);
  writeUint32(target, offset + 8, fields.ssrc);
  let at = offset + RTP_FIXED_HEADER_LENGTH;
  for (let i = 0; i < cc; i++, at += 4) writeUint32(target, at, fields.csrc![i]!);
  if (ext) {
    const words = ext.data.length / 4;
    target[at] = (ext.profile >> 8) & 0xff;
    target[at + 1] = ext.profile & 0xff;
    target[at + 2] = (words >> 8) & 0xff;
    target[at + 3] = words & 0xff;
    target.set(ext.data, at + 4);
    at += 4 + ext.data.length;
  }
  return at - offset;
}

/** Rewrites the 7-bit payload type, keeping the marker bit (§5.1). */
export function setPayloadType(buf: Uint8Array, payloadType: number): void {
  buf[1] = (buf[1]! & 0x80) | (payloadType & 0x7f);
}

export function setMarker(buf: Uint8Array, marker: boolean): void {
  buf[1] = marker ? buf[1]! | 0x80 : buf[1]! & 0x7f;
}

export function setSequenceNumber(buf: Uint8Array, sequenceNumber: number): void {
  buf[2] = (sequenceNumber >> 8) & 0xff;
  buf[3] = sequenceNumber & 0xff;
}

export function setTimestamp(buf: Uint8Array, timestamp: number): void {
  writeUint32(buf, 4, timestamp);
}

/**
 * RFC 5761 §4: on a port carrying both, RTCP packet types 192–223 land where
 * RTP's marker bit and payload types 64–95 would be; RTP sessions must not use
 * those payload types. True when the second octet says RTCP.
 */
export function looksLikeRtcp(buf: Uint8Array): boolean {
  const b1 = buf[1]!;
  return b1 >= 192 && b1 <= 223;
}

function readUint32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}

function writeUint32(buf: Uint8Array, at: number, value: number): void {
  buf[at] = (value >>> 24) & 0xff;
  buf[at + 1] = (value >>> 16) & 0xff;
  buf[at + 2] = (value >>> 8) & 0xff;
  buf[at + 3] = value & 0xff;
}
