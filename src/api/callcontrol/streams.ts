// Seed 001 …/participants/{id}/stream: the participant's raw audio, PCM
// 16-bit signed little-endian, 8000 Hz, mono (128 kbit/s), both ways over
// chunked HTTP, onto PbxControl.media.
// - GET streams it out as it arrives. A reader that does not keep up loses
//   audio rather than holding the call or our memory: past MAX_UNREAD bytes
//   waiting for it, packets are dropped. The participant leaving ends it.
// - POST takes an upload and plays it as it arrives, paced at real time
//   (bursts ahead are buffered; past HIGH_WATER_MS we stop reading, so TCP
//   holds the writer back). The reply comes when the upload ends (after
//   what is buffered has played) or the participant leaves; an aborted
//   upload simply stops. A leading WAV header is skipped.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PassThrough, Readable } from 'node:stream';
import { PbxError } from '../../core/errors.ts';
import type { AudioUpload, PbxControl } from '../../core/pbx-control.ts';
import { participantOfRequest } from './find-participant.ts';
import { renderParticipant, success } from './render.ts';
import { CallControlResult, ParticipantParams, errors } from './schemas.ts';

const tags = ['3CX Call Control'];
/** Two seconds of audio: what a slow reader may leave unread before packets are dropped. */
const MAX_UNREAD = 32_000;
/** An upload further ahead of real time than this waits (TCP back-pressure). */
const HIGH_WATER_MS = 2000;
const PCM = 'application/octet-stream';

/** Clients send raw PCM under many names; what is clearly not audio, or audio in another shape, is refused (415). */
function assertAudioType(header: string | undefined): void {
  if (header === undefined || header.trim() === '') return;
  const [type = '', ...params] = header.toLowerCase().split(';').map((p) => p.trim());
  if (type === 'application/json' || type.startsWith('text/') || type.startsWith('multipart/')) {
    throw new PbxError('SB_UNSUPPORTED_MEDIA_TYPE', `the stream takes raw PCM 16-bit 8000 Hz mono (${PCM}), not ${type}`);
  }
  if (type === 'audio/l16') {
    const p = Object.fromEntries(params.map((x) => x.split('=').map((v) => v.trim()) as [string, string]));
    if ((p.rate !== undefined && p.rate !== '8000') || (p.channels !== undefined && p.channels !== '1')) {
      throw new PbxError('SB_UNSUPPORTED_MEDIA_TYPE', `audio/L16 at ${p.rate ?? '?'} Hz with ${p.channels ?? '1'} channel(s): the stream takes 8000 Hz mono`);
    }
  }
}

type PumpEnd = 'ended' | 'left' | 'aborted' | 'format';

/** Feeds the request body into the upload until one of them stops. */
function pump(source: Readable, upload: AudioUpload): Promise<PumpEnd> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (why: PumpEnd): void => {
      if (done) return;
      done = true;
      source.off('data', onData);
      upload.off('drain', onDrain);
      upload.off('closed', onLeft);
      resolve(why);
    };
    const onData = (chunk: Buffer): void => {
      upload.write(chunk);
      if (upload.formatError !== undefined) return finish('format');
      if (upload.bufferedMs > HIGH_WATER_MS) {
        source.pause();
        upload.wantDrain();
      }
    };
    const onDrain = (): void => {
      source.resume();
    };
    const onLeft = (): void => finish('left');
    source.on('data', onData);
    source.once('end', () => finish('ended'));
    source.once('error', () => finish('aborted'));
    source.once('close', () => finish(source.readableEnded ? 'ended' : 'aborted'));
    upload.on('drain', onDrain);
    upload.on('closed', onLeft);
    if (upload.isClosed) finish('left');
  });
}

/** Resolves once the upload has played what it holds (or it closed). */
async function played(upload: AudioUpload): Promise<void> {
  while (!upload.isClosed && upload.bufferedMs > 0) await new Promise((r) => setTimeout(r, 20));
}

export async function streamRoutes(app: FastifyInstance, opts: { control: PbxControl }): Promise<void> {
  const { control } = opts;
  const participantOf = (request: FastifyRequest) => participantOfRequest(control, request);

  app.get(
    '/callcontrol/:dnnumber/participants/:id/stream',
    { config: { role: 'control' }, schema: { tags, summary: "The participant's audio, live: chunked PCM 16-bit 8000 Hz mono", params: ParticipantParams } },
    async (request, reply) => {
      const { call, participant } = participantOf(request);
      const out = new PassThrough();
      let dropped = 0;
      const stream = control.media.listen(call.id, participant.id, {
        pcm: (chunk) => {
          if (out.writableLength > MAX_UNREAD) dropped += chunk.length;
          else out.write(chunk);
        },
        end: () => out.end(),
      });
      reply.raw.once('close', () => {
        stream.close();
        if (dropped > 0) request.log.debug({ dropped }, 'stream reader did not keep up: audio dropped');
      });
      return reply.code(200).type(PCM).header('cache-control', 'no-store').send(out);
    },
  );

  await app.register(async (upload) => {
    // The body is the audio itself, read as it arrives: no parser may buffer it.
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    upload.post(
      '/callcontrol/:dnnumber/participants/:id/stream',
      { config: { role: 'control' }, schema: { tags, summary: 'Play an upload to the participant: chunked PCM 16-bit 8000 Hz mono, paced at real time', params: ParticipantParams, response: { 200: CallControlResult, ...errors } } },
      async (request, reply) => {
        const { call, participant } = participantOf(request);
        assertAudioType(request.headers['content-type']);
        const result = renderParticipant(call, participant);
        const source = request.body instanceof Readable ? request.body : request.raw;
        const audio = control.media.speak(call.id, participant.id);
        let why: PumpEnd;
        try {
          why = await pump(source, audio);
          if (why === 'ended') await played(audio);
        } finally {
          audio.close();
        }
        if (why === 'aborted') {
          reply.hijack();
          reply.raw.destroy();
          return reply;
        }
        if (why !== 'ended') {
          // The writer may still be sending: answer, then close the connection.
          reply.header('connection', 'close');
          source.resume();
        }
        if (why === 'format') throw new PbxError('SB_UNSUPPORTED_MEDIA_TYPE', audio.formatError ?? 'unsupported audio format');
        return success(result, why === 'left' ? 'the participant left; the rest of the upload was not played' : '');
      },
    );
  });
}
