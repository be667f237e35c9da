/**
 * The Digest request-digest ("response" parameter): the hash both sides compute.
 *
 * https://tools.ietf.org/html/rfc7616#section-3.4.1 (response),
 * #section-3.4.2 (A1), #section-3.4.3 (A2); RFC 2069 form for a challenge without qop:
 * https://tools.ietf.org/html/rfc2617#section-3.2.2.1
 */
import { createHash } from 'node:crypto';

/**
 * Algorithms of the IANA "HTTP Digest Algorithm Values" registry that SIP may use
 * (https://tools.ietf.org/html/rfc8760#section-2.1), plus the "-sess" variants.
 */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

const NODE_HASH: Record<string, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

const CANONICAL: ReadonlyMap<string, DigestAlgorithm> = new Map(
  (['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'] as const).map((a) => [a.toLowerCase(), a]),
);

/**
 * The algorithm named in a challenge or credentials. Absent means MD5
 * (https://tools.ietf.org/html/rfc7616#section-3.3: "If this is not present, it is
 * assumed to be MD5"). Names compare case-insensitively. Unknown → undefined.
 */
export function parseDigestAlgorithm(name: string | undefined): DigestAlgorithm | undefined {
  if (name === undefined) return 'MD5';
  return CANONICAL.get(name.trim().toLowerCase());
}

function baseOf(algorithm: DigestAlgorithm): string {
  return algorithm.endsWith('-sess') ? algorithm.slice(0, -'-sess'.length) : algorithm;
}

/**
 * H(data): the hash as lower-case hex. Strings are hashed as UTF-8
 * (https://tools.ietf.org/html/rfc7616#section-4: charset UTF-8 is the only one defined).
 */
export function digestHash(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  return createHash(NODE_HASH[baseOf(algorithm)] as string).update(data).digest('hex');
}

export interface Ha1Input {
  readonly algorithm: DigestAlgorithm;
  readonly username: string;
  readonly realm: string;
  readonly password: string;
  /** Needed by the "-sess" algorithms only. */
  readonly nonce?: string;
  readonly cnonce?: string;
}

/**
 * H(A1). https://tools.ietf.org/html/rfc7616#section-3.4.2
 *   A1 = unq(username) ":" unq(realm) ":" passwd
 *   -sess: A1 = H( unq(username) ":" unq(realm) ":" passwd ) ":" unq(nonce-prime) ":" unq(cnonce-prime)
 */
export function digestHa1(input: Ha1Input): string {
  const inner = digestHash(input.algorithm, `${input.username}:${input.realm}:${input.password}`);
  if (!input.algorithm.endsWith('-sess')) return inner;
  return digestHash(input.algorithm, `${inner}:${input.nonce ?? ''}:${input.cnonce ?? ''}`);
}

export interface ResponseInput {
  readonly algorithm: DigestAlgorithm;
  /** H(A1) from {@link digestHa1}, so a server may store hashes instead of passwords. */
  readonly ha1: string;
  readonly method: string;
  /** The digest-uri exactly as it appears in the credentials. */
  readonly uri: string;
  readonly nonce: string;
  /** "auth", "auth-int", or undefined for the RFC 2069 form. */
  readonly qop?: string;
  readonly nc?: string;
  readonly cnonce?: string;
  /** The message body, for qop=auth-int. */
  readonly body?: string | Uint8Array;
}

/**
 * request-digest. https://tools.ietf.org/html/rfc7616#section-3.4.1
 *   qop present: KD(H(A1), unq(nonce) ":" nc ":" unq(cnonce) ":" unq(qop) ":" H(A2))
 *   no qop (RFC 2069, https://tools.ietf.org/html/rfc2617#section-3.2.2.1):
 *                KD(H(A1), unq(nonce) ":" H(A2))
 * with KD(secret, data) = H(secret ":" data), and
 *   A2 = Method ":" request-uri                       (qop "auth" or absent)
 *   A2 = Method ":" request-uri ":" H(entity-body)    (qop "auth-int")
 * https://tools.ietf.org/html/rfc7616#section-3.4.3
 */
export function digestResponse(input: ResponseInput): string {
  const { algorithm } = input;
  const a2 =
    input.qop === 'auth-int'
      ? `${input.method}:${input.uri}:${digestHash(algorithm, input.body ?? '')}`
      : `${input.method}:${input.uri}`;
  const ha2 = digestHash(algorithm, a2);
  if (input.qop === undefined) return digestHash(algorithm, `${input.ha1}:${input.nonce}:${ha2}`);
  return digestHash(algorithm, `${input.ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:${input.qop}:${ha2}`);
}
