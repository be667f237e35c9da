// RFC 3261 §25.1 — generic-param, the `;name=value` parameters that follow a
// header field value (From/To/Contact/Via/Route, Content-Type, …):
//
//   *( SEMI generic-param )
//   generic-param = token [ EQUAL gen-value ]
//   gen-value     = token / host / quoted-string
//   SEMI = SWS ";" SWS        EQUAL = SWS "=" SWS
//
// Parameter names are case-insensitive (§7.3.1), so they are stored lowercased.
// Values are stored as they appeared, quoted-strings keeping their quotes, so a
// value written back out is byte-for-byte what was received (a `"<urn:…>"`
// instance id must survive a round trip untouched).

import { isTokenChar, skipQuotedString, skipWs } from './basic-rules.ts';

/** Lowercased name → raw value, or null for a parameter without `=value`. Insertion-ordered. */
export type Parameters = Map<string, string | null>;

/**
 * Characters accepted in an unquoted gen-value. The grammar says token / host,
 * i.e. token characters plus ":[]" for IPv6 (RFC 5118 §4.5 shows unbracketed
 * IPv6 in `received`). Deviation: we also accept the other visible characters
 * that are not delimiters ("/", "@", "?", "&", "$", "=", "(", ")", "{", "}",
 * non-ASCII), because deployed phones put URI-ish values in Contact parameters
 * unquoted. Delimiters (";", ",", DQUOTE, "<", ">", "\", whitespace, controls)
 * stay forbidden, which is what keeps list splitting and name-addr parsing sound.
 */
function isValueChar(c: number): boolean {
  if (c <= 0x20 || c === 0x7f) return false;
  return c !== 0x3b && c !== 0x2c && c !== 0x22 && c !== 0x3c && c !== 0x3e && c !== 0x5c;
}

/**
 * Parses `*( SEMI generic-param )` in s[i, end). Returns undefined on any grammar
 * error, including empty parameters (`;;`, RFC 4475 §3.1.2.1) and text that is
 * not a parameter at all.
 */
export function parseParameters(s: string, i: number, end = s.length): Parameters | undefined {
  const params: Parameters = new Map();
  for (;;) {
    i = skipWs(s, i, end);
    if (i >= end) return params;
    if (s.charCodeAt(i) !== 0x3b) return undefined;
    i = skipWs(s, i + 1, end);
    const nameStart = i;
    while (i < end && isTokenChar(s.charCodeAt(i))) i++;
    if (i === nameStart) return undefined;
    const name = s.slice(nameStart, i).toLowerCase();
    const afterName = skipWs(s, i, end);
    if (afterName < end && s.charCodeAt(afterName) === 0x3d) {
      i = skipWs(s, afterName + 1, end);
      const valueStart = i;
      if (i < end && s.charCodeAt(i) === 0x22) {
        i = skipQuotedString(s, i, end);
        if (i < 0) return undefined;
      } else {
        while (i < end && isValueChar(s.charCodeAt(i))) i++;
        if (i === valueStart) return undefined;
      }
      params.set(name, s.slice(valueStart, i));
    } else {
      i = afterName;
      params.set(name, null);
    }
  }
}

export function stringifyParameters(params: ReadonlyMap<string, string | null>): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/** Strips the quotes and quoted-pair escapes of a quoted gen-value; other values pass through. */
export function unquoteValue(value: string): string {
  if (value.length < 2 || value.charCodeAt(0) !== 0x22 || value.charCodeAt(value.length - 1) !== 0x22) return value;
  return value.slice(1, -1).replace(/\\(.)/gs, '$1');
}
