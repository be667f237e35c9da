// What the B2BUA needs of SDP (RFC 4566, offer/answer RFC 3264): the audio
// stream's address, port, G.711 codecs, telephone-event payload type and
// direction; and our own SDP pointing a leg at its relay port.
import { messageSdp, type SipMessage } from '../../sip/message/index.ts';

export type Codec = 'PCMU' | 'PCMA';
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface AudioOffer {
  address: string;
  port: number;
  /** G.711 codecs in the peer's order of preference, with their payload types. */
  codecs: { codec: Codec; pt: number }[];
  telephoneEvent: number | undefined;
  direction: Direction;
}

const STATIC: Record<number, Codec> = { 0: 'PCMU', 8: 'PCMA' };

export function readAudio(message: SipMessage): AudioOffer | undefined {
  const parsed = messageSdp(message);
  if (!parsed?.ok) return undefined;
  const sdp = parsed.sdp;
  const m = sdp.media.find((x) => x.type === 'audio' && x.port > 0) ?? sdp.media.find((x) => x.type === 'audio');
  if (!m) return undefined;
  const address = m.connection?.ip ?? sdp.connection?.ip ?? '';
  const codecs: AudioOffer['codecs'] = [];
  let telephoneEvent: number | undefined;
  const pts = String(m.payloads ?? '')
    .split(/\s+/)
    .filter((p) => p !== '')
    .map(Number);
  for (const pt of pts) {
    const rtp = m.rtp.find((r) => r.payload === pt);
    const name = rtp?.codec.toUpperCase();
    if (name === 'TELEPHONE-EVENT') telephoneEvent ??= pt;
    else if (name === 'PCMU' || name === 'PCMA') codecs.push({ codec: name, pt });
    else if (rtp === undefined && STATIC[pt] !== undefined) codecs.push({ codec: STATIC[pt], pt });
  }
  const dir = (m.direction ?? sdp.direction ?? 'sendrecv') as Direction;
  // RFC 3264 §8.4: c=0.0.0.0 is the old way of putting a stream on hold.
  const direction: Direction = address === '0.0.0.0' ? 'inactive' : dir;
  return { address, port: m.port, codecs, telephoneEvent, direction };
}

export interface OurAudio {
  host: string;
  port: number;
  codecs: Codec[];
  telephoneEvent: number | undefined;
  direction: Direction;
  sessionId: number;
  version: number;
}

const PT: Record<Codec, number> = { PCMU: 0, PCMA: 8 };

export function writeAudio(a: OurAudio): string {
  const pts = a.codecs.map((c) => PT[c]);
  if (a.telephoneEvent !== undefined) pts.push(a.telephoneEvent);
  const lines = [
    'v=0',
    `o=switchboard ${String(a.sessionId)} ${String(a.version)} IN IP4 ${a.host}`,
    's=switchboard',
    `c=IN IP4 ${a.host}`,
    't=0 0',
    `m=audio ${String(a.port)} RTP/AVP ${pts.join(' ')}`,
    ...a.codecs.map((c) => `a=rtpmap:${String(PT[c])} ${c}/8000`),
    ...(a.telephoneEvent !== undefined ? [`a=rtpmap:${String(a.telephoneEvent)} telephone-event/8000`, `a=fmtp:${String(a.telephoneEvent)} 0-16`] : []),
    'a=ptime:20',
    `a=${a.direction}`,
    '',
  ];
  return lines.join('\r\n');
}

/** RFC 3264 §6.1: the answer to a direction is its mirror. */
export function answerDirection(offered: Direction): Direction {
  return offered === 'sendonly' ? 'recvonly' : offered === 'recvonly' ? 'sendonly' : offered;
}
