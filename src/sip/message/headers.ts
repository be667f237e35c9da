// RFC 3261 §7.3 — Header fields.
//
// §7.3.1: field names are case-insensitive; a field whose grammar is a
// comma-separated list may appear on several lines, or several values may share
// one line, and the two forms mean the same; LWS continuation lines are folded
// (unfolding is done by the parser before values reach this class).
// §7.3.3: compact forms.
//
// Values are stored raw, one entry per received line, in received order. Typed
// views (Via, NameAddr, …) are parsed on demand by SipMessage and memoised here
// until that header is changed.

import { isToken, skipQuotedString, trimWs } from './basic-rules.ts';

// RFC 3261 §7.3.3 and the compact forms registered since (IANA "Header Fields"
// registry): RFC 3265/6665 (o, u), RFC 3515 (r), RFC 3892 (b), RFC 4028 (x),
// RFC 4474 (y, n), RFC 3841 (a, j, d).
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

// Canonical spellings for output. Names we do not know keep the spelling they
// arrived with; case does not matter on the wire, but a stable form helps logs.
const CANONICAL_NAMES = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition',
  'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Diversion',
  'Error-Info', 'Event', 'Expires', 'Flow-Timer', 'From', 'History-Info', 'Identity', 'Identity-Info',
  'In-Reply-To', 'Join', 'Max-Forwards', 'MIME-Version', 'Min-Expires', 'Min-SE', 'Organization',
  'P-Asserted-Identity', 'P-Associated-URI', 'P-Preferred-Identity', 'Path', 'Priority', 'Privacy',
  'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason', 'Record-Route', 'Refer-To',
  'Referred-By', 'Reject-Contact', 'Replaces', 'Reply-To', 'Request-Disposition', 'Require', 'Retry-After',
  'Route', 'RSeq', 'Security-Client', 'Security-Server', 'Security-Verify', 'Server', 'Service-Route',
  'Session-Expires', 'SIP-ETag', 'SIP-If-Match', 'Subject', 'Subscription-State', 'Supported', 'Target-Dialog',
  'Timestamp', 'To', 'Unsupported', 'User-Agent', 'Via', 'Warning', 'WWW-Authenticate',
];
const CANONICAL = new Map(CANONICAL_NAMES.map((n) => [n.toLowerCase(), n]));

// Headers whose grammar is `x *(COMMA x)` (§7.3.1 allows these, and only these,
// to be combined on one line or split over several). Everything else, notably
// WWW-Authenticate/Authorization/Proxy-Authenticate/Proxy-Authorization (commas
// between auth-params), Date (comma after the weekday), Call-ID, From, To,
// User-Agent and every header we do not know, is never split: RFC 4475
// §3.1.1.1's `UnknownHeaderWithUnusualValue: ;;,,;;,;` is one opaque value.
const LIST_HEADERS = new Set([
  'accept', 'accept-contact', 'accept-encoding', 'accept-language', 'alert-info', 'allow', 'allow-events',
  'call-info', 'contact', 'content-encoding', 'content-language', 'diversion', 'error-info', 'history-info',
  'in-reply-to', 'p-asserted-identity', 'p-associated-uri', 'p-preferred-identity', 'path', 'proxy-require',
  'reason', 'record-route', 'reject-contact', 'request-disposition', 'require', 'route', 'security-client',
  'security-server', 'security-verify', 'service-route', 'supported', 'unsupported', 'via', 'warning',
]);

/** Lowercased long form of a header name: `v`, `VIA` and `Via` all give `via`. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.length === 1 ? (COMPACT_FORMS[lower] ?? lower) : lower;
}

/** Spelling used on output: canonical for known headers, as given otherwise. */
export function canonicalHeaderName(name: string, key = headerKey(name)): string {
  return CANONICAL.get(key) ?? (name.length === 1 ? key : name);
}

export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(headerKey(name));
}

/**
 * §7.3.1 — splits a comma-separated header value into its elements, never inside
 * a quoted-string or between < and >. Elements are trimmed; empty elements are
 * kept so that callers can reject them where the grammar forbids them.
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) {
      const close = skipQuotedString(value, i);
      if (close < 0) break; // unterminated: the rest is one (malformed) element
      i = close - 1;
    } else if (c === 0x3c) {
      angle = true;
    } else if (c === 0x3e) {
      angle = false;
    } else if (c === 0x2c && !angle) {
      out.push(trimWs(value.slice(start, i)));
      start = i + 1;
    }
  }
  out.push(trimWs(value.slice(start)));
  return out;
}

export interface HeaderField {
  /** Lowercased long-form name, the lookup key. */
  readonly key: string;
  /** Name as written on output. */
  readonly name: string;
  /** Unfolded value, trimmed of surrounding LWS. */
  readonly value: string;
}

/** A value given to a mutator: a string, or a typed header value (Via, NameAddr, …). */
export type HeaderValue = string | { toString(): string };

export class Headers implements Iterable<HeaderField> {
  private fields: HeaderField[];
  private readonly memo = new Map<string, unknown>();

  constructor(init?: Iterable<readonly [string, HeaderValue]> | Headers) {
    this.fields = [];
    if (init instanceof Headers) {
      this.fields = init.fields.slice();
    } else if (init) {
      for (const [name, value] of init) this.add(name, value);
    }
  }

  /** Builds from already-validated fields without copying (parser fast path). */
  static fromFields(fields: HeaderField[]): Headers {
    const h = new Headers();
    h.fields = fields;
    return h;
  }

  get size(): number {
    return this.fields.length;
  }

  has(name: string): boolean {
    const key = headerKey(name);
    return this.fields.some((f) => f.key === key);
  }

  /** The first line's value. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const f of this.fields) if (f.key === key) return f.value;
    return undefined;
  }

  /** Every line's value, unsplit, in order. */
  getLines(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const f of this.fields) if (f.key === key) out.push(f.value);
    return out;
  }

  /**
   * Every value in order: list headers are split at commas (§7.3.1) and empty
   * elements dropped; other headers give one value per line.
   */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const lines = this.getLines(key);
    if (!LIST_HEADERS.has(key)) return lines;
    const out: string[] = [];
    for (const line of lines) for (const v of splitHeaderList(line)) if (v !== '') out.push(v);
    return out;
  }

  /**
   * Replaces every line of `name` with the given value(s), at the position of the
   * first existing line (or at the end).
   */
  set(name: string, value: HeaderValue | readonly HeaderValue[]): this {
    const key = headerKey(name);
    const made = makeFields(name, key, value);
    const at = this.fields.findIndex((f) => f.key === key);
    this.fields = this.fields.filter((f) => f.key !== key);
    this.fields.splice(at < 0 ? this.fields.length : at, 0, ...made);
    this.memo.delete(key);
    return this;
  }

  /**
   * Adds line(s). `append` puts them after the last line of the same header (or
   * at the end); `prepend` before the first (or at the top) — what a proxy does
   * with Via and Record-Route (§16.6, §16.7).
   */
  add(name: string, value: HeaderValue | readonly HeaderValue[], where: 'append' | 'prepend' = 'append'): this {
    const key = headerKey(name);
    const made = makeFields(name, key, value);
    let at: number;
    if (where === 'prepend') {
      at = this.fields.findIndex((f) => f.key === key);
      if (at < 0) at = 0;
    } else {
      at = this.fields.length;
      for (let i = this.fields.length - 1; i >= 0; i--) {
        if (this.fields[i]!.key === key) {
          at = i + 1;
          break;
        }
      }
    }
    this.fields.splice(at, 0, ...made);
    this.memo.delete(key);
    return this;
  }

  /** Removes every line of `name`; returns how many were removed. */
  remove(name: string): number {
    const key = headerKey(name);
    const before = this.fields.length;
    this.fields = this.fields.filter((f) => f.key !== key);
    this.memo.delete(key);
    return before - this.fields.length;
  }

  /**
   * Removes the first value of a list header and returns it — the first element
   * of the first line when several share a line (a proxy popping a Route, §16.4,
   * or stripping its Via from a response, §16.7).
   */
  shift(name: string): string | undefined {
    const key = headerKey(name);
    const i = this.fields.findIndex((f) => f.key === key);
    if (i < 0) return undefined;
    const field = this.fields[i]!;
    const parts = LIST_HEADERS.has(key) ? splitHeaderList(field.value) : [field.value];
    const first = parts.shift();
    const rest = parts.filter((p) => p !== '');
    if (rest.length === 0) this.fields.splice(i, 1);
    else this.fields[i] = { key, name: field.name, value: rest.join(', ') };
    this.memo.delete(key);
    return first;
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.fields[Symbol.iterator]();
  }

  clone(): Headers {
    return new Headers(this);
  }

  /**
   * Memoises a value derived from header `key` (already normalised) until that
   * header changes. Used by SipMessage's typed getters.
   */
  memoized<T>(key: string, compute: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = compute();
    this.memo.set(key, value);
    return value;
  }
}

function makeFields(name: string, key: string, value: HeaderValue | readonly HeaderValue[]): HeaderField[] {
  if (!isToken(name)) throw new TypeError(`invalid SIP header name: ${JSON.stringify(name)}`);
  const display = canonicalHeaderName(name);
  const values = Array.isArray(value) ? (value as readonly HeaderValue[]) : [value as HeaderValue];
  // A CR or LF in a value would let it inject header lines: fold them to SP.
  return values.map((v) => ({ key, name: display, value: trimWs(String(v).replace(/[\r\n]+/g, ' ')) }));
}
