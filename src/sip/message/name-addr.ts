// RFC 3261 §20.10, §20.20, §20.39, §20.30, §20.34 and §25.1 — the address form
// shared by From, To, Contact, Route and Record-Route:
//
//   ( name-addr / addr-spec ) *( SEMI generic-param )
//   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
//   display-name = *(token LWS) / quoted-string
//
// §20: "If the URI contains a comma, question mark or semicolon, the URI MUST be
// enclosed in angle brackets". Without brackets, everything after the first ";"
// is a header parameter, not a URI parameter (RFC 4475 §3.3.12 vs §3.3.13).

import { isTokenChar, quote, readQuotedString, skipWs, trimWs } from './basic-rules.ts';
import { type Parameters, parseParameters, stringifyParameters, unquoteValue } from './parameters.ts';
import { type Uri, cloneUri, parseUri, stringifyUri } from './uri.ts';

export class NameAddr {
  /** Unquoted display name; undefined when there is none. */
  displayName: string | undefined;
  uri: Uri;
  /** Header parameters (tag, expires, q, …), names lowercased, raw values. */
  params: Parameters;

  constructor(uri: Uri, displayName?: string, params?: Iterable<[string, string | null]>) {
    this.uri = uri;
    this.displayName = displayName;
    this.params = new Map(params ?? []);
  }

  // RFC 3261 §19.3 — the tag parameter identifies a dialog's participants.
  get tag(): string | undefined {
    return this.params.get('tag') ?? undefined;
  }
  set tag(value: string | undefined) {
    if (value === undefined) this.params.delete('tag');
    else this.params.set('tag', value);
  }

  /** Parameter value with quotes removed; null when present without a value, undefined when absent. */
  getParam(name: string): string | null | undefined {
    const v = this.params.get(name.toLowerCase());
    return v === undefined || v === null ? v : unquoteValue(v);
  }

  setParam(name: string, value: string | null = null): this {
    this.params.set(name.toLowerCase(), value);
    return this;
  }

  clone(): NameAddr {
    return new NameAddr(cloneUri(this.uri), this.displayName, this.params);
  }

  /** Always the bracketed name-addr form, which is valid whatever the URI holds. */
  toString(): string {
    const name = this.displayName === undefined || this.displayName === '' ? '' : quote(this.displayName) + ' ';
    return `${name}<${stringifyUri(this.uri)}>${stringifyParameters(this.params)}`;
  }
}

/** Parses one From/To/Contact/Route value (one element of a list). Never throws. */
export function parseNameAddr(text: string): NameAddr | undefined {
  const end = text.length;
  let i = skipWs(text, 0);
  let displayName: string | undefined;
  let uriStart: number;
  let uriEnd: number;
  let bracketed = false;

  if (i < end && text.charCodeAt(i) === 0x22) {
    const q = readQuotedString(text, i);
    if (!q) return undefined; // RFC 4475 §3.1.2.6 — unterminated quoted string
    displayName = q.value;
    i = skipWs(text, q.end);
    if (i >= end || text.charCodeAt(i) !== 0x3c) return undefined;
    bracketed = true;
  } else {
    // Look ahead over display-name tokens; if they lead to "<" this is a name-addr.
    // RFC 4475 §3.1.1.6 — no LWS between the tokens and "<" is accepted ("a
    // specification bug", the RFC says). Deviation: UTF-8 is accepted in an
    // unquoted display name, because phones send `Jörg <sip:…>`.
    // RFC 4475 §3.1.2.15 — `Bell, Alexander <sip:…>` stops at the comma, is
    // then read as an addr-spec and rejected.
    let j = i;
    while (j < end) {
      const c = text.charCodeAt(j);
      if (isTokenChar(c) || c === 0x20 || c === 0x09 || c > 0x7f) j++;
      else break;
    }
    if (j < end && text.charCodeAt(j) === 0x3c) {
      const name = trimWs(text.slice(i, j));
      if (name !== '') displayName = name;
      i = j;
      bracketed = true;
    }
  }

  if (bracketed) {
    const close = text.indexOf('>', i + 1);
    if (close < 0) return undefined;
    uriStart = i + 1;
    uriEnd = close;
    // RFC 4475 §3.1.2.14 — no whitespace inside the brackets: `< sip:x@y >` is invalid.
    i = close + 1;
  } else {
    uriStart = i;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === 0x3b || c === 0x20 || c === 0x09) break;
      // RFC 4475 §3.1.2.13 — a "?" (or ",") outside brackets is malformed.
      if (c === 0x3f || c === 0x2c) return undefined;
      i++;
    }
    uriEnd = i;
  }

  const uri = parseUri(text.slice(uriStart, uriEnd));
  if (!uri) return undefined;
  const params = parseParameters(text, i);
  if (!params) return undefined;
  const na = new NameAddr(uri, displayName);
  na.params = params;
  return na;
}
