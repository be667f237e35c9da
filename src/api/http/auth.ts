// API-key authentication and role checks for the native API. A route states
// the role it needs in its config; GET routes need `read` by default and all
// others `admin`, so a route that forgets to say gets the safe choice.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { PbxError } from '../../core/errors.ts';
import { roleAllows, type Role } from '../../core/roles.ts';
import type { KeyInfo, PbxControl } from '../../core/pbx-control.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Role the route needs; `public` needs no key at all. */
    role?: Role | 'public';
  }
  interface FastifyRequest {
    apiKey?: KeyInfo;
  }
}

export function requiredRole(request: FastifyRequest): Role | 'public' {
  const configured = request.routeOptions.config.role;
  if (configured !== undefined) return configured;
  return request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'admin';
}

export function keyFromRequest(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  // WireCRM sends its token in this header (seed 002); it is a key like any other.
  const crm = request.headers['x-pbx-authentication'];
  return typeof crm === 'string' && crm !== '' ? crm : undefined;
}

/** Authenticates every route of the encapsulating scope (the native API and operations). */
export const apiKeyAuth = fp<{ control: PbxControl }>(async (app: FastifyInstance, { control }) => {
  app.decorateRequest('apiKey', undefined);
  app.addHook('onRequest', async (request) => {
    const need = requiredRole(request);
    if (need === 'public') return;
    const key = keyFromRequest(request);
    if (key === undefined) throw new PbxError('SB_UNAUTHORIZED', 'send an API key as "Authorization: Bearer <key>" or "X-Api-Key: <key>"');
    const info = await control.keys.verify(key);
    if (!info) throw new PbxError('SB_UNAUTHORIZED', 'unknown or revoked API key');
    if (!roleAllows(info.role, need)) throw new PbxError('SB_FORBIDDEN', `this route needs a ${need} key; this key is ${info.role}`);
    request.apiKey = info;
  });
});
