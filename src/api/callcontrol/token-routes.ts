// POST /connect/token: the OAuth 2.0 token endpoint 3CX clients call first
// (RFC 6749 §4.4 client credentials, §6 refresh). client_id is the DN the
// application acts as, client_secret a Switchboard API key bound to that DN
// (or bound to none: then any DN). Bodies come form-urlencoded (§4.4.2) or,
// as 3CX's own samples send them, multipart/form-data; errors are §5.2 JSON.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { PbxControl } from '../../core/pbx-control.ts';
import { toPbxError } from '../http/problem.ts';
import { PbxError } from '../../core/errors.ts';
import { dnsOfKey } from './auth.ts';
import type { TokenIssuer } from './token.ts';
import { TokenBody, TokenError, TokenReply } from './schemas.ts';
import { dnTypeOf } from './directory.ts';

type OAuthError = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type';

class TokenRefusal extends Error {
  constructor(
    readonly error: OAuthError,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** RFC 6749 §2.3.1: the client may authenticate with HTTP Basic instead of body fields. */
function basicCredentials(request: FastifyRequest): { id: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!m?.[1]) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decodeURIComponent(text.slice(0, colon)), secret: decodeURIComponent(text.slice(colon + 1)) };
}

function refuse(reply: FastifyReply, err: TokenRefusal): FastifyReply {
  // §5.2: a client that tried HTTP Basic gets 401 with WWW-Authenticate.
  if (err.status === 401) reply.header('www-authenticate', 'Basic realm="switchboard"');
  return reply.code(err.status).header('cache-control', 'no-store').send({ error: err.error, error_description: err.message });
}

export async function tokenRoutes(app: FastifyInstance, opts: { control: PbxControl; tokens: TokenIssuer }): Promise<void> {
  const { control, tokens } = opts;
  await app.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fields: 10, fieldSize: 4096, files: 0, parts: 10 } });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // Busboy's errors (a truncated multipart body, no boundary) carry no status:
  // anything failing before the handler's turn is the body, the client's mistake.
  const parsed = new WeakSet<FastifyRequest>();
  app.addHook('preHandler', async (request) => {
    parsed.add(request);
  });
  app.setErrorHandler((err, request, reply) => {
    if (err instanceof TokenRefusal) return refuse(reply, err);
    const known = toPbxError(err);
    const pbx = known.status >= 500 && !parsed.has(request) ? new PbxError('SB_VALIDATION', `the body could not be read: ${err instanceof Error ? err.message : String(err)}`) : known;
    const status = pbx.status >= 500 ? 500 : 400;
    return reply.code(status).header('cache-control', 'no-store').send({ error: status === 500 ? 'server_error' : 'invalid_request', error_description: pbx.message });
  });

  app.post(
    '/connect/token',
    {
      config: { role: 'public' },
      schema: {
        tags: ['3CX Call Control'],
        summary: 'OAuth 2.0 token (client credentials: client_id = DN, client_secret = API key)',
        consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
        body: TokenBody,
        response: { 200: TokenReply, 400: TokenError, 401: TokenError },
      },
    },
    async (request, reply) => {
      const b = (request.body ?? {}) as { grant_type?: string; client_id?: string; client_secret?: string; refresh_token?: string };
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      if (b.grant_type === 'refresh_token') {
        const claims = b.refresh_token ? tokens.verify(b.refresh_token, 'refresh') : undefined;
        if (!claims) throw new TokenRefusal('invalid_grant', 400, 'the refresh token is invalid or has expired');
        const key = (await control.keys.list()).find((k) => k.id === claims.kid);
        if (!key || key.revokedAt !== null) throw new TokenRefusal('invalid_grant', 400, 'the API key of this refresh token has been revoked');
        return tokens.issue({ kid: key.id, role: key.role, dn: claims.dn, dns: dnsOfKey(key) });
      }
      if (b.grant_type !== 'client_credentials') {
        if (b.grant_type === undefined || b.grant_type === '') throw new TokenRefusal('invalid_request', 400, 'grant_type is required (client_credentials)');
        throw new TokenRefusal('unsupported_grant_type', 400, `grant_type ${b.grant_type} is not supported; use client_credentials or refresh_token`);
      }
      const basic = basicCredentials(request);
      const clientId = b.client_id ?? basic?.id;
      const secret = b.client_secret ?? basic?.secret;
      if (!clientId || !secret) throw new TokenRefusal('invalid_request', 400, 'client_id and client_secret are required');
      const key = await control.keys.verify(secret);
      if (!key) throw new TokenRefusal('invalid_client', 401, 'client_secret is not a valid API key');
      if (key.extension !== null && key.extension !== clientId) throw new TokenRefusal('invalid_client', 401, `this key belongs to DN ${key.extension}, not ${clientId}`);
      if (key.extension === null && (await dnTypeOf(control, clientId)) === undefined) throw new TokenRefusal('invalid_client', 401, `DN ${clientId} does not exist`);
      return tokens.issue({ kid: key.id, role: key.role, dn: clientId, dns: dnsOfKey(key) });
    },
  );
}

