// OAuth 2.0 client-credentials tokens for the Call Control API (RFC 6749
// §4.4). A token is not stored: it is its own claims, signed with HMAC-SHA256
// under a secret drawn at start, so checking one costs no database read.
// Drawing the secret at start means a restart invalidates every token; 3CX
// clients then get 401 and fetch a new one, as they do when one expires.
// Revocation of the API key a token came from is honoured at once through
// the `key.revoked` event (see auth.ts).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../../core/roles.ts';

export interface TokenClaims {
  /** Access token or refresh token (RFC 6749 §1.4, §1.5). */
  use: 'access' | 'refresh';
  /** The API key (its id) the token was issued for. */
  kid: string;
  role: Role;
  /** The DN the client authenticated as (client_id). */
  dn: string;
  /** The DNs the token may see and control; `*` for all (a key bound to no DN). */
  dns: string[] | '*';
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface IssuedTokens {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  refresh_token: string;
}

/** A refresh token outlives its access token this many times. */
const REFRESH_FACTOR = 24;

export class TokenIssuer {
  private readonly secret = randomBytes(32);

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(claims: Omit<TokenClaims, 'use' | 'exp'>): IssuedTokens {
    const at = Math.floor(this.now() / 1000);
    return {
      token_type: 'Bearer',
      expires_in: this.ttlSeconds,
      access_token: this.sign({ ...claims, use: 'access', exp: at + this.ttlSeconds }),
      refresh_token: this.sign({ ...claims, use: 'refresh', exp: at + this.ttlSeconds * REFRESH_FACTOR }),
    };
  }

  /** The claims of a well-signed, unexpired token of that use; undefined otherwise. */
  verify(token: string, use: TokenClaims['use']): TokenClaims | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 4096) return undefined;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = this.mac(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return undefined;
    }
    if (claims.use !== use || !(claims.exp * 1000 > this.now())) return undefined;
    return claims;
  }

  private sign(claims: TokenClaims): string {
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.secret).update(body).digest();
  }
}
