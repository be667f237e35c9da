// Voicemail in the native API: an extension's messages, each audio as WAV
// (fetched with the key, like every /api/v1 resource), marked heard, deleted.
import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import { ProblemSchema } from './schemas.ts';
import { PbxError } from '../../core/errors.ts';

const GREETING_LIMIT = 4 * 1024 * 1024;

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
  // The greeting: a WAV body (audio/wav), at most 4 MB (four minutes at 8 kHz).
  app.addContentTypeParser(['audio/wav', 'audio/x-wav', 'audio/wave'], { parseAs: 'buffer', bodyLimit: GREETING_LIMIT }, (_req, body, done) => done(null, body));
  const Greeting = Type.Object({ size: Type.Integer(), contentType: Type.String() });
  app.get('/extensions/:number/voicemail/greeting', { schema: { tags, summary: "The box owner's greeting (WAV); 404 when the spoken one is used", params: Box, response: problems } }, async (req, reply) => {
    const { number } = req.params as { number: string };
    const file = await control.voicemail.greeting(number);
    return reply.header('content-type', file.contentType).header('content-length', String(file.size)).send(createReadStream(file.path));
  });
  app.put(
    '/extensions/:number/voicemail/greeting',
    {
      config: { role: 'control' },
      schema: { tags, summary: 'Set the greeting callers hear (body: WAV, 16-bit mono 8 kHz PCM, audio/wav)', params: Box, response: { 200: Greeting, 413: ProblemSchema, 415: ProblemSchema, ...problems } },
    },
    async (req) => {
      const { number } = req.params as { number: string };
      if (!Buffer.isBuffer(req.body)) throw new PbxError('SB_UNSUPPORTED_MEDIA_TYPE', 'send the greeting as audio/wav');
      const file = await control.voicemail.setGreeting(number, req.body);
      return { size: file.size, contentType: file.contentType };
    },
  );
  app.delete('/extensions/:number/voicemail/greeting', { config: { role: 'control' }, schema: { tags, summary: 'Back to the spoken greeting', params: Box, response: { 204: Type.Null(), ...problems } } }, async (req, reply) => {
    const { number } = req.params as { number: string };
    await control.voicemail.removeGreeting(number);
    return reply.code(204).send();
  });
}
