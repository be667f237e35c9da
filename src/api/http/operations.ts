// Operations endpoints: liveness with the ports actually bound (tests and
// benchmarks start us on port 0 and read them here), readiness, and
// Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics, Histogram } from 'prom-client';
import { Type } from 'typebox';

export interface Ports {
  http?: number;
  sip?: { udp?: number; tcp?: number; tls?: number };
  rtp: { min: number; max: number };
}

export interface OperationsOptions {
  ports: () => Ports;
  ready: () => Promise<boolean>;
  version: string;
  registry: Registry;
}

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  return registry;
}

export async function operations(app: FastifyInstance, opts: OperationsOptions): Promise<void> {
  const startedAt = Date.now();
  const httpDuration = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [opts.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    httpDuration.observe({ method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.get(
    '/healthz',
    {
      config: { role: 'public' },
      schema: {
        tags: ['Operations'],
        summary: 'Liveness and the ports in use',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            version: Type.String(),
            uptimeSeconds: Type.Number(),
            ports: Type.Object({
              http: Type.Optional(Type.Integer()),
              sip: Type.Optional(Type.Object({ udp: Type.Optional(Type.Integer()), tcp: Type.Optional(Type.Integer()) })),
              rtp: Type.Object({ min: Type.Integer(), max: Type.Integer() }),
            }),
          }),
        },
      },
    },
    async () => ({ status: 'ok' as const, version: opts.version, uptimeSeconds: (Date.now() - startedAt) / 1000, ports: opts.ports() }),
  );
  app.get('/readyz', { config: { role: 'public' }, schema: { tags: ['Operations'], summary: 'Store reachable and migrated' } }, async (_req, reply) => {
    const ok = await opts.ready();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready' });
  });
  app.get('/metrics', { config: { role: 'read' }, schema: { tags: ['Operations'], summary: 'Prometheus metrics (needs a read key: Prometheus sends it as a bearer token)' } }, async (_req, reply) => {
    return reply.type(opts.registry.contentType).send(await opts.registry.metrics());
  });
}
