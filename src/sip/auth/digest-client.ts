/**
 * The client side of Digest: answering a 401/407 challenge, e.g. when Switchboard
 * registers to a SIP trunk. https://tools.ietf.org/html/rfc3261#section-22.2 (UAC),
 * updated by https://tools.ietf.org/html/rfc8760#section-2.4.
 *
 * Holds the nonce-count state: nc counts the requests sent with one nonce and starts
 * again at 1 with a new one (https://tools.ietf.org/html/rfc7616#section-3.4).
 */
import { randomBytes } from 'node:crypto';
import { parseDigestChallenges, serializeDigestCredentials, type DigestChallenge } from './digest-challenge.ts';
import { digestHa1, digestResponse, parseDigestAlgorithm, type DigestAlgorithm } from './digest-response.ts';

export interface DigestClientOptions {
  readonly username: string;
  readonly password: string;
  /** cnonce source. Injected by tests; the default is 96 random bits, base64url. */
  readonly cnonce?: () => string;
}

export interface AuthorizeInput {
  /** The request method, e.g. "REGISTER". */
  readonly method: string;
  /** The Request-URI of the request being authorized, as it goes on the wire. */
  readonly uri: string;
  /**
   * The `WWW-Authenticate` or `Proxy-Authenticate` value(s) of the response, in order.
   * Several values (several header fields, or several challenges in one value) are
   * handled as RFC 8760 §2.4 says: the topmost one we support wins.
   */
  readonly challengeHeaderValue: string | readonly string[];
  /** The request body, used only if the server asks for qop=auth-int. */
  readonly body?: string | Uint8Array;
}

export class DigestClient {
  readonly #username: string;
  readonly #password: string;
  readonly #cnonce: () => string;
  #lastNonce: string | undefined;
  #nc = 0;

  constructor(options: DigestClientOptions) {
    this.#username = options.username;
    this.#password = options.password;
    this.#cnonce = options.cnonce ?? (() => randomBytes(12).toString('base64url'));
  }

  /**
   * The `Authorization` / `Proxy-Authorization` value answering the challenge, or
   * undefined if no challenge is usable (none parses, unsupported algorithm, or a qop
   * list without "auth" or "auth-int"). The header name mirrors the challenge's:
   * 401 → Authorization, 407 → Proxy-Authorization (RFC 3261 §22.2, §22.3).
   */
  authorize(input: AuthorizeInput): string | undefined {
    const values = typeof input.challengeHeaderValue === 'string' ? [input.challengeHeaderValue] : input.challengeHeaderValue;
    for (const value of values) {
      const parsed = parseDigestChallenges(value);
      if (!parsed.ok) continue;
      for (const challenge of parsed.value) {
        const header = this.#answer(challenge, input);
        if (header !== undefined) return header;
      }
    }
    return undefined;
  }

  #answer(challenge: DigestChallenge, input: AuthorizeInput): string | undefined {
    const algorithm: DigestAlgorithm | undefined = parseDigestAlgorithm(challenge.algorithm);
    if (algorithm === undefined) return undefined;

    // "auth" is preferred; "auth-int" only when it is all the server offers.
    // No qop at all is the RFC 2069 form (https://tools.ietf.org/html/rfc2617#section-3.2.2).
    let qop: 'auth' | 'auth-int' | undefined;
    if (challenge.qop !== undefined) {
      if (challenge.qop.includes('auth')) qop = 'auth';
      else if (challenge.qop.includes('auth-int')) qop = 'auth-int';
      else return undefined;
    }

    if (challenge.nonce !== this.#lastNonce) {
      this.#lastNonce = challenge.nonce;
      this.#nc = 0;
    }
    // nc-value = 8LHEX; wraps after ffffffff.
    this.#nc = (this.#nc % 0xffffffff) + 1;
    const nc = this.#nc.toString(16).padStart(8, '0');
    const cnonce = qop !== undefined || algorithm.endsWith('-sess') ? this.#cnonce() : undefined;

    const ha1 = digestHa1({ algorithm, username: this.#username, realm: challenge.realm, password: this.#password, nonce: challenge.nonce, cnonce });
    const response = digestResponse({
      algorithm,
      ha1,
      method: input.method,
      uri: input.uri,
      nonce: challenge.nonce,
      qop,
      nc: qop === undefined ? undefined : nc,
      cnonce,
      body: input.body,
    });
    return serializeDigestCredentials({
      username: this.#username,
      realm: challenge.realm,
      nonce: challenge.nonce,
      uri: input.uri,
      response,
      // Echo the algorithm the server named; when it named none, MD5 was meant and saying so is allowed.
      algorithm: challenge.algorithm ?? 'MD5',
      cnonce,
      opaque: challenge.opaque,
      qop,
      nc: qop === undefined ? undefined : nc,
    });
  }
}
