// Recording downloads by link: GET /recordings/{token}.mp3 (or .wav). The
// random token in the path is the credential (no API key), so a CRM can
// store and hand out the link (seed 002 "permanent, unguessable link"); an
// unknown, malformed or revoked token is 404 alike. Range requests get 206
// so a browser's player can seek (RFC 9110 §14).
import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import { PbxError } from '../../core/errors.ts';
import { byteRange } from './byte-range.ts';

const FILE = /^([A-Za-z0-9_-]{16,64})\.(mp3|wav)$/;

export async function recordingLinks(app: FastifyInstance, opts: { control: PbxControl }): Promise<void> {
  const { control } = opts;
  app.get(
    '/recordings/:file',
    {
      config: { role: 'public' },
      schema: {
        tags: ['Recordings'],
        summary: 'A recording by its link token; supports Range (206). No API key: the token is the credential',
        security: [],
        params: Type.Object({ file: Type.String({ maxLength: 80, description: '`{token}.mp3` or `{token}.wav`' }) }),
      },
    },
    async (req, reply) => {
      const m = FILE.exec((req.params as { file: string }).file);
      if (!m) throw new PbxError('SB_NOT_FOUND', 'no such recording link');
      const file = await control.recordings.open(m[1]!, m[2] as 'mp3' | 'wav');
      reply.header('accept-ranges', 'bytes');
      reply.header('content-disposition', `inline; filename="${file.name}"`);
      reply.header('cache-control', 'private, no-store');
      reply.type(file.contentType);
      const range = byteRange(req.headers.range, file.size);
      if (range.kind === 'unsatisfiable') {
        reply.header('content-range', `bytes */${String(file.size)}`);
        throw new PbxError('SB_RANGE_NOT_SATISFIABLE', `the file has ${String(file.size)} bytes`);
      }
      if (range.kind === 'full') {
        reply.header('content-length', String(file.size));
        return reply.send(createReadStream(file.path));
      }
      reply.code(206);
      reply.header('content-range', `bytes ${String(range.start)}-${String(range.end)}/${String(file.size)}`);
      reply.header('content-length', String(range.end - range.start + 1));
      return reply.send(createReadStream(file.path, { start: range.start, end: range.end }));
    },
  );
}
