// Recordings in the native API: start/stop recording a live call, the
// recordings in progress, list and read recordings with their permanent
// links, revoke a link.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import { RECORDING_ACTIONS, type RecordingAction, type RecordingInfo } from '../../core/recordings.ts';
import { ProblemSchema } from './schemas.ts';

const problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema };

export const RecordingOut = Type.Object({
  id: Type.String(),
  callId: Type.String(),
  cdrUniqueid: Type.String({ description: 'The uniqueid of the call\'s CDR row; empty if the CDR was not written' }),
  participants: Type.Array(Type.Object({ dn: Type.String(), number: Type.String(), name: Type.String(), direction: Type.Enum(['inbound', 'outbound'] as const) })),
  startedAt: Type.String(),
  durationMs: Type.Integer(),
  size: Type.Integer({ description: 'Octets of the MP3 file' }),
  format: Type.String(),
  link: Type.Union([Type.String(), Type.Null()], { description: 'Path of the permanent link (no key needed); null once revoked. Replace .mp3 by .wav for the WAV' }),
  url: Type.Union([Type.String(), Type.Null()], { description: 'The link as an absolute URL, by the Host this request was sent to' }),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

const RecordingId = Type.Object({ id: Type.String({ format: 'uuid' }) });

function render(req: FastifyRequest, r: RecordingInfo): RecordingInfo & { url: string | null } {
  return { ...r, url: r.link === null ? null : `${req.protocol}://${req.host}${r.link}` };
}

export async function recordingRoutes(app: FastifyInstance, opts: { control: PbxControl }): Promise<void> {
  const { control } = opts;
  const tags = ['Recordings'];
  app.post(
    '/calls/:id/record/:action',
    {
      config: { role: 'control' },
      schema: {
        tags: ['Calls'],
        summary: 'Start or stop recording a talking call (both directions). Idempotent',
        params: Type.Object({ id: Type.String({ maxLength: 40, pattern: '^[0-9A-Za-z.-]+$' }), action: Type.Enum(RECORDING_ACTIONS) }),
        response: { 202: Type.Object({ status: Type.Literal('accepted') }), ...problems },
      },
    },
    async (req, reply) => {
      const p = req.params as { id: string; action: RecordingAction };
      await control.calls.record(p.id, p.action);
      return reply.code(202).send({ status: 'accepted' as const });
    },
  );
  app.get(
    '/recordings',
    {
      schema: {
        tags,
        summary: 'Recordings, newest first',
        querystring: Type.Object(
          {
            callId: Type.Optional(Type.String({ maxLength: 40 })),
            cdrUniqueid: Type.Optional(Type.String({ maxLength: 40 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(RecordingOut), ...problems },
      },
    },
    async (req) => (await control.recordings.list(req.query as { callId?: string; cdrUniqueid?: string; limit?: number })).map((r) => render(req, r)),
  );
  app.get(
    '/recordings/active',
    {
      schema: {
        tags,
        summary: 'Recordings in progress now, by call (then the recording.started / recording.stopped events)',
        response: { 200: Type.Array(Type.Object({ callId: Type.String(), recordingId: Type.String(), startedAt: Type.String() })), ...problems },
      },
    },
    async () => control.recordings.inProgress(),
  );
  app.get('/recordings/:id', { schema: { tags, summary: 'One recording', params: RecordingId, response: { 200: RecordingOut, ...problems } } }, async (req) => {
    return render(req, await control.recordings.get((req.params as { id: string }).id));
  });
  app.get('/recordings/:id/link', { schema: { tags, summary: 'The permanent link of a recording', params: RecordingId, response: { 200: Type.Object({ link: RecordingOut.properties.link, url: RecordingOut.properties.url }), ...problems } } }, async (req) => {
    const r = render(req, await control.recordings.get((req.params as { id: string }).id));
    return { link: r.link, url: r.url };
  });
  app.delete('/recordings/:id/link', { schema: { tags, summary: 'Revoke the link for good (the files stay)', params: RecordingId, response: { 200: RecordingOut, ...problems } } }, async (req) => {
    return render(req, await control.recordings.revoke((req.params as { id: string }).id));
  });
}
