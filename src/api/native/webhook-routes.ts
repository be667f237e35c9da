// Generic webhooks in the native API (admin only): subscriptions, their
// delivery log, manual redelivery and replay of a time range. Deliveries are
// signed with the Standard Webhooks scheme; see README.md.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import type { DeliveryStatus, WebhookSubscriptionInput } from '../../core/webhooks.ts';
import { ProblemSchema } from './schemas.ts';

const problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema };
const admin = { role: 'admin' as const };
const tags = ['Webhooks'];

const EventPattern = Type.String({ pattern: '^(\\*|[a-z]+(\\.[a-z]+)*(\\.\\*)?)$', maxLength: 64, description: 'An event type (call.ended), a family (call.*) or * for all' });
const Url = Type.String({ minLength: 8, maxLength: 2000, pattern: '^https?://', description: 'http(s) URL; private and loopback addresses are refused unless SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE is set' });
const Id = Type.Integer({ minimum: 1, maximum: 2147483647 });

const Subscription = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.String(),
  enabled: Type.Boolean(),
  createdAt: Type.String(),
});
const SubscriptionCreated = Type.Object({ ...Subscription.properties, secret: Type.String({ description: 'whsec_… signing secret; shown only in this response' }) });
const SubscriptionCreate = Type.Object(
  {
    url: Url,
    events: Type.Array(EventPattern, { minItems: 1, maxItems: 50 }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
    secret: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$', maxLength: 100, description: 'Your own secret; one is generated when absent' })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const SubscriptionPatch = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Type.Array(EventPattern, { minItems: 1, maxItems: 50 })),
    description: Type.Optional(Type.String({ maxLength: 200 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
const STATUSES = ['pending', 'delivered', 'failed'] as const;
const Delivery = Type.Object({
  id: Type.Integer(),
  messageId: Type.String({ description: 'The webhook-id header, the same on every attempt' }),
  subscriptionId: Type.Union([Type.Integer(), Type.Null()]),
  url: Type.String(),
  eventType: Type.String(),
  eventSeq: Type.Integer(),
  status: Type.Enum(STATUSES),
  attempts: Type.Integer(),
  lastStatus: Type.Integer({ description: 'HTTP status of the last attempt; 0 when there was no answer' }),
  lastError: Type.String(),
  lastLatencyMs: Type.Integer(),
  nextAttemptAt: Type.String(),
  createdAt: Type.String(),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
});
const IdParams = Type.Object({ id: Id });

export async function webhookRoutes(app: FastifyInstance, opts: { control: PbxControl }): Promise<void> {
  const hooks = opts.control.webhooks;
  app.get('/webhooks', { config: admin, schema: { tags, summary: 'Webhook subscriptions', response: { 200: Type.Array(Subscription), ...problems } } }, async () => hooks.list());
  app.post('/webhooks', { config: admin, schema: { tags, summary: 'Subscribe a URL to event types', body: SubscriptionCreate, response: { 201: SubscriptionCreated, ...problems } } }, async (req, reply) => {
    return reply.code(201).send(await hooks.create(req.body as WebhookSubscriptionInput));
  });
  app.get('/webhooks/:id', { config: admin, schema: { tags, summary: 'One subscription', params: IdParams, response: { 200: Subscription, ...problems } } }, async (req) => hooks.get((req.params as { id: number }).id));
  app.patch('/webhooks/:id', { config: admin, schema: { tags, summary: 'Change a subscription (enable it again after a 410)', params: IdParams, body: SubscriptionPatch, response: { 200: Subscription, ...problems } } }, async (req) => {
    return hooks.patch((req.params as { id: number }).id, req.body as Partial<WebhookSubscriptionInput>);
  });
  app.delete('/webhooks/:id', { config: admin, schema: { tags, summary: 'Delete a subscription and its undelivered messages', params: IdParams, response: { 204: Type.Null(), ...problems } } }, async (req, reply) => {
    await hooks.remove((req.params as { id: number }).id);
    return reply.code(204).send();
  });
  app.get(
    '/webhooks/:id/deliveries',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Delivery log, newest first',
        params: IdParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })), status: Type.Optional(Type.Enum(STATUSES)) }, { additionalProperties: false }),
        response: { 200: Type.Array(Delivery), ...problems },
      },
    },
    async (req) => {
      const q = req.query as { limit?: number; status?: DeliveryStatus };
      return hooks.deliveries((req.params as { id: number }).id, { ...(q.limit !== undefined ? { limit: q.limit } : {}), ...(q.status !== undefined ? { status: q.status } : {}) });
    },
  );
  app.post(
    '/webhooks/:id/deliveries/:deliveryId/redeliver',
    { config: admin, schema: { tags, summary: 'Send one delivery again (same webhook-id)', params: Type.Object({ id: Id, deliveryId: Id }), response: { 202: Delivery, ...problems } } },
    async (req, reply) => {
      const p = req.params as { id: number; deliveryId: number };
      return reply.code(202).send(await hooks.redeliver(p.id, p.deliveryId));
    },
  );
  app.post(
    '/webhooks/:id/replay',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Queue again every logged event of a time range that the subscription takes',
        params: IdParams,
        body: Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
        response: { 202: Type.Object({ queued: Type.Integer() }), ...problems },
      },
    },
    async (req, reply) => {
      const b = req.body as { from: string; to: string };
      const queued = await hooks.replay((req.params as { id: number }).id, new Date(b.from).toISOString(), new Date(b.to).toISOString());
      return reply.code(202).send({ queued });
    },
  );
}
