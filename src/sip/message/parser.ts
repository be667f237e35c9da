// RFC 3261 §7 (message format), §18.3 (framing) and §25 (grammar): turns the
// octets of one datagram, or of one message framed by SipStreamFramer, into a
// SipRequest or SipResponse.
//
// parseMessage never throws: it is fed straight from the network. A failure is
// a value that says what was wrong and, for requests, which response an element
// should send (§8.2.2, §16.3: 400, or 505 for a foreign SIP-Version), with the
// header fields parsed so far so that the response can be built.
//
// Strict where the RFC is (start line, SIP-Version, CSeq, Content-Length, the
// mandatory header fields); tolerant where deployed phones are sloppy and the
// meaning is still clear (LF-only line ends, any header name case, whitespace
// around colons/slashes/semicolons, a missing final empty line in a datagram).

import { isToken, isWs, parseDigits, trimWs } from './basic-rules.ts';
import { parseCSeq } from './cseq.ts';
import { type HeaderField, Headers, canonicalHeaderName, headerKey } from './headers.ts';
import { SipRequest, SipResponse, type SipMessage, readContacts, readMaxForwards, readVias } from './message.ts';
import { parseNameAddr } from './name-addr.ts';
import { type Uri, parseUri } from './uri.ts';

export { SipStreamFramer } from './stream-framer.ts';
export type { FramerOptions, FramerOutput } from './stream-framer.ts';

export interface ParseOptions {
  /**
   * 'datagram' (default, UDP): the body runs for Content-Length octets, or to
   * the end of the datagram when Content-Length is absent (§18.3); octets after
   * it are ignored (RFC 4475 §3.1.1.8). 'stream' (TCP/TLS): Content-Length is
   * mandatory (§18.3) and the buffer should hold exactly one framed message.
   */
  transport?: 'datagram' | 'stream';
  /**
   * Accept a request without Max-Forwards. RFC 3261 §8.1.1 makes it mandatory,
   * but RFC 2543 peers omit it and RFC 4475 §3.4.1 asks elements to accept
   * them; a proxy then inserts one (§16.6 step 3). Default false.
   */
  allowMissingMaxForwards?: boolean;
}

/** What could be read of a message that failed validation. */
export interface PartialMessage {
  readonly kind: 'request' | 'response';
  readonly startLine: string;
  readonly headers: Headers;
}

export type ParseResult =
  | { ok: true; message: SipMessage; /** Octets after the message that were ignored. */ trailing: number }
  | {
      ok: false;
      error: string;
      /** For a request: the status the element should answer with. Absent for responses (§18.1.2: discard). */
      status?: number;
      partial?: PartialMessage;
    };

type Failure = Extract<ParseResult, { ok: false }>;

export function parseMessage(buf: Buffer, options: ParseOptions = {}): ParseResult {
  try {
    return parse(buf, options);
  } catch (err) {
    // Unreachable by design (the fuzz test checks it stays so); a last guard for
    // a transport that must keep running.
    return { ok: false, error: `internal parser error: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function parse(buf: Buffer, options: ParseOptions): ParseResult {
  const stream = options.transport === 'stream';

  // §7.5 — "Implementations processing SIP messages over stream-oriented
  // transports MUST ignore any CRLF appearing before the start-line"; the same is
  // done for datagrams, where RFC 5626 §4.4.1 keep-alives are bare CRLFs.
  let start = 0;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  if (start >= buf.length) return { ok: false, error: 'empty message' };

  // End of the header section: an empty line (CRLF CRLF, or LF LF, or a mix).
  let headEnd = -1;
  let bodyStart = -1;
  for (let p = start; ; ) {
    const lf = buf.indexOf(0x0a, p);
    if (lf < 0) break;
    const next = buf[lf + 1];
    if (next === 0x0a) {
      headEnd = lf + 1;
      bodyStart = lf + 2;
      break;
    }
    if (next === 0x0d && buf[lf + 2] === 0x0a) {
      headEnd = lf + 1;
      bodyStart = lf + 3;
      break;
    }
    p = lf + 1;
  }
  if (headEnd < 0) {
    // Deviation: a datagram whose last header line is complete but which lacks
    // the empty line is accepted with an empty body. A datagram cannot be cut
    // short in transit, so the sender simply forgot the final CRLF.
    if (stream || buf[buf.length - 1] !== 0x0a) return { ok: false, error: 'no empty line after the header fields' };
    headEnd = buf.length;
    bodyStart = buf.length;
  }

  // Header text is UTF-8 (§7.3.1 allows UTF-8 in values; invalid sequences are
  // replaced with U+FFFD). The body stays bytes.
  const text = buf.toString('utf8', start, headEnd);
  let lineEnd = text.indexOf('\n');
  if (lineEnd < 0) lineEnd = text.length;
  const startLine = stripCr(text.slice(0, lineEnd));
  const isResponse = text.length >= 4 && text.slice(0, 4).toUpperCase() === 'SIP/';
  const kind = isResponse ? 'response' : 'request';
  if (startLine === undefined) return fail(kind, '', 'bare CR in start line');
  const reject = (error: string, status = 400, headers?: Headers): Failure => fail(kind, startLine, error, status, headers);

  // Header fields, with §7.3.1 unfolding: a line starting with SP or HTAB
  // continues the previous field, and the line break plus leading whitespace
  // stand for a single SP.
  const fields: HeaderField[] = [];
  let name = '';
  let value = '';
  let open = false;
  for (let lineStart = lineEnd + 1; lineStart < text.length; lineStart = lineEnd + 1) {
    lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const line = stripCr(text.slice(lineStart, lineEnd));
    if (line === undefined) return reject('bare CR in a header field');
    if (line === '') continue; // only the final empty line can be empty here
    if (isWs(line.charCodeAt(0))) {
      if (!open) return reject('continuation line before any header field');
      const more = trimWs(line);
      if (more !== '') value = value === '' ? more : value + ' ' + more;
      continue;
    }
    if (open) fields.push(makeField(name, value));
    const colon = line.indexOf(':');
    if (colon < 0) return reject('header line without a colon');
    // HCOLON = *( SP / HTAB ) ":" SWS — RFC 4475 §3.1.1.1 writes `TO :`.
    name = trimWs(line.slice(0, colon));
    if (!isToken(name)) return reject('invalid header field name');
    value = trimWs(line.slice(colon + 1));
    open = true;
  }
  if (open) fields.push(makeField(name, value));
  const headers = Headers.fromFields(fields);

  // Start line.
  let request: { method: string; uri: Uri } | undefined;
  let response: { status: number; reason: string } | undefined;
  if (isResponse) {
    const r = parseStatusLine(startLine);
    if (typeof r === 'string') return reject(r);
    response = r;
  } else {
    const r = parseRequestLine(startLine);
    if (typeof r === 'string') return reject(r, r === VERSION_NOT_SUPPORTED ? 505 : 400, headers);
    request = r;
  }

  // Single-valued header fields (§7.3.1: only list headers may repeat).
  // RFC 4475 §3.3.8 repeats To/From/Call-ID/CSeq/Max-Forwards; §3.3.9 Content-Length.
  let contentLengthValue: string | undefined;
  let seen = 0;
  for (const f of fields) {
    const bit = SINGLE_VALUED[f.key];
    if (bit === undefined) continue;
    if (seen & bit) return reject(`more than one ${canonicalHeaderName(f.key)} header field`, 400, headers);
    seen |= bit;
    if (f.key === 'content-length') contentLengthValue = f.value;
  }

  // §18.3 — framing by Content-Length.
  const available = buf.length - bodyStart;
  let bodyLength = available;
  if (contentLengthValue !== undefined) {
    // Content-Length = 1*DIGIT; RFC 4475 §3.1.2.3 sends -999.
    const declared = parseDigits(contentLengthValue, 2 ** 31);
    if (declared === undefined) return reject('invalid Content-Length', 400, headers);
    // RFC 4475 §3.1.2.2 — more octets declared than the datagram holds.
    if (declared > available) return reject('Content-Length larger than the message', 400, headers);
    bodyLength = declared;
  } else if (stream) {
    return reject('missing Content-Length on a stream transport', 400, headers);
  }
  const body = Buffer.from(buf.subarray(bodyStart, bodyStart + bodyLength));

  const problem = validate(headers, request?.method, options);
  if (problem) return reject(problem, 400, headers);

  const message: SipMessage = request
    ? new SipRequest({ method: request.method, uri: request.uri, headers, body })
    : new SipResponse({ status: response!.status, reason: response!.reason, headers, body });
  return { ok: true, message, trailing: available - bodyLength };
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

const SINGLE_VALUED: Readonly<Record<string, number>> = Object.assign(Object.create(null) as Record<string, number>, {
  'call-id': 1,
  cseq: 2,
  from: 4,
  to: 8,
  'max-forwards': 16,
  'content-length': 32,
  'content-type': 64,
});

function fail(kind: 'request' | 'response', startLine: string, error: string, status = 400, headers?: Headers): Failure {
  const failure: Failure = { ok: false, error };
  if (kind === 'request') failure.status = status;
  if (headers) failure.partial = { kind, startLine, headers };
  return failure;
}

function stripCr(line: string): string | undefined {
  const cr = line.indexOf('\r');
  if (cr < 0) return line;
  return cr === line.length - 1 ? line.slice(0, cr) : undefined;
}

function makeField(name: string, value: string): HeaderField {
  const key = headerKey(name);
  return { key, name: canonicalHeaderName(name, key), value };
}

const VERSION_NOT_SUPPORTED = 'unsupported SIP-Version';

// SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (case-insensitive literal)
function checkVersion(v: string): string | undefined {
  if (v === 'SIP/2.0') return undefined;
  const upper = v.toUpperCase();
  if (!upper.startsWith('SIP/')) return 'malformed SIP-Version';
  const dot = upper.indexOf('.', 4);
  if (dot < 0 || parseDigits(upper.slice(4, dot), Number.MAX_SAFE_INTEGER) === undefined) return 'malformed SIP-Version';
  if (parseDigits(upper.slice(dot + 1), Number.MAX_SAFE_INTEGER) === undefined) return 'malformed SIP-Version';
  // RFC 4475 §3.1.2.16 — SIP/7.0 is well-formed but not ours: 505.
  return upper === 'SIP/2.0' ? undefined : VERSION_NOT_SUPPORTED;
}

// §7.1 — Request-Line = Method SP Request-URI SP SIP-Version CRLF
function parseRequestLine(line: string): { method: string; uri: Uri } | string {
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  // Exactly two single SPs. RFC 4475 rejects embedded LWS in the URI (§3.1.2.8),
  // doubled SPs (§3.1.2.9) and trailing SP (§3.1.2.10); it allows a liberal
  // element to accept the last two, we do not: the start line is the one place
  // where strictness costs nothing and guards against request smuggling.
  if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0 || line.indexOf('\t') >= 0) return 'malformed Request-Line';
  const method = line.slice(0, sp1);
  if (!isToken(method)) return 'invalid method';
  const version = checkVersion(line.slice(sp2 + 1));
  if (version) return version;
  // RFC 4475 §3.1.2.7 — `<sip:…>` is not a Request-URI.
  const uri = parseUri(line.slice(sp1 + 1, sp2));
  if (!uri) return 'malformed Request-URI';
  // §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
  if (uri.kind === 'sip' && uri.headers.size > 0) return 'Request-URI must not contain headers';
  return { method, uri };
}

// §7.2 — Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
function parseStatusLine(line: string): { status: number; reason: string } | string {
  const sp1 = line.indexOf(' ');
  if (sp1 < 0) return 'malformed Status-Line';
  const version = checkVersion(line.slice(0, sp1));
  if (version) return version;
  // Status-Code = 3DIGIT. RFC 4475 §3.1.2.19 sends 4294967301.
  const code = line.slice(sp1 + 1, sp1 + 4);
  const status = code.length === 3 ? parseDigits(code, 699) : undefined;
  const rest = line.slice(sp1 + 4);
  if (status === undefined || status < 100 || isDigit(rest.charCodeAt(0))) return 'invalid Status-Code';
  // RFC 4475 §3.1.1.13 — the SP before an empty Reason-Phrase is required, but
  // "a liberal receiver would accept it anyway"; so do we.
  if (rest !== '' && rest.charCodeAt(0) !== 0x20) return 'malformed Status-Line';
  const reason = rest.slice(1);
  // Reason-Phrase: any text but control characters (HTAB allowed). Deviation:
  // characters such as DQUOTE, outside the grammar's sets, are accepted.
  for (let i = 0; i < reason.length; i++) {
    const c = reason.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return 'control character in Reason-Phrase';
  }
  return { status, reason };
}

// §8.1.1 — the header fields every request must have (To, From, CSeq, Call-ID,
// Max-Forwards, Via), checked and parsed once here; responses carry all of them
// but Max-Forwards. RFC 4475 §3.3.1 expects a request missing them to get 400.
function validate(headers: Headers, method: string | undefined, options: ParseOptions): string | undefined {
  const callId = headers.get('call-id');
  if (callId === undefined) return 'missing Call-ID';
  // callid = word [ "@" word ]. Deviation: any visible characters are accepted,
  // since deployed UAs use base64 ("=" padding) in Call-IDs; only emptiness and
  // whitespace, which would break dialog matching, are refused.
  if (callId === '') return 'empty Call-ID';
  for (let i = 0; i < callId.length; i++) {
    const c = callId.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return 'invalid Call-ID';
  }

  const cseqValue = headers.get('cseq');
  if (cseqValue === undefined) return 'missing CSeq';
  const cseq = headers.memoized('cseq', () => parseCSeq(cseqValue));
  if (!cseq) return 'malformed CSeq';
  // §8.2.2 / RFC 4475 §3.1.2.17–18 — "the method MUST match that of the request".
  if (method !== undefined && cseq.method !== method) return 'CSeq method does not match the request method';

  for (const key of ['from', 'to'] as const) {
    const v = headers.get(key);
    if (v === undefined) return `missing ${key === 'from' ? 'From' : 'To'}`;
    if (!headers.memoized(key, () => parseNameAddr(v))) return `malformed ${key === 'from' ? 'From' : 'To'}`;
  }

  const vias = readVias(headers);
  if (!vias) return 'malformed Via';
  if (vias.length === 0) return 'missing Via';

  if (method !== undefined) {
    if (!headers.has('max-forwards')) {
      if (!options.allowMissingMaxForwards) return 'missing Max-Forwards';
    } else if (readMaxForwards(headers) === undefined) {
      return 'invalid Max-Forwards';
    }
  }

  if (headers.has('contact') && !readContacts(headers)) return 'malformed Contact';
  return undefined;
}
