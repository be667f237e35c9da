/**
 * Stateless server nonces.
 *
 * RFC 7616 §3.3 leaves the nonce's content to the server and suggests
 *   base64(time-stamp H(time-stamp ":" ETag ":" secret-data))
 * so that "the server would recalculate the hash portion after receiving the client
 * authentication header and reject the request if it did not match the nonce from that
 * header or if the time-stamp value is not recent enough"
 * (https://tools.ietf.org/html/rfc7616#section-3.3, same text in RFC 2617 §3.2.1).
 *
 * We use HMAC-SHA256 instead of a plain hash over secret data, and a random part
 * instead of the ETag (SIP has none):
 *
 *   nonce = base64url( timestamp(8, ms, big-endian) || random(12) || HMAC-SHA256(secret, context || timestamp || random)[0..16] )
 *
 * 36 bytes give 48 characters: short enough for two challenges in a UDP response.
 * Any node that knows the secret can verify a nonce, so a cluster needs no shared state.
 *
 * Deviation: RFC 7616 §5.3 suggests tracking nonce-count values to refuse replays;
 * a stateless nonce cannot, so a captured request can be replayed until the nonce
 * expires. Keep the TTL short (minutes), and use TLS where replay matters.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const TS_BYTES = 8;
const RANDOM_BYTES = 12;
const MAC_BYTES = 16;
const NONCE_BYTES = TS_BYTES + RANDOM_BYTES + MAC_BYTES;
const NONCE_CHARS = (NONCE_BYTES / 3) * 4;
const NONCE_SHAPE = new RegExp(`^[A-Za-z0-9_-]{${NONCE_CHARS}}$`);

export interface NonceOptions {
  /** HMAC key. At least 16 bytes; share it between the nodes of a cluster. */
  readonly secret: string | Uint8Array;
  /** How long a nonce stays fresh. Older authentic nonces are `stale`. */
  readonly ttlMs: number;
  /** Binds nonces to one use, e.g. the realm, so two servers sharing a secret cannot trade nonces. */
  readonly context?: string;
  /** Milliseconds since the epoch. Injected by tests. */
  readonly now?: () => number;
  /** Random bytes. Injected by tests. */
  readonly random?: (size: number) => Uint8Array;
}

/**
 * - `valid`: we made it and it is younger than the TTL.
 * - `stale`: we made it but it is older than the TTL; answer with stale=true
 *   (https://tools.ietf.org/html/rfc7616#section-3.3, "stale").
 * - `invalid`: not ours (forged, tampered with, truncated, another context or secret).
 */
export type NonceCheck =
  | { readonly status: 'valid'; readonly issuedAt: number }
  | { readonly status: 'stale'; readonly issuedAt: number }
  | { readonly status: 'invalid' };

export class NonceIssuer {
  readonly #key: Buffer;
  readonly #context: Buffer;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #random: (size: number) => Uint8Array;

  constructor(options: NonceOptions) {
    const key = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret);
    if (key.length < 16) throw new RangeError('nonce secret must be at least 16 bytes');
    if (!Number.isFinite(options.ttlMs) || options.ttlMs <= 0) throw new RangeError('nonce ttlMs must be a positive number');
    this.#key = key;
    this.#context = Buffer.from(options.context ?? '', 'utf8');
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? randomBytes;
  }

  /** A fresh nonce carrying the current time. */
  issue(): string {
    const buf = Buffer.alloc(NONCE_BYTES);
    buf.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.#now()))), 0);
    const rnd = this.#random(RANDOM_BYTES);
    if (rnd.length < RANDOM_BYTES) throw new RangeError('random source returned too few bytes');
    buf.set(rnd.subarray(0, RANDOM_BYTES), TS_BYTES);
    this.#mac(buf.subarray(0, TS_BYTES + RANDOM_BYTES)).copy(buf, TS_BYTES + RANDOM_BYTES);
    return buf.toString('base64url');
  }

  /** Authenticity first, then age. Never throws. */
  check(nonce: unknown): NonceCheck {
    if (typeof nonce !== 'string' || !NONCE_SHAPE.test(nonce)) return { status: 'invalid' };
    const buf = Buffer.from(nonce, 'base64url');
    if (buf.length !== NONCE_BYTES) return { status: 'invalid' };
    const expected = this.#mac(buf.subarray(0, TS_BYTES + RANDOM_BYTES));
    if (!timingSafeEqual(expected, buf.subarray(TS_BYTES + RANDOM_BYTES))) return { status: 'invalid' };
    const issuedAt = Number(buf.readBigUInt64BE(0));
    // A nonce from the (near) future is still ours: another node's clock may run ahead.
    const age = this.#now() - issuedAt;
    return age > this.#ttlMs ? { status: 'stale', issuedAt } : { status: 'valid', issuedAt };
  }

  #mac(data: Uint8Array): Buffer {
    return createHmac('sha256', this.#key).update(this.#context).update(data).digest().subarray(0, MAC_BYTES);
  }
}
