// Voicemail in the native API: an extension's messages, each audio as WAV
// (fetched with the key, like every /api/v1 resource), marked heard, deleted.
import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import { ProblemSchema } from './schemas.ts';

const problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema };

const MessageOut = Type.Object({
  id: Type.String(),
  extension: Type.String(),
  callerNumber: Type.String(),
  callerName: Type.String(),
  callId: Type.String(),
  durationMs: Type.Integer(),
  heard: Type.Boolean(),
  createdAt: Type.String(),
});

const Box = Type.Object({ number: Type.String({ pattern: '^[0-9]{2,10}$' }) });
const Message = Type.Object({ number: Type.String({ pattern: '^[0-9]{2,10}$' }), id: Type.String({ format: 'uuid' }) });

export async function voicemailRoutes(app: FastifyInstance, opts: { control: PbxControl }): Promise<void> {
  const { control } = opts;
  const tags = ['Voicemail'];
  app.get('/extensions/:number/voicemail', { schema: { tags, summary: "An extension's voicemail messages, newest first", params: Box, response: { 200: Type.Array(MessageOut), ...problems } } }, async (req) => {
    const { number } = req.params as { number: string };
    return control.voicemail.list(number);
  });
  app.get('/extensions/:number/voicemail/:id/audio', { schema: { tags, summary: 'The audio of a message (WAV, 8 kHz mono PCM16)', params: Message, response: problems } }, async (req, reply) => {
    const { number, id } = req.params as { number: string; id: string };
    const file = await control.voicemail.file(number, id);
    return reply.header('content-type', file.contentType).header('content-length', String(file.size)).header('content-disposition', `attachment; filename="${file.name}"`).send(createReadStream(file.path));
  });
  app.patch(
    '/extensions/:number/voicemail/:id',
    { config: { role: 'control' }, schema: { tags, summary: 'Mark a message heard or new', params: Message, body: Type.Object({ heard: Type.Boolean() }, { additionalProperties: false }), response: { 200: MessageOut, ...problems } } },
    async (req) => {
      const { number, id } = req.params as { number: string; id: string };
      return control.voicemail.setHeard(number, id, (req.body as { heard: boolean }).heard);
    },
  );
  app.delete('/extensions/:number/voicemail/:id', { config: { role: 'control' }, schema: { tags, summary: 'Delete a message and its audio', params: Message, response: { 204: Type.Null(), ...problems } } }, async (req, reply) => {
    const { number, id } = req.params as { number: string; id: string };
    await control.voicemail.remove(number, id);
    return reply.code(204).send();
  });
}
