// The native REST API, /api/v1: CRUD for every directory entity, API keys and
// the event log. Thin: requests become PbxControl calls, results go back as JSON.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import { sendJson } from '../http/frozen-json.ts';
import { callRoutes } from './call-routes.ts';
import { ENTITY_ROUTES, ListQuerystring, pageOf, KeyInfo, KeyCreate, KeyCreated, EventsQuerystring, EventOut, ProblemSchema, DeviceOut, TrunkStatusOut, type EntityRoute } from './schemas.ts';
import { DialNumber } from '../../core/directory/common.ts';
import { eventsWs } from './events-ws.ts';
import { participantAudioWs } from './audio-ws.ts';
import { recordingRoutes } from './recording-routes.ts';
import { queueRoutes } from './queue-routes.ts';
import { parkRoutes } from './park-routes.ts';
import { webhookRoutes } from './webhook-routes.ts';
import { voicemailRoutes } from './voicemail-routes.ts';

const problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema };

function isAdmin(request: FastifyRequest): boolean {
  return request.apiKey?.role === 'admin';
}

function entityRoutes(app: FastifyInstance, control: PbxControl, r: EntityRoute): void {
  const coll = control.directory[r.entity];
  const params = Type.Object({ [r.keyParam]: r.keySchema });
  const itemUrl = `/${r.path}/:${r.keyParam}`;
  const tags = [r.tag];
  type Params = Record<string, string | number>;

  app.get(`/${r.path}`, { schema: { tags, summary: `List ${r.tag.toLowerCase()}`, querystring: ListQuerystring, response: { 200: pageOf(r.read), ...problems } } }, async (req, reply) => {
    const { limit, offset, q, ...filters } = req.query as { limit?: number; offset?: number; q?: string } & Record<string, string>;
    return sendJson(reply, await coll.list({ limit, offset, q, filters }, { withSecrets: isAdmin(req) }));
  });
  app.get(itemUrl, { schema: { tags, summary: `Get one of ${r.tag.toLowerCase()}`, params, response: { 200: r.read, ...problems } } }, async (req, reply) => {
    return sendJson(reply, await coll.get((req.params as Params)[r.keyParam] as string | number, { withSecrets: isAdmin(req) }));
  });
  app.post(`/${r.path}`, { schema: { tags, summary: `Create one of ${r.tag.toLowerCase()}`, body: r.create, response: { 201: r.read, ...problems } } }, async (req, reply) => {
    const created = await coll.create(req.body as Record<string, unknown>);
    return reply.code(201).send(created);
  });
  app.patch(itemUrl, { schema: { tags, summary: `Change one of ${r.tag.toLowerCase()}`, params, body: r.patch, response: { 200: r.read, ...problems } } }, async (req) => {
    return coll.patch((req.params as Params)[r.keyParam] as string | number, req.body as Record<string, unknown>);
  });
  app.delete(itemUrl, { schema: { tags, summary: `Delete one of ${r.tag.toLowerCase()}`, params, response: { 204: Type.Null(), ...problems } } }, async (req, reply) => {
    await coll.remove((req.params as Params)[r.keyParam] as string | number);
    return reply.code(204).send();
  });
}

export async function nativeApi(app: FastifyInstance, opts: { control: PbxControl }): Promise<void> {
  const { control } = opts;
  app.get('/trunks/status', { schema: { tags: ['Trunks'], summary: 'Outbound registration status of every trunk', response: { 200: Type.Array(TrunkStatusOut), ...problems } } }, async () => control.trunks.status());
  for (const r of ENTITY_ROUTES) entityRoutes(app, control, r);

  app.get('/extensions/:number/devices', { schema: { tags: ['Extensions'], summary: 'Devices registered to an extension', params: Type.Object({ number: DialNumber }), response: { 200: Type.Array(DeviceOut), ...problems } } }, async (req) => {
    return control.devices.list((req.params as { number: string }).number);
  });
  await app.register(callRoutes, { control });
  await app.register(recordingRoutes, { control });
  await app.register(voicemailRoutes, { control });
  await app.register(queueRoutes, { control });
  await app.register(parkRoutes, { control });
  app.get('/registrations', { schema: { tags: ['Extensions'], summary: 'Every registered device', response: { 200: Type.Array(DeviceOut), ...problems } } }, async () => control.devices.list());

  // "Who am I" for clients such as the panel: what this key may do, without trying.
  app.get(
    '/keys/self',
    { config: { role: 'read' }, schema: { tags: ['API keys'], summary: 'The key this request is signed with: id, label (its name) and role, never the secret or its hash. Any valid key', response: { 200: KeyInfo, ...problems } } },
    async (req) => req.apiKey,
  );
  app.get('/keys', { schema: { tags: ['API keys'], summary: 'List API keys (never the secrets)', response: { 200: Type.Array(KeyInfo), ...problems } }, config: { role: 'admin' } }, async () => control.keys.list());
  app.post('/keys', { schema: { tags: ['API keys'], summary: 'Create an API key; the secret is in this response only', body: KeyCreate, response: { 201: KeyCreated, ...problems } } }, async (req, reply) => {
    const b = req.body as { role: 'read' | 'control' | 'admin'; label?: string; extension?: string | null };
    return reply.code(201).send(await control.keys.create(b.role, b.label ?? '', b.extension ?? null));
  });
  app.delete('/keys/:id', { schema: { tags: ['API keys'], summary: 'Revoke an API key', params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{12}$' }) }), response: { 200: KeyInfo, ...problems } } }, async (req) => {
    return control.keys.revoke((req.params as { id: string }).id);
  });

  app.get('/events', { schema: { tags: ['Events'], summary: 'Events after a sequence number, oldest first', querystring: EventsQuerystring, response: { 200: Type.Object({ events: Type.Array(EventOut), lastSeq: Type.Integer() }), ...problems } } }, async (req) => {
    const { since, limit } = req.query as { since?: number; limit?: number };
    const [events, lastSeq] = await Promise.all([control.events.since(since ?? 0, limit ?? 100), control.events.lastSeq()]);
    return { events, lastSeq };
  });
  await app.register(eventsWs, { control });
  await app.register(participantAudioWs, { control });
  await app.register(webhookRoutes, { control });
}
