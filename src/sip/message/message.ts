// RFC 3261 §7 — SIP messages: a start line, header fields, an empty line and an
// optional body. §7.1 Requests, §7.2 Responses.
//
// Header values are kept raw; the typed getters below (from, vias, contacts, …)
// parse on first use and are memoised until that header is changed. Typed
// values are snapshots: to change a header, call setHeader/addHeader with a new
// value (a Via or NameAddr can be passed as is), not by mutating the snapshot.

import { parseDigits, trimWs } from './basic-rules.ts';
import { type CSeq, parseCSeq } from './cseq.ts';
import { type HeaderValue, Headers, splitHeaderList } from './headers.ts';
import { type NameAddr, parseNameAddr } from './name-addr.ts';
import { type Uri, cloneUri, parseUri, stringifyUri } from './uri.ts';
import { type Via, parseVia } from './via.ts';

export const SIP_VERSION = 'SIP/2.0';

type HeadersInit = Headers | Iterable<readonly [string, HeaderValue]>;

abstract class SipMessageBase {
  /** Header fields in wire order. Owned by the message. */
  readonly headers: Headers;
  /** The message body; its length is what toBuffer() writes as Content-Length. */
  body: Buffer;

  protected constructor(headers: HeadersInit | undefined, body: Buffer | string | undefined) {
    this.headers = headers instanceof Headers ? headers : new Headers(headers);
    this.body = body === undefined ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  }

  abstract startLine(): string;

  // §20.8 — Call-ID
  get callId(): string | undefined {
    const v = this.headers.get('call-id');
    return v === undefined || v === '' ? undefined : v;
  }

  // §20.16 — CSeq
  get cseq(): CSeq | undefined {
    return this.headers.memoized('cseq', () => {
      const v = this.headers.get('cseq');
      return v === undefined ? undefined : parseCSeq(v);
    });
  }

  // §20.20 — From
  get from(): NameAddr | undefined {
    return readNameAddr(this.headers, 'from');
  }

  // §20.39 — To
  get to(): NameAddr | undefined {
    return readNameAddr(this.headers, 'to');
  }

  // §20.42 — Via, topmost first. Empty when absent or malformed.
  get vias(): Via[] {
    return readVias(this.headers) ?? [];
  }

  get topVia(): Via | undefined {
    return this.vias[0];
  }

  // §20.10 — Contact. Empty for `Contact: *`; see isContactWildcard.
  get contacts(): NameAddr[] {
    return readContacts(this.headers)?.list ?? [];
  }

  // §10.2.2 — `Contact: *` (remove all bindings) in a REGISTER.
  get isContactWildcard(): boolean {
    return readContacts(this.headers)?.wildcard ?? false;
  }

  // §20.34 — Route
  get routes(): NameAddr[] {
    return readNameAddrList(this.headers, 'route') ?? [];
  }

  // §20.30 — Record-Route
  get recordRoutes(): NameAddr[] {
    return readNameAddrList(this.headers, 'record-route') ?? [];
  }

  // RFC 3327 §4 — Path: the proxies a REGISTER passed that want to stay on the way to the UA.
  get paths(): NameAddr[] {
    return readNameAddrList(this.headers, 'path') ?? [];
  }

  // §20.22 — Max-Forwards
  get maxForwards(): number | undefined {
    return readMaxForwards(this.headers);
  }

  // §20.14 — Content-Length as declared (toBuffer() always writes the body's length).
  get contentLength(): number | undefined {
    const v = this.headers.get('content-length');
    return v === undefined ? undefined : parseDigits(v, 2 ** 32 - 1);
  }

  // §20.15 — the media type of Content-Type, lowercased, without parameters.
  get contentType(): string | undefined {
    const v = this.headers.get('content-type');
    if (v === undefined) return undefined;
    const semi = v.indexOf(';');
    const type = trimWs(semi < 0 ? v : v.slice(0, semi)).toLowerCase();
    return type === '' ? undefined : type;
  }

  // §20.19 — Expires in seconds. RFC 4475 §3.1.2.4: a value above 2**32-1 is
  // malformed and gives undefined, so the caller applies its default (§10.2.1.1: 3600).
  get expires(): number | undefined {
    const v = this.headers.get('expires');
    return v === undefined ? undefined : parseDigits(trimWs(v), 2 ** 32 - 1);
  }

  getHeader(name: string): string | undefined {
    return this.headers.get(name);
  }

  /** All values; list headers split at commas (§7.3.1). */
  getHeaders(name: string): string[] {
    return this.headers.getAll(name);
  }

  hasHeader(name: string): boolean {
    return this.headers.has(name);
  }

  setHeader(name: string, value: HeaderValue | readonly HeaderValue[]): this {
    this.headers.set(name, value);
    return this;
  }

  addHeader(name: string, value: HeaderValue | readonly HeaderValue[], where: 'append' | 'prepend' = 'append'): this {
    this.headers.add(name, value, where);
    return this;
  }

  removeHeader(name: string): number {
    return this.headers.remove(name);
  }

  /**
   * The message in canonical form: CRLF line ends, one header per line with the
   * long-form name, and a Content-Length equal to the body's length (§18.3: it
   * MUST be present on stream transports, so it is always written).
   */
  toBuffer(): Buffer {
    let head = this.startLine() + '\r\n';
    let wroteLength = false;
    for (const f of this.headers) {
      if (f.key === 'content-length') {
        if (!wroteLength) head += 'Content-Length: ' + this.body.length + '\r\n';
        wroteLength = true;
      } else {
        head += f.name + ': ' + f.value + '\r\n';
      }
    }
    if (!wroteLength) head += 'Content-Length: ' + this.body.length + '\r\n';
    head += '\r\n';
    const headLength = Buffer.byteLength(head, 'utf8');
    const out = Buffer.allocUnsafe(headLength + this.body.length);
    out.write(head, 0, 'utf8');
    this.body.copy(out, headLength);
    return out;
  }

  toString(): string {
    return this.toBuffer().toString('utf8');
  }
}

export interface SipRequestInit {
  method: string;
  uri: Uri | string;
  headers?: HeadersInit;
  body?: Buffer | string;
}

// RFC 3261 §7.1 — Request-Line = Method SP Request-URI SP SIP-Version CRLF
export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;
  /** Case-sensitive (§7.1): `invite` is not INVITE. */
  method: string;
  uri: Uri;

  constructor(init: SipRequestInit) {
    super(init.headers, init.body);
    this.method = init.method;
    if (typeof init.uri === 'string') {
      const uri = parseUri(init.uri);
      if (!uri) throw new TypeError(`invalid Request-URI: ${init.uri}`);
      this.uri = uri;
    } else {
      this.uri = init.uri;
    }
  }

  startLine(): string {
    return `${this.method} ${stringifyUri(this.uri)} ${SIP_VERSION}`;
  }

  clone(): SipRequest {
    return new SipRequest({ method: this.method, uri: cloneUri(this.uri), headers: this.headers.clone(), body: Buffer.from(this.body) });
  }
}

export interface SipResponseInit {
  status: number;
  reason?: string;
  headers?: HeadersInit;
  body?: Buffer | string;
}

// RFC 3261 §7.2 — Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;
  status: number;
  reason: string;

  constructor(init: SipResponseInit) {
    super(init.headers, init.body);
    this.status = init.status;
    this.reason = init.reason ?? '';
  }

  startLine(): string {
    return `${SIP_VERSION} ${this.status} ${this.reason.replace(/[\r\n]+/g, ' ')}`;
  }

  clone(): SipResponse {
    return new SipResponse({ status: this.status, reason: this.reason, headers: this.headers.clone(), body: Buffer.from(this.body) });
  }
}

export type SipMessage = SipRequest | SipResponse;

// ---------------------------------------------------------------------------
// Typed readers shared by the getters above and by the parser's validation.
// Each returns undefined when the header is present but malformed, and is
// memoised per header so validation and later use parse only once.

function readNameAddr(headers: Headers, key: 'from' | 'to'): NameAddr | undefined {
  return headers.memoized(key, () => {
    const v = headers.get(key);
    return v === undefined ? undefined : parseNameAddr(v);
  });
}

/** Strict list reader: any malformed or empty element makes the whole header undefined. */
function readList<T>(headers: Headers, key: string, parse: (s: string) => T | undefined): T[] | undefined {
  const out: T[] = [];
  for (const line of headers.getLines(key)) {
    for (const element of splitHeaderList(line)) {
      const v = element === '' ? undefined : parse(element);
      if (v === undefined) return undefined;
      out.push(v);
    }
  }
  return out;
}

export function readVias(headers: Headers): Via[] | undefined {
  return headers.memoized('via', () => readList(headers, 'via', parseVia));
}

export function readNameAddrList(headers: Headers, key: string): NameAddr[] | undefined {
  return headers.memoized(key, () => readList(headers, key, parseNameAddr));
}

export function readContacts(headers: Headers): { wildcard: boolean; list: NameAddr[] } | undefined {
  return headers.memoized('contact', () => {
    const lines = headers.getLines('contact');
    // Contact: STAR / (contact-param *(COMMA contact-param)) — a STAR stands alone.
    if (lines.length === 1 && lines[0] === '*') return { wildcard: true, list: [] };
    const list = readList(headers, 'contact', parseNameAddr);
    return list ? { wildcard: false, list } : undefined;
  });
}

export function readMaxForwards(headers: Headers): number | undefined {
  return headers.memoized('max-forwards', () => {
    const v = headers.get('max-forwards');
    // Max-Forwards = 1*DIGIT. RFC 4475 §3.1.2.4 treats a value above 255 as out of range.
    return v === undefined ? undefined : parseDigits(v, 255);
  });
}
