// Beyond seed 001 (which streams over chunked HTTP only): the same
// participant stream as one WebSocket, on the same path —
// `GET /callcontrol/{dn}/participants/{id}/stream` with `Upgrade: websocket`
// and the Call Control token. Binary frames both ways, as the native
// `…/audio` socket (src/api/http/participant-audio-socket.ts): 20 ms of PCM
// 16-bit 8000 Hz mono out; PCM in, played to the participant while it flows.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PbxControl } from '../../core/pbx-control.ts';
import { upgradeConstraint } from '../http/ws-key.ts';
import { ParticipantAudioSocket, type AudioSocket } from '../http/participant-audio-socket.ts';
import { participantOfRequest } from './find-participant.ts';
import { ParticipantParams } from './schemas.ts';

export async function streamSocketRoutes(app: FastifyInstance, opts: { control: PbxControl }): Promise<void> {
  const { control } = opts;
  if (!app.hasConstraintStrategy('upgrade')) app.addConstraintStrategy(upgradeConstraint);
  const participantOf = (request: FastifyRequest) => participantOfRequest(control, request);
  app.get(
    '/callcontrol/:dnnumber/participants/:id/stream',
    {
      websocket: true,
      constraints: { upgrade: 'websocket' },
      exposeHeadRoute: false,
      config: { role: 'control' },
      schema: { tags: ['3CX Call Control'], summary: 'Beyond 3CX: the stream as a WebSocket, binary PCM frames both ways (20 ms out)', params: ParticipantParams },
      // 403/404/422 as the chunked stream answers them, before the upgrade.
      preHandler: async (request: FastifyRequest) => {
        const { call, participant } = participantOf(request);
        control.media.listen(call.id, participant.id, { pcm: () => undefined, end: () => undefined }).close();
      },
    },
    (socket: AudioSocket, request) => {
      try {
        const { call, participant } = participantOf(request);
        new ParticipantAudioSocket(socket, control, call.id, participant.id, request.log);
      } catch (err) {
        request.log.info({ err }, 'stream socket: participant gone before the upgrade completed');
        socket.close(1000, 'the participant left or the call ended');
      }
    },
  );
}
