/**
 * The server side of Digest: a registrar or proxy challenging requests and checking
 * the credentials that come back. https://tools.ietf.org/html/rfc3261#section-22.1 (UAS),
 * #section-22.3 (proxy), updated by https://tools.ietf.org/html/rfc8760#section-2.3.
 *
 * Works on header strings only; the caller puts `challenges` into a 401 or 407.
 *
 * Security rule: a client must not be able to tell an unknown user from a wrong
 * password. `verify` takes the same path for both (an unknown user is checked against
 * a dummy password, the hash work and the comparison are the same), and the failure
 * carries the exact challenges to send, which depend on nothing but `stale`. `reason`
 * is for logs and metrics only: never put it on the wire.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parseDigestCredentials, serializeDigestChallenge, type DigestCredentials } from './digest-challenge.ts';
import { digestHa1, digestResponse, parseDigestAlgorithm } from './digest-response.ts';
import { NonceIssuer } from './nonce.ts';

/** The algorithms a Switchboard server offers. */
export type ServerDigestAlgorithm = 'MD5' | 'SHA-256';

/**
 * "The UAS MUST add these header fields to the response in the order that it would
 * prefer to see them used, starting with the most preferred algorithm at the top."
 * https://tools.ietf.org/html/rfc8760#section-2.3
 */
const PREFERENCE: readonly ServerDigestAlgorithm[] = ['SHA-256', 'MD5'];

export interface DigestServerOptions {
  readonly realm: string;
  /** HMAC key for stateless nonces (at least 16 bytes), shared by the nodes of a cluster. */
  readonly secret: string | Uint8Array;
  readonly nonceTtlMs: number;
  /** Offered algorithms; challenges go out SHA-256 first unless `md5First`. */
  readonly algorithms: readonly ServerDigestAlgorithm[];
  /**
   * Put the MD5 challenge on top. Deviation from RFC 8760 §2.3, for UACs that answer only
   * the topmost challenge and fail when it is SHA-256 (measured: SIPp 3.6.1). Default false.
   * Some UACs fail as soon as *any* challenge is SHA-256, whatever the order (measured:
   * baresip 1.0.0 / libre 1.1.0, "Function not implemented"): challenge those with
   * `algorithms: ['MD5']` per request, see {@link ChallengeOptions.algorithms}.
   */
  readonly md5First?: boolean;
  readonly now?: () => number;
}

export interface ChallengeOptions {
  /** Set after a `stale` failure: the client retries with the same password, no prompt. */
  readonly stale?: boolean;
  /** 407 with Proxy-Authenticate instead of 401 with WWW-Authenticate (RFC 3261 §22.3). */
  readonly proxy?: boolean;
  /**
   * Offer only these (a subset of the server's), e.g. MD5 alone to a device known to
   * choke on SHA-256. Verification still accepts every algorithm the server has.
   * None in common with the server's list falls back to all of the server's.
   */
  readonly algorithms?: readonly ServerDigestAlgorithm[];
}

export interface AuthHeader {
  readonly header: 'WWW-Authenticate' | 'Proxy-Authenticate';
  readonly value: string;
}

export type PasswordLookup = (username: string) => string | undefined | Promise<string | undefined>;

export interface VerifyInput {
  readonly method: string;
  /**
   * The `Authorization` (or `Proxy-Authorization`) values of the request. A request may
   * carry credentials for several realms (one per proxy on the path, RFC 3261 §22.3);
   * the first one for our realm is checked.
   */
  readonly authorizationHeaderValue: string | readonly string[] | undefined;
  readonly lookupPassword: PasswordLookup;
  /** Defaults to the server's realm. */
  readonly expectedRealm?: string;
  /** Shapes the challenges in a failure. Default false (401). */
  readonly proxy?: boolean;
  /** The algorithms to offer in a failure's challenges; see {@link ChallengeOptions.algorithms}. */
  readonly challengeAlgorithms?: readonly ServerDigestAlgorithm[];
}

/**
 * Why verification failed. For logs only; the client sees the same challenge for all
 * of them except `stale`.
 * - `missing`: no credentials at all: the normal first request.
 * - `malformed`: unparsable credentials, or features we do not support (userhash).
 * - `realm`: no credentials for our realm.
 * - `algorithm`: an algorithm we did not offer.
 * - `qop`: a qop other than "auth" (we offer only "auth").
 * - `nonce`: a nonce we did not issue (forged, tampered, another realm or secret).
 * - `unknown-user`, `bad-response`: the two that must look identical to the client.
 * - `stale`: the response was right but the nonce has expired.
 */
export type DigestFailureReason = 'missing' | 'malformed' | 'realm' | 'algorithm' | 'qop' | 'nonce' | 'unknown-user' | 'bad-response' | 'stale';

export type VerifyResult =
  | { readonly ok: true; readonly username: string; readonly algorithm: ServerDigestAlgorithm; readonly qop: 'auth' | undefined }
  | {
      readonly ok: false;
      readonly reason: DigestFailureReason;
      readonly stale: boolean;
      /** The header fields to put in the 401/407, ready to send. */
      readonly challenges: AuthHeader[];
      /** The username the client claimed, if any, for logs. */
      readonly username?: string;
    };

export class DigestServer {
  readonly realm: string;
  readonly #algorithms: readonly ServerDigestAlgorithm[];
  readonly #nonces: NonceIssuer;
  /** Checked against for unknown users; random so no client can ever match it. */
  readonly #dummyPassword = randomBytes(18).toString('base64');

  constructor(options: DigestServerOptions) {
    if (options.algorithms.length === 0) throw new RangeError('DigestServer needs at least one algorithm');
    this.realm = options.realm;
    const order = options.md5First === true ? [...PREFERENCE].reverse() : PREFERENCE;
    this.#algorithms = order.filter((a) => options.algorithms.includes(a));
    this.#nonces = new NonceIssuer({ secret: options.secret, ttlMs: options.nonceTtlMs, context: options.realm, now: options.now });
  }

  /**
   * One challenge per algorithm, most preferred first (RFC 8760 §2.3), each with its own
   * nonce and qop="auth". RFC 8760 §2.6 makes qop mandatory in SIP challenges; phones
   * that ignore it and answer RFC 2069 style are still accepted by {@link verify}.
   */
  challenge(options: ChallengeOptions = {}): AuthHeader[] {
    const header = options.proxy === true ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const only = options.algorithms;
    const offered = only === undefined ? this.#algorithms : this.#algorithms.filter((a) => only.includes(a));
    return (offered.length > 0 ? offered : this.#algorithms).map((algorithm) => ({
      header,
      value: serializeDigestChallenge({
        realm: this.realm,
        nonce: this.#nonces.issue(),
        algorithm,
        qop: ['auth'],
        stale: options.stale === true,
      }),
    }));
  }

  async verify(input: VerifyInput): Promise<VerifyResult> {
    const realm = input.expectedRealm ?? this.realm;
    const fail = (reason: DigestFailureReason, username?: string): VerifyResult => {
      const stale = reason === 'stale';
      return { ok: false, reason, stale, challenges: this.challenge({ stale, proxy: input.proxy, algorithms: input.challengeAlgorithms }), username };
    };

    const values = input.authorizationHeaderValue === undefined ? [] : typeof input.authorizationHeaderValue === 'string' ? [input.authorizationHeaderValue] : input.authorizationHeaderValue;
    if (values.length === 0 || values.every((v) => typeof v !== 'string' || v.trim() === '')) return fail('missing');

    // https://tools.ietf.org/html/rfc3261#section-22.3: each proxy finds the credentials
    // for its own realm among those present.
    let creds: DigestCredentials | undefined;
    let parsedAny = false;
    for (const v of values) {
      const parsed = parseDigestCredentials(v);
      if (!parsed.ok) continue;
      parsedAny = true;
      if (parsed.value.realm === realm) {
        creds = parsed.value;
        break;
      }
    }
    if (creds === undefined) return fail(parsedAny ? 'realm' : 'malformed');

    // RFC 7616 §3.4.4: with userhash=true the username is H(username ":" realm); we never
    // offer userhash, so such credentials are not ours to understand.
    if (creds.userhash === true) return fail('malformed', creds.username);

    const algorithm = parseDigestAlgorithm(creds.algorithm);
    if (algorithm === undefined || !(this.#algorithms as readonly string[]).includes(algorithm)) return fail('algorithm', creds.username);
    const alg = algorithm as ServerDigestAlgorithm;

    if (creds.qop !== undefined && creds.qop !== 'auth') return fail('qop', creds.username);

    const nonce = this.#nonces.check(creds.nonce);
    if (nonce.status === 'invalid') return fail('nonce', creds.username);

    // From here on, known and unknown users take the same path and the same work.
    const password = await input.lookupPassword(creds.username);
    const known = password !== undefined;
    const ha1 = digestHa1({ algorithm: alg, username: creds.username, realm, password: known ? password : this.#dummyPassword });
    const expected = digestResponse({
      algorithm: alg,
      ha1,
      method: input.method,
      uri: creds.uri,
      nonce: creds.nonce,
      qop: creds.qop,
      nc: creds.nc,
      cnonce: creds.cnonce,
    });
    const matches = constantTimeEqual(expected, creds.response) && known;

    if (!matches) return fail(known ? 'bad-response' : 'unknown-user', creds.username);
    // "The server should only set stale to TRUE if it receives a request for which the
    // nonce is invalid but with a valid digest for that nonce."
    // https://tools.ietf.org/html/rfc2617#section-3.2.1
    if (nonce.status === 'stale') return fail('stale', creds.username);
    return { ok: true, username: creds.username, algorithm: alg, qop: creds.qop === 'auth' ? 'auth' : undefined };
  }
}

/** Equal-length strings compared in constant time; a length mismatch reveals only the length. */
function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}
