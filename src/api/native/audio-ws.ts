// WS /api/v1/calls/{id}/participants/{pid}/audio: a live participant's raw
// audio both ways over one WebSocket (src/api/http/participant-audio-socket.ts).
// The key as for the event stream: a header, `?key=` or the subprotocols
// `bearer, <key>`; a `control` key, as listening to a call is more than
// reading state. An unknown participant (404) or one not connected (422) is
// refused before the upgrade.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import { beforeUpgradeRouting, keyIntoHeader } from '../http/ws-key.ts';
import { ParticipantAudioSocket, type AudioSocket } from '../http/participant-audio-socket.ts';

const Params = Type.Object({
  id: Type.String({ maxLength: 40, pattern: '^[0-9A-Za-z.-]+$' }),
  pid: Type.String({ maxLength: 60, pattern: '^[0-9A-Za-z.-]+$' }),
});

export async function participantAudioWs(app: FastifyInstance, opts: { control: PbxControl }): Promise<void> {
  const { control } = opts;
  const prefix = `${app.prefix}/calls/`;
  beforeUpgradeRouting(app, keyIntoHeader((path) => path.startsWith(prefix) && path.endsWith('/audio')));

  app.get(
    '/calls/:id/participants/:pid/audio',
    {
      websocket: true,
      exposeHeadRoute: false,
      config: { role: 'control' },
      schema: {
        tags: ['Calls'],
        summary: "WebSocket: the participant's audio as binary frames of PCM s16le 8 kHz mono, 20 ms each; binary frames sent are played to it, replacing the other side while they flow",
        params: Params,
      },
      // Refused before the upgrade, with the same checks the stream makes.
      preHandler: async (request: FastifyRequest) => {
        const { id, pid } = request.params as { id: string; pid: string };
        control.media.listen(id, pid, { pcm: () => undefined, end: () => undefined }).close();
      },
    },
    (socket: AudioSocket, request) => {
      const { id, pid } = request.params as { id: string; pid: string };
      try {
        new ParticipantAudioSocket(socket, control, id, pid, request.log);
      } catch (err) {
        // Gone between the check and the upgrade.
        request.log.info({ err }, 'audio socket: participant gone before the upgrade completed');
        socket.close(1000, 'the participant left or the call ended');
      }
    },
  );
}
