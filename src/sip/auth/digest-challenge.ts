/**
 * Digest challenge and credentials as header *strings*:
 * `WWW-Authenticate` / `Proxy-Authenticate` values (the challenge) and
 * `Authorization` / `Proxy-Authorization` values (the credentials).
 *
 * Grammar: https://tools.ietf.org/html/rfc3261#section-25.1 (challenge, credentials),
 * https://tools.ietf.org/html/rfc7616#section-3.3 and #section-3.4,
 * updated for SIP by https://tools.ietf.org/html/rfc8760#section-2.6.
 *
 * Parsing never throws: every entry point returns a {@link ParseResult}.
 */

/** A parse outcome: a value, or a short English reason for logs. */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** One auth scheme with its auth-params, names lower-cased, values unquoted and unescaped. */
export interface AuthHeaderItem {
  readonly scheme: string;
  readonly params: ReadonlyMap<string, string>;
}

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  /** As sent; absent means MD5 (https://tools.ietf.org/html/rfc2617#section-3.2.1). */
  readonly algorithm?: string;
  /** The qop-options list, lower-cased; absent for an RFC 2069 style challenge. */
  readonly qop?: readonly string[];
  readonly opaque?: string;
  readonly stale: boolean;
  readonly domain?: string;
  readonly charset?: string;
  readonly userhash?: boolean;
  /** Every param as received, including unknown ones (auth-param extensions). */
  readonly params: ReadonlyMap<string, string>;
}

export interface DigestChallengeInit {
  readonly realm: string;
  readonly nonce: string;
  readonly algorithm?: string;
  readonly qop?: readonly string[];
  readonly opaque?: string;
  readonly stale?: boolean;
  readonly domain?: string;
}

export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  /** The request-digest, lower-cased hex as RFC 7616 §3.4.1 requires on the wire. */
  readonly response: string;
  readonly algorithm?: string;
  /** message-qop, lower-cased; present only together with cnonce and nc. */
  readonly qop?: string;
  readonly cnonce?: string;
  /** nonce-count: exactly 8 hex digits, lower-cased. */
  readonly nc?: string;
  readonly opaque?: string;
  readonly userhash?: boolean;
  readonly params: ReadonlyMap<string, string>;
}

export interface DigestCredentialsInit {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly algorithm?: string;
  readonly qop?: string;
  readonly cnonce?: string;
  readonly nc?: string;
  readonly opaque?: string;
}

/** Header values longer than this are refused before parsing. */
export const MAX_AUTH_HEADER_LENGTH = 8192;

// https://tools.ietf.org/html/rfc3261#section-25.1
// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
const TOKEN_CHAR = /[A-Za-z0-9\-.!%*_+`'~]/;
// LWS, including folded lines (CRLF followed by whitespace).
const LWS_CHAR = /[ \t\r\n]/;

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text.charAt(this.pos);
  }
  skipLws(): void {
    while (!this.done && LWS_CHAR.test(this.peek())) this.pos++;
  }
  readToken(): string {
    const start = this.pos;
    while (!this.done && TOKEN_CHAR.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }
}

/**
 * quoted-string = SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE
 * quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
 * https://tools.ietf.org/html/rfc3261#section-25.1
 * Returns undefined when the closing quote is missing.
 */
function readQuoted(c: Cursor): string | undefined {
  c.pos++; // opening DQUOTE
  let out = '';
  while (!c.done) {
    const ch = c.peek();
    if (ch === '"') {
      c.pos++;
      return out;
    }
    if (ch === '\\') {
      if (c.pos + 1 >= c.text.length) return undefined;
      out += c.text.charAt(c.pos + 1);
      c.pos += 2;
      continue;
    }
    out += ch;
    c.pos++;
  }
  return undefined;
}

/**
 * An unquoted value. RFC 3261 allows only a token here, but some deployed servers send
 * nonces with "/", "=" or ":" unquoted; we accept anything up to a comma or whitespace.
 */
function readUnquoted(c: Cursor): string {
  const start = c.pos;
  while (!c.done && c.peek() !== ',' && c.peek() !== '"' && !LWS_CHAR.test(c.peek())) c.pos++;
  return c.text.slice(start, c.pos);
}

/**
 * Splits a header value into challenges or credentials.
 *
 * challenge = ("Digest" LWS digest-cln *(COMMA digest-cln)) / other-challenge
 * https://tools.ietf.org/html/rfc3261#section-25.1
 *
 * SIP carries one challenge per header field, but HTTP (RFC 7235 §4.1) lets several
 * be joined with commas in one value, and some gateways do so. A token after a comma
 * that is not followed by "=" starts the next scheme. token68 (e.g. Basic) is not
 * supported: such a value is reported as malformed.
 */
export function parseAuthHeader(headerValue: unknown): ParseResult<AuthHeaderItem[]> {
  if (typeof headerValue !== 'string') return { ok: false, error: 'not a string' };
  if (headerValue.length > MAX_AUTH_HEADER_LENGTH) return { ok: false, error: 'header value too long' };
  const c = new Cursor(headerValue);
  const items: AuthHeaderItem[] = [];
  const skipSeparators = (): void => {
    c.skipLws();
    while (c.peek() === ',') {
      c.pos++;
      c.skipLws();
    }
  };
  skipSeparators();
  while (!c.done) {
    const scheme = c.readToken();
    if (scheme === '') return { ok: false, error: `unexpected character at ${c.pos}` };
    if (!c.done && !LWS_CHAR.test(c.peek()) && c.peek() !== ',') {
      return { ok: false, error: `expected whitespace after scheme at ${c.pos}` };
    }
    const params = new Map<string, string>();
    skipSeparators();
    while (!c.done) {
      const save = c.pos;
      const name = c.readToken();
      if (name === '') return { ok: false, error: `expected a parameter name at ${c.pos}` };
      c.skipLws();
      if (c.peek() !== '=') {
        // No "=": this token is the next challenge's scheme.
        c.pos = save;
        break;
      }
      c.pos++;
      c.skipLws();
      let value: string | undefined;
      if (c.peek() === '"') {
        value = readQuoted(c);
        if (value === undefined) return { ok: false, error: `unterminated quoted string for ${name}` };
      } else {
        value = readUnquoted(c);
      }
      const key = name.toLowerCase();
      // RFC 7616 §3.4 does not allow a parameter twice; two "response" values are an attack
      // or a bug, and either way we cannot tell which one the sender meant.
      if (params.has(key)) return { ok: false, error: `duplicate parameter ${key}` };
      params.set(key, value);
      c.skipLws();
      if (c.done) break;
      if (c.peek() !== ',') return { ok: false, error: `expected "," at ${c.pos}` };
      skipSeparators();
    }
    items.push({ scheme, params });
  }
  if (items.length === 0) return { ok: false, error: 'empty header value' };
  return { ok: true, value: items };
}

function isDigest(item: AuthHeaderItem): boolean {
  return item.scheme.toLowerCase() === 'digest';
}

function optional(params: ReadonlyMap<string, string>, name: string): string | undefined {
  return params.get(name);
}

function flag(value: string | undefined): boolean {
  return value !== undefined && value.toLowerCase() === 'true';
}

/**
 * digest-cln = realm / domain / nonce / opaque / stale / algorithm / qop-options / auth-param
 * realm and nonce are required: https://tools.ietf.org/html/rfc7616#section-3.3
 */
function toChallenge(item: AuthHeaderItem): ParseResult<DigestChallenge> {
  const p = item.params;
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (realm === undefined) return { ok: false, error: 'challenge without realm' };
  if (nonce === undefined || nonce === '') return { ok: false, error: 'challenge without nonce' };
  const qopRaw = p.get('qop');
  // qop-options = "qop" EQUAL LDQUOT qop-value *("," qop-value) RDQUOT
  const qop = qopRaw === undefined ? undefined : qopRaw.split(',').map((q) => q.trim().toLowerCase()).filter((q) => q !== '');
  return {
    ok: true,
    value: {
      realm,
      nonce,
      algorithm: optional(p, 'algorithm'),
      qop,
      opaque: optional(p, 'opaque'),
      stale: flag(p.get('stale')),
      domain: optional(p, 'domain'),
      charset: optional(p, 'charset'),
      userhash: p.has('userhash') ? flag(p.get('userhash')) : undefined,
      params: p,
    },
  };
}

/** Every Digest challenge in one header value, in order (RFC 8760 §2.4: topmost first). */
export function parseDigestChallenges(headerValue: unknown): ParseResult<DigestChallenge[]> {
  const parsed = parseAuthHeader(headerValue);
  if (!parsed.ok) return parsed;
  const out: DigestChallenge[] = [];
  let lastError = 'no Digest challenge';
  for (const item of parsed.value) {
    if (!isDigest(item)) continue;
    const ch = toChallenge(item);
    if (ch.ok) out.push(ch.value);
    else lastError = ch.error;
  }
  if (out.length === 0) return { ok: false, error: lastError };
  return { ok: true, value: out };
}

/** The first valid Digest challenge of a `WWW-Authenticate` / `Proxy-Authenticate` value. */
export function parseDigestChallenge(headerValue: unknown): ParseResult<DigestChallenge> {
  const all = parseDigestChallenges(headerValue);
  if (!all.ok) return all;
  return { ok: true, value: all.value[0] as DigestChallenge };
}

const HEX8 = /^[0-9a-fA-F]{8}$/;

/**
 * dig-resp = username / realm / nonce / digest-uri / dresponse / algorithm / cnonce /
 *            opaque / message-qop / nonce-count / auth-param
 * https://tools.ietf.org/html/rfc3261#section-25.1
 *
 * "If the qop directive is present, cnonce and nc MUST be present":
 * https://tools.ietf.org/html/rfc7616#section-3.4
 */
function toCredentials(item: AuthHeaderItem): ParseResult<DigestCredentials> {
  if (!isDigest(item)) return { ok: false, error: `scheme ${item.scheme} is not Digest` };
  const p = item.params;
  const username = p.get('username');
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const uri = p.get('uri');
  const response = p.get('response');
  if (username === undefined) return { ok: false, error: 'credentials without username' };
  if (realm === undefined) return { ok: false, error: 'credentials without realm' };
  if (nonce === undefined) return { ok: false, error: 'credentials without nonce' };
  if (uri === undefined) return { ok: false, error: 'credentials without uri' };
  if (response === undefined || !/^[0-9a-fA-F]+$/.test(response)) return { ok: false, error: 'credentials without a hex response' };
  // Some clients quote qop ("qop=\"auth\""), which RFC 3261 does not allow; the parser
  // already unquoted it, so both forms land here the same.
  const qop = p.get('qop')?.toLowerCase();
  const cnonce = p.get('cnonce');
  const nc = p.get('nc');
  if (qop !== undefined) {
    if (cnonce === undefined || cnonce === '') return { ok: false, error: 'qop without cnonce' };
    if (nc === undefined || !HEX8.test(nc)) return { ok: false, error: 'qop without a valid nc' };
  }
  return {
    ok: true,
    value: {
      username,
      realm,
      nonce,
      uri,
      response: response.toLowerCase(),
      algorithm: p.get('algorithm'),
      qop,
      cnonce: qop === undefined ? undefined : cnonce,
      nc: qop === undefined ? undefined : nc?.toLowerCase(),
      opaque: p.get('opaque'),
      userhash: p.has('userhash') ? flag(p.get('userhash')) : undefined,
      params: p,
    },
  };
}

/** Parses an `Authorization` / `Proxy-Authorization` value holding Digest credentials. */
export function parseDigestCredentials(headerValue: unknown): ParseResult<DigestCredentials> {
  const parsed = parseAuthHeader(headerValue);
  if (!parsed.ok) return parsed;
  if (parsed.value.length !== 1) return { ok: false, error: 'more than one set of credentials in one header value' };
  return toCredentials(parsed.value[0] as AuthHeaderItem);
}

/**
 * quoted-string with "\" and DQUOTE escaped. CR, LF and NUL cannot appear in a
 * quoted-string at all (RFC 3261 §25.1) and are dropped, so a value can never
 * inject a header line.
 */
export function quoteString(value: string): string {
  return `"${value.replace(/[\r\n\0]/g, '').replace(/[\\"]/g, '\\$&')}"`;
}

/** A token stays a token only if every character is one. */
function tokenOrQuoted(value: string): string {
  return /^[A-Za-z0-9\-.!%*_+`'~]+$/.test(value) ? value : quoteString(value);
}

/** Serializes a challenge: https://tools.ietf.org/html/rfc7616#section-3.3 */
export function serializeDigestChallenge(c: DigestChallengeInit): string {
  const parts = [`realm=${quoteString(c.realm)}`];
  if (c.domain !== undefined) parts.push(`domain=${quoteString(c.domain)}`);
  parts.push(`nonce=${quoteString(c.nonce)}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quoteString(c.opaque)}`);
  if (c.algorithm !== undefined) parts.push(`algorithm=${tokenOrQuoted(c.algorithm)}`);
  if (c.qop !== undefined && c.qop.length > 0) parts.push(`qop=${quoteString(c.qop.join(','))}`);
  // stale = "stale" EQUAL ( "true" / "false" ), https://tools.ietf.org/html/rfc3261#section-25.1
  if (c.stale === true) parts.push('stale=true');
  return `Digest ${parts.join(', ')}`;
}

/** Serializes credentials: https://tools.ietf.org/html/rfc7616#section-3.4 */
export function serializeDigestCredentials(c: DigestCredentialsInit): string {
  const parts = [
    `username=${quoteString(c.username)}`,
    `realm=${quoteString(c.realm)}`,
    `nonce=${quoteString(c.nonce)}`,
    `uri=${quoteString(c.uri)}`,
    `response=${quoteString(c.response)}`,
  ];
  if (c.algorithm !== undefined) parts.push(`algorithm=${tokenOrQuoted(c.algorithm)}`);
  if (c.cnonce !== undefined) parts.push(`cnonce=${quoteString(c.cnonce)}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quoteString(c.opaque)}`);
  // message-qop = "qop" EQUAL qop-value: a token, unquoted (https://tools.ietf.org/html/rfc3261#section-25.1).
  if (c.qop !== undefined) parts.push(`qop=${tokenOrQuoted(c.qop)}`);
  if (c.nc !== undefined) parts.push(`nc=${tokenOrQuoted(c.nc)}`);
  return `Digest ${parts.join(', ')}`;
}
