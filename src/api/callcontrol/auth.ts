// Who is calling the Call Control API: a Bearer access token from
// POST /connect/token, or (as for every Switchboard API) an API key itself.
// Either way the caller gets the key's role and the DNs it may see and
// control; a DN outside them answers 403, a route above the role 403.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { PbxError } from '../../core/errors.ts';
import { roleAllows, type Role } from '../../core/roles.ts';
import type { KeyInfo, PbxControl } from '../../core/pbx-control.ts';
import { keyFromRequest, requiredRole } from '../http/auth.ts';
import type { TokenIssuer } from './token.ts';

export interface CallControlIdentity {
  keyId: string;
  role: Role;
  /** The DN the client authenticated as (its client_id; a key's own extension). */
  dn: string;
  dns: string[] | '*';
}

declare module 'fastify' {
  interface FastifyRequest {
    callControl?: CallControlIdentity;
  }
}

/** The DNs a key may act for: its own extension, or every DN for a key bound to none. */
export function dnsOfKey(key: KeyInfo): string[] | '*' {
  return key.extension === null ? '*' : [key.extension];
}

export function mayUse(identity: CallControlIdentity, dn: string): boolean {
  return identity.dns === '*' || identity.dns.includes(dn);
}

/** 403 unless the caller may see and control `dn`. */
export function assertDn(request: FastifyRequest, dn: string): CallControlIdentity {
  const id = request.callControl;
  if (!id) throw new PbxError('SB_UNAUTHORIZED');
  if (!mayUse(id, dn)) throw new PbxError('SB_FORBIDDEN', `this token may not use DN ${dn}`);
  return id;
}

function looksLikeToken(bearer: string): boolean {
  return !bearer.startsWith('sb_') && bearer.includes('.');
}

export const callControlAuth = fp<{ control: PbxControl; tokens: TokenIssuer }>(async (app: FastifyInstance, { control, tokens }) => {
  // Revoking a key ends its tokens at once; tokens die with the process anyway (token.ts).
  const revoked = new Set<string>();
  const unsubscribe = control.events.subscribe((e) => {
    if (e.type === 'key.revoked') revoked.add((e.payload as { id: string }).id);
  });
  app.addHook('onClose', async () => unsubscribe());

  app.decorateRequest('callControl', undefined);
  app.addHook('onRequest', async (request) => {
    const need = requiredRole(request);
    if (need === 'public') return;
    const bearer = keyFromRequest(request);
    if (bearer === undefined) throw new PbxError('SB_UNAUTHORIZED', 'send "Authorization: Bearer <access_token>" (POST /connect/token gives one)');
    let identity: CallControlIdentity | undefined;
    if (looksLikeToken(bearer)) {
      const claims = tokens.verify(bearer, 'access');
      if (!claims) throw new PbxError('SB_UNAUTHORIZED', 'the access token is invalid or has expired; get a new one from /connect/token');
      if (revoked.has(claims.kid)) throw new PbxError('SB_UNAUTHORIZED', 'the API key of this token has been revoked');
      identity = { keyId: claims.kid, role: claims.role, dn: claims.dn, dns: claims.dns };
    } else {
      const key = await control.keys.verify(bearer);
      if (!key) throw new PbxError('SB_UNAUTHORIZED', 'unknown or revoked API key');
      identity = { keyId: key.id, role: key.role, dn: key.extension ?? '', dns: dnsOfKey(key) };
    }
    if (!roleAllows(identity.role, need)) throw new PbxError('SB_FORBIDDEN', `this needs a ${need} key; the token's key is ${identity.role}`);
    request.callControl = identity;
  });
});
