// RFC 3261 §19.1 and §25.1 — SIP and SIPS URIs; RFC 3966 — tel URIs; RFC 3261
// §25.1 absoluteURI for every other scheme (RFC 4475 §3.3.2–3.3.4: an unknown
// scheme is a reason to answer 416, not a reason to fail parsing).
//
// Components are stored unescaped (RFC 4475 §3.1.1.3: `sip:%75se%72@…` is user
// "user") and escaped again on output, so comparison (§19.1.4) works on values.

import { isIP, isIPv6 } from 'node:net';
import {
  CHARSET_HEADER,
  CHARSET_PARAM,
  CHARSET_PASSWORD,
  CHARSET_URIC,
  CHARSET_USER,
  escape,
  isAlnum,
  isEscapedRun,
  parseDigits,
  unescape,
} from './basic-rules.ts';

// RFC 3261 §19.1.1 — sip:user:password@host:port;uri-parameters?headers
export interface SipUri {
  readonly kind: 'sip';
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  /** hostname, IPv4 address, or IPv6 reference including its brackets. */
  host: string;
  port?: number;
  /** uri-parameters, names lowercased, values unescaped (null: no value, e.g. `lr`). */
  params: Map<string, string | null>;
  /** headers (`?Route=…&Subject=…`), unescaped. */
  headers: Map<string, string>;
}

// RFC 3966 §3 — tel:+1-201-555-0123;ext=1234
export interface TelUri {
  readonly kind: 'tel';
  scheme: 'tel';
  /** The telephone-subscriber number as written, visual separators included. */
  number: string;
  params: Map<string, string | null>;
}

// RFC 3261 §25.1 — absoluteURI of any other scheme, kept opaque.
export interface OtherUri {
  readonly kind: 'other';
  /** Lowercased; URI schemes are case-insensitive (RFC 3986 §3.1). */
  scheme: string;
  opaque: string;
}

export type Uri = SipUri | TelUri | OtherUri;

export function createSipUri(init: {
  host: string;
  user?: string;
  password?: string;
  port?: number;
  scheme?: 'sip' | 'sips';
  params?: Iterable<[string, string | null]>;
  headers?: Iterable<[string, string]>;
}): SipUri {
  const uri: SipUri = {
    kind: 'sip',
    scheme: init.scheme ?? 'sip',
    host: init.host,
    params: new Map(init.params ?? []),
    headers: new Map(init.headers ?? []),
  };
  if (init.user !== undefined) uri.user = init.user;
  if (init.password !== undefined) uri.password = init.password;
  if (init.port !== undefined) uri.port = init.port;
  return uri;
}

/** Parses any URI; undefined when it is not well-formed. Never throws. */
export function parseUri(text: string): Uri | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  const first = text.charCodeAt(0) | 0x20;
  if (first < 0x61 || first > 0x7a) return undefined;
  for (let i = 1; i < colon; i++) {
    const c = text.charCodeAt(i);
    if (!isAlnum(c) && c !== 0x2b && c !== 0x2d && c !== 0x2e) return undefined;
  }
  const scheme = text.slice(0, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(text, scheme, colon + 1);
  if (scheme === 'tel') return parseTelUri(text, colon + 1);
  // absoluteURI = scheme ":" ( hier-part / opaque-part ), both runs of uric.
  if (colon + 1 >= text.length || !isEscapedRun(text, colon + 1, text.length, CHARSET_URIC)) return undefined;
  return { kind: 'other', scheme, opaque: text.slice(colon + 1) };
}

function parseSipUri(text: string, scheme: 'sip' | 'sips', i: number): SipUri | undefined {
  const end = text.length;
  const uri: SipUri = { kind: 'sip', scheme, host: '', params: new Map(), headers: new Map() };

  // userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
  // Neither userinfo nor the rest of the URI may hold a raw "@", so the first one
  // ends the userinfo. The user part may contain ";" and "?" (user-unreserved):
  // RFC 4475 §3.1.1.9 `sip:user;par=u%40example.net@example.com` has user
  // "user;par=u@example.net", so parameters are only looked for after the "@".
  const at = text.indexOf('@', i);
  if (at >= 0) {
    const colon = text.indexOf(':', i);
    const userEnd = colon >= 0 && colon < at ? colon : at;
    if (userEnd === i || !isEscapedRun(text, i, userEnd, CHARSET_USER)) return undefined;
    uri.user = unescape(text.slice(i, userEnd));
    if (userEnd < at) {
      if (!isEscapedRun(text, userEnd + 1, at, CHARSET_PASSWORD)) return undefined;
      uri.password = unescape(text.slice(userEnd + 1, at));
    }
    i = at + 1;
  }

  // host = hostname / IPv4address / IPv6reference
  const hostStart = i;
  if (text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf(']', i);
    if (close < 0 || !isIPv6(text.slice(i + 1, close))) return undefined;
    i = close + 1;
  } else {
    while (i < end) {
      const c = text.charCodeAt(i);
      // Deviation: "_" is accepted in host names; it is not in the grammar but
      // appears in real deployments' internal names and harms nothing.
      if (!isAlnum(c) && c !== 0x2d && c !== 0x2e && c !== 0x5f) break;
      i++;
    }
    if (i === hostStart) return undefined;
  }
  uri.host = text.slice(hostStart, i);

  if (i < end && text.charCodeAt(i) === 0x3a) {
    const portStart = ++i;
    while (i < end && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    const port = parseDigits(text.slice(portStart, i), 65535);
    if (port === undefined) return undefined;
    uri.port = port;
  }

  i = parseUriParameters(text, i, uri.params);
  if (i < 0) return undefined;

  // headers = "?" header *( "&" header ); header = hname "=" hvalue
  if (i < end && text.charCodeAt(i) === 0x3f) {
    i++;
    for (;;) {
      let j = i;
      while (j < end && text.charCodeAt(j) !== 0x26) j++;
      const eq = text.indexOf('=', i);
      if (eq < 0 || eq >= j || eq === i) return undefined;
      if (!isEscapedRun(text, i, eq, CHARSET_HEADER) || !isEscapedRun(text, eq + 1, j, CHARSET_HEADER)) return undefined;
      uri.headers.set(unescape(text.slice(i, eq)), unescape(text.slice(eq + 1, j)));
      if (j >= end) break;
      i = j + 1;
    }
    i = end;
  }
  return i === end ? uri : undefined;
}

/**
 * uri-parameters = *( ";" uri-parameter ); uri-parameter = pname [ "=" pvalue ],
 * both 1*paramchar. Returns the index after the parameters, or -1 on error.
 */
function parseUriParameters(text: string, i: number, into: Map<string, string | null>): number {
  const end = text.length;
  while (i < end && text.charCodeAt(i) === 0x3b) {
    let j = ++i;
    while (j < end) {
      const c = text.charCodeAt(j);
      if (c === 0x3b || c === 0x3f) break;
      j++;
    }
    const eq = text.indexOf('=', i);
    const nameEnd = eq >= 0 && eq < j ? eq : j;
    if (nameEnd === i || !isEscapedRun(text, i, nameEnd, CHARSET_PARAM)) return -1;
    const name = unescape(text.slice(i, nameEnd)).toLowerCase();
    if (nameEnd < j) {
      if (nameEnd + 1 === j || !isEscapedRun(text, nameEnd + 1, j, CHARSET_PARAM)) return -1;
      into.set(name, unescape(text.slice(nameEnd + 1, j)));
    } else {
      into.set(name, null);
    }
    i = j;
  }
  return i;
}

// RFC 3966 §3 — telephone-uri = "tel:" telephone-subscriber
function parseTelUri(text: string, i: number): TelUri | undefined {
  let j = i;
  while (j < text.length && text.charCodeAt(j) !== 0x3b) j++;
  const number = text.slice(i, j);
  // global-number-digits = "+" *phonedigit DIGIT *phonedigit
  // local-number-digits  = *phonedigit-hex (HEXDIG / "*" / "#") *phonedigit-hex
  // Deviation: RFC 3966 requires a phone-context parameter on local numbers;
  // phones routinely send `tel:1234` without one, so it is not enforced here.
  let digits = 0;
  for (let k = number.charCodeAt(0) === 0x2b ? 1 : 0; k < number.length; k++) {
    const c = number.charCodeAt(k);
    const hex = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
    if (hex || c === 0x2a || c === 0x23) digits++;
    else if (c !== 0x2d && c !== 0x2e && c !== 0x28 && c !== 0x29) return undefined;
  }
  if (digits === 0) return undefined;
  const params = new Map<string, string | null>();
  const after = parseUriParameters(text, j, params);
  if (after !== text.length) return undefined;
  return { kind: 'tel', scheme: 'tel', number, params };
}

export function stringifyUri(uri: Uri): string {
  switch (uri.kind) {
    case 'sip': {
      let out = uri.scheme + ':';
      if (uri.user !== undefined) {
        out += escape(uri.user, CHARSET_USER);
        if (uri.password !== undefined) out += ':' + escape(uri.password, CHARSET_PASSWORD);
        out += '@';
      }
      out += uri.host;
      if (uri.port !== undefined) out += ':' + uri.port;
      out += stringifyUriParameters(uri.params);
      let sep = '?';
      for (const [name, value] of uri.headers) {
        out += sep + escape(name, CHARSET_HEADER) + '=' + escape(value, CHARSET_HEADER);
        sep = '&';
      }
      return out;
    }
    case 'tel':
      return 'tel:' + uri.number + stringifyUriParameters(uri.params);
    case 'other':
      return uri.scheme + ':' + uri.opaque;
  }
}

function stringifyUriParameters(params: ReadonlyMap<string, string | null>): string {
  let out = '';
  for (const [name, value] of params) {
    out += ';' + escape(name, CHARSET_PARAM);
    if (value !== null) out += '=' + escape(value, CHARSET_PARAM);
  }
  return out;
}

/** Deep copy, so a URI taken from one message can be changed for another. */
export function cloneUri<T extends Uri>(uri: T): T {
  if (uri.kind === 'other') return { ...uri };
  if (uri.kind === 'tel') return { ...uri, params: new Map(uri.params) };
  return { ...uri, params: new Map(uri.params), headers: new Map(uri.headers) };
}

// RFC 3261 §19.1.4 — URI comparison.
const SIGNIFICANT_IF_PRESENT_IN_ONE = ['user', 'ttl', 'method', 'maddr', 'transport'];

export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'other') return a.scheme === (b as OtherUri).scheme && a.opaque === (b as OtherUri).opaque;
  if (a.kind === 'tel') return telEquals(a, b as TelUri);
  const y = b as SipUri;
  // "A SIP and SIPS URI are never equivalent."
  if (a.scheme !== y.scheme) return false;
  // "Comparison of the userinfo of SIP and SIPS URIs is case-sensitive."
  if (a.user !== y.user || a.password !== y.password) return false;
  // "Comparison of all other components of the URI is case-insensitive."
  if (normalizeHost(a.host) !== normalizeHost(y.host)) return false;
  // "A URI omitting any component with a default value will not match a URI
  // explicitly containing that component with its default value."
  if (a.port !== y.port) return false;
  // "URI uri-parameter components are compared as follows: any uri-parameter
  // appearing in both URIs must match; a user, ttl, or method uri-parameter
  // appearing in only one URI never matches, even if it contains the default
  // value; a URI that includes an maddr parameter will not match a URI that
  // contains no maddr parameter; all other uri-parameters appearing in only one
  // URI are ignored when comparing the URIs." (transport: §19.1.4 example.)
  for (const [name, value] of a.params) {
    if (y.params.has(name)) {
      if (!sameParamValue(value, y.params.get(name) ?? null)) return false;
    } else if (SIGNIFICANT_IF_PRESENT_IN_ONE.includes(name)) {
      return false;
    }
  }
  for (const name of y.params.keys()) {
    if (!a.params.has(name) && SIGNIFICANT_IF_PRESENT_IN_ONE.includes(name)) return false;
  }
  // "URI header components are never ignored. Any present header component MUST
  // be present in both URIs and match for the URIs to match."
  if (a.headers.size !== y.headers.size) return false;
  const bHeaders = new Map<string, string>();
  for (const [name, value] of y.headers) bHeaders.set(name.toLowerCase(), value);
  for (const [name, value] of a.headers) {
    if (bHeaders.get(name.toLowerCase()) !== value) return false;
  }
  return true;
}

function sameParamValue(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return a.toLowerCase() === b.toLowerCase();
}

function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  if (lower.charCodeAt(0) !== 0x5b) return lower.endsWith('.') ? lower.slice(0, -1) : lower;
  // IPv6 references compare by address, not by spelling ([::1] == [0:0::1]).
  try {
    return new URL(`http://${lower}/`).hostname;
  } catch {
    return lower;
  }
}

// RFC 3966 §4 — tel URIs are equal when their numbers (without visual
// separators, hex digits case-insensitive) and their parameter sets match.
function telEquals(a: TelUri, b: TelUri): boolean {
  const digits = (n: string): string => n.replace(/[-.()]/g, '').toLowerCase();
  if (digits(a.number) !== digits(b.number) || a.params.size !== b.params.size) return false;
  for (const [name, value] of a.params) {
    if (!b.params.has(name) || !sameParamValue(value, b.params.get(name) ?? null)) return false;
  }
  return true;
}

/** True when `host` is a literal IPv4 address or IPv6 reference rather than a name. */
export function isIpHost(host: string): boolean {
  if (host.charCodeAt(0) === 0x5b) return true;
  return isIP(host) === 4;
}
