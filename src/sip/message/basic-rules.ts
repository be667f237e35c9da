// RFC 3261 §25.1 — Basic Rules: the character classes and small productions
// (token, quoted-string, LWS, escaped) that every other SIP grammar rule is built
// from. Everything here works on header text that has already been unfolded
// (§7.3.1), so LWS is just SP / HTAB.
//
// Character classes are bit flags in a 128-entry table: one array lookup per
// character, no regular expressions, no backtracking.

const ALNUM = 1;
/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
const TOKEN = 2;
/** unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")" */
const UNRESERVED = 4;
/** user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/" */
const USER_UNRESERVED = 8;
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
const PASSWORD_EXTRA = 16;
/** param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$" */
const PARAM_UNRESERVED = 32;
/** hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$" */
const HNV_UNRESERVED = 64;
/** reserved = ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / "," */
const RESERVED = 128;

const TABLE = new Uint8Array(128);
function mark(chars: string, flag: number): void {
  for (let i = 0; i < chars.length; i++) TABLE[chars.charCodeAt(i)]! |= flag;
}
for (let c = 0x30; c <= 0x39; c++) TABLE[c] = ALNUM | TOKEN | UNRESERVED;
for (let c = 0x41; c <= 0x5a; c++) TABLE[c] = ALNUM | TOKEN | UNRESERVED;
for (let c = 0x61; c <= 0x7a; c++) TABLE[c] = ALNUM | TOKEN | UNRESERVED;
mark("-.!%*_+`'~", TOKEN);
mark("-_.!~*'()", UNRESERVED);
mark('&=+$,;?/', USER_UNRESERVED);
mark('&=+$,', PASSWORD_EXTRA);
mark('[]/:&+$', PARAM_UNRESERVED);
mark('[]/?:+$', HNV_UNRESERVED);
mark(';/?:@&=+$,', RESERVED);

function has(code: number, flags: number): boolean {
  return code < 128 && (TABLE[code]! & flags) !== 0;
}

export const isTokenChar = (code: number): boolean => has(code, TOKEN);
export const isAlnum = (code: number): boolean => has(code, ALNUM);

/** Character sets used when %-escaping URI components for output. */
export const CHARSET_USER = UNRESERVED | USER_UNRESERVED;
export const CHARSET_PASSWORD = UNRESERVED | PASSWORD_EXTRA;
export const CHARSET_PARAM = UNRESERVED | PARAM_UNRESERVED;
export const CHARSET_HEADER = UNRESERVED | HNV_UNRESERVED;
/** uric = reserved / unreserved / escaped (RFC 2396, used by absoluteURI) */
export const CHARSET_URIC = UNRESERVED | RESERVED;

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!has(s.charCodeAt(i), TOKEN)) return false;
  return true;
}

export function isWs(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Skips SP / HTAB (LWS after unfolding) from `i`. */
export function skipWs(s: string, i: number, end = s.length): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Trims SP / HTAB only (String#trim also strips NUL-adjacent Unicode spaces we must keep). */
export function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s.charCodeAt(a))) a++;
  while (b > a && isWs(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Reads a token starting at `i`; returns the index after it (=== i when there is none). */
export function scanToken(s: string, i: number, end = s.length): number {
  while (i < end && has(s.charCodeAt(i), TOKEN)) i++;
  return i;
}

const HEX = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;

/**
 * True when every character of s[start, end) is in `charset` or is a well-formed
 * `escaped` (%HH). UTF-8 is not allowed unescaped in URIs.
 */
export function isEscapedRun(s: string, start: number, end: number, charset: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= end) return false;
      if (HEX(s.charCodeAt(i + 1)) < 0 || HEX(s.charCodeAt(i + 2)) < 0) return false;
      i += 2;
    } else if (!has(c, charset)) {
      return false;
    }
  }
  return true;
}

/**
 * RFC 3261 §19.1.2 / RFC 3986 §2.1 — removes %HH escaping. Escaped octets are
 * read as UTF-8; when they are not valid UTF-8 (e.g. a lone %FF) they are kept
 * as Latin-1 code points so nothing is lost. Callers validate with
 * isEscapedRun first; malformed escapes are copied through unchanged.
 */
export function unescape(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length) {
      const h = HEX(s.charCodeAt(i + 1));
      const l = HEX(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        bytes.push(h * 16 + l);
        i += 2;
        continue;
      }
    }
    if (bytes.length > 0) {
      out += decodeOctets(bytes);
      bytes.length = 0;
    }
    out += s[i];
  }
  if (bytes.length > 0) out += decodeOctets(bytes);
  return out;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
function decodeOctets(bytes: number[]): string {
  const u8 = Uint8Array.from(bytes);
  try {
    return utf8Decoder.decode(u8);
  } catch {
    return Buffer.from(u8).toString('latin1');
  }
}

const HEXCHARS = '0123456789ABCDEF';
/** %-escapes every character of `s` that is not in `charset` (UTF-8 for non-ASCII). */
export function escape(s: string, charset: number): string {
  let i = 0;
  for (; i < s.length; i++) if (!has(s.charCodeAt(i), charset)) break;
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (const ch of s.slice(i)) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && has(c, charset)) {
      out += ch;
    } else {
      for (const b of Buffer.from(ch, 'utf8')) out += '%' + HEXCHARS[b >> 4] + HEXCHARS[b & 15];
    }
  }
  return out;
}

/**
 * RFC 3261 §25.1 — quoted-string = SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE.
 * `i` points at the opening DQUOTE. Returns the unescaped content and the index
 * after the closing DQUOTE, or undefined when the string is unterminated or
 * holds a raw control character (only quoted-pair may carry those, §25.1).
 */
export function readQuotedString(s: string, i: number, end = s.length): { value: string; end: number } | undefined {
  let out = '';
  let runStart = i + 1;
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return { value: out + s.slice(runStart, j), end: j + 1 };
    if (c === 0x5c) {
      // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
      if (j + 1 >= end) return undefined;
      const n = s.charCodeAt(j + 1);
      if (n === 0x0a || n === 0x0d) return undefined;
      out += s.slice(runStart, j) + s[j + 1];
      j++;
      runStart = j + 1;
      continue;
    }
    // qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return undefined;
  }
  return undefined;
}

/** Index just past the closing DQUOTE of the quoted-string at `i`, or -1. Keeps escapes. */
export function skipQuotedString(s: string, i: number, end = s.length): number {
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c) j++;
  }
  return -1;
}

/** Produces a quoted-string for output; CR and LF cannot be represented and are dropped. */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) continue;
    if (c === 0x22 || c === 0x5c || (c < 0x20 && c !== 0x09) || c === 0x7f) out += '\\';
    out += s[i];
  }
  return out + '"';
}

/** Reads 1*DIGIT as a number; undefined for anything else or above `max`. */
export function parseDigits(s: string, max: number): number | undefined {
  if (s.length === 0) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
    // Stop before precision is lost; leading zeros keep n at 0 and are fine.
    if (n > max) return undefined;
  }
  return n;
}
