// The HTTP server: one Fastify instance carrying the operations endpoints, the
// OpenAPI document and Swagger UI, and each API dialect as its own plugin.
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PbxControl } from '../../core/pbx-control.ts';
import { PbxError } from '../../core/errors.ts';
import type { Role } from '../../core/roles.ts';
import { validatorCompiler } from './validation.ts';
import { toPbxError, sendProblem } from './problem.ts';
import { apiKeyAuth } from './auth.ts';
import { operations, createMetricsRegistry, type Ports } from './operations.ts';
import { nativeApi } from '../native/routes.ts';
import { webApi } from '../webapi/routes.ts';
import { recordingLinks } from '../recordings/routes.ts';
import { crmApi } from '../crm/routes.ts';
import { cloudpbxApi } from '../cloudpbx/routes.ts';
import { callControlApi } from '../callcontrol/routes.ts';
import { panelStatic } from './panel-static.ts';
import { redactedUrl } from './redacted-url.ts';

export interface RouteEntry {
  method: string;
  url: string;
  role: Role | 'public' | undefined;
  /** The route's JSON schemas (body, querystring, params), for tests that fuzz them. */
  schema?: { body?: unknown; querystring?: unknown; params?: unknown };
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
}

export interface HttpAppOptions {
  control: PbxControl;
  logger: Logger;
  ports: () => Ports;
  ready: () => Promise<boolean>;
  version: string;
  tls?: { cert: string; key: string };
  /** Adds the engine's own metrics to the registry /metrics serves. */
  metrics?: (registry: Registry) => void;
  /** PBX name and time zone of the CloudPBX dialect (seed 003). */
  cloudpbx?: { pbxName: string; timeZone: string; keepAliveMs?: number };
  /** Lifetime of 3CX Call Control access tokens, seconds. */
  callControlTokenSeconds?: number;
}

export async function buildHttpApp(opts: HttpAppOptions): Promise<FastifyInstance> {
  const serverOptions: FastifyServerOptions & { https?: { cert: Buffer; key: Buffer } } = {
    loggerInstance: opts.logger,
    requestIdHeader: 'x-request-id',
    bodyLimit: 1024 * 1024,
    // One line per request at info level is noise on a busy PBX and costs
    // throughput; requests are logged at debug in onResponse, failures at error.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false } },
    ...(opts.tls ? { https: { cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) } } : {}),
  };
  const app = Fastify(serverOptions) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  // Every route with the role it needs, so tests can hold each one to its role.
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    // Swagger UI's own routes are public (the docs are not a secret, the API
    // is); they sit outside the authenticated scope and say so in their config.
    if (route.url.startsWith('/api/docs')) route.config = { ...(route.config ?? {}), role: 'public' };
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url, role: route.config?.role, ...(route.schema ? { schema: route.schema as RouteEntry['schema'] } : {}) });
  });

  // Callback hooks rather than async ones (a promise less per request each),
  // and the URL is redacted only when the line is written: at debug level.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (opts.logger.isLevelEnabled('debug')) request.log.debug({ method: request.method, url: redactedUrl(request.url), status: reply.statusCode, ms: reply.elapsedTime }, 'request');
    done();
  });
  app.setErrorHandler((err, request, reply) => {
    const pbx = toPbxError(err);
    if (pbx.code === 'SB_STORE_UNAVAILABLE') request.log.warn({ url: request.url }, 'request refused with 503: the database is unreachable');
    else if (pbx.status >= 500) request.log.error({ err }, 'request failed');
    return sendProblem(request, reply, pbx);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, new PbxError('SB_ROUTE_NOT_FOUND', `${request.method} ${redactedUrl(request.url).split('?')[0] ?? ''} is not a route`)));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Switchboard API', version: opts.version, description: 'Native REST API of the Switchboard PBX. Authenticate with `Authorization: Bearer <key>` or `X-Api-Key: <key>`.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { deepLinking: true } });

  // At the root so its upgrade listener routes through every scope; clients of our streams send little.
  // A client's broken frames (RFC 6455 protocol errors: ws has already sent the
  // close frame with its code) are the client's mistake, not an error of ours:
  // at error level, anyone could flood the log with stack traces.
  await app.register(websocket, {
    options: { maxPayload: 64 * 1024 },
    errorHandler: (err, socket, request) => {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('WS_ERR_')) request.log.info({ code, reason: err.message }, 'websocket closed: the client broke the protocol');
      else request.log.error({ err }, 'websocket failed');
      socket.terminate();
    },
  });

  const registry = createMetricsRegistry();
  opts.metrics?.(registry);
  await app.register(async (scope) => {
    await scope.register(apiKeyAuth, { control: opts.control });
    await scope.register(operations, { ports: opts.ports, ready: opts.ready, version: opts.version, registry });
    scope.get('/api/v1/openapi.json', { config: { role: 'public' }, schema: { hide: true } }, async () => app.swagger());
    await scope.register(nativeApi, { prefix: '/api/v1', control: opts.control });
    await scope.register(recordingLinks, { control: opts.control });
    await scope.register(crmApi, { prefix: '/crm/wirecrm', control: opts.control });
    const { keepAliveMs, ...site } = opts.cloudpbx ?? { pbxName: 'PBX', timeZone: 'UTC' };
    await scope.register(cloudpbxApi, { control: opts.control, site, ...(keepAliveMs !== undefined ? { keepAliveMs } : {}) });
  });
  // Seed 000 (3CX TCXWebAPI) carries its key in the path and checks it itself.
  await app.register(webApi, { prefix: '/webapi', control: opts.control });
  // Authenticates with its own tokens (POST /connect/token), so outside the API-key scope.
  await app.register(callControlApi, { control: opts.control, ...(opts.callControlTokenSeconds !== undefined ? { tokenSeconds: opts.callControlTokenSeconds } : {}) });
  // The web operator panel: static files asking for a key, then using /api/v1 like any client.
  await app.register(panelStatic);
  return app;
}
