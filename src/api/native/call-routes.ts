// Live calls and CDR in the native API: the call tree, participant actions,
// and call records by date.
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { Type, type TSchema } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import { CALL_DIRECTIONS, CALL_STATES, PARTICIPANT_STATUSES } from '../../core/calls.ts';
import { ProblemSchema } from './schemas.ts';
import { invalid, PbxError } from '../../core/errors.ts';

const problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 424: ProblemSchema };

export const ParticipantOut = Type.Object({
  id: Type.String(),
  callId: Type.String(),
  dn: Type.String(),
  dnType: Type.String(),
  device: Type.String(),
  partyNumber: Type.String(),
  partyName: Type.String(),
  status: Type.Enum(PARTICIPANT_STATUSES),
  direction: Type.Enum(['inbound', 'outbound'] as const),
  muted: Type.Boolean({ description: 'Muted from the API (…/mute): nobody hears this participant, recordings and raw audio streams carry silence for it; it still hears' }),
  supervision: Type.Optional(
    Type.Object(
      {
        mode: Type.Enum(['listen', 'whisper', 'barge'] as const, { description: 'listen: hears everyone, heard by nobody; whisper: heard by `target` only; barge: hears and is heard by everyone' }),
        target: Type.Union([Type.String(), Type.Null()], { description: 'whisper: the participant id that hears the supervisor; null for listen and barge (the whole call)' }),
      },
      { description: "Only on a supervisor's participant (…/listen, …/whisper, …/barge), from the moment its phone rings; follows each change of mode" },
    ),
  ),
});

export const CallOut = Type.Object({
  id: Type.String(),
  direction: Type.Enum(CALL_DIRECTIONS),
  state: Type.Enum(CALL_STATES),
  startedAt: Type.String(),
  answeredAt: Type.Union([Type.String(), Type.Null()]),
  did: Type.String(),
  owner: Type.String(),
  participants: Type.Array(ParticipantOut),
});

const CdrOut = Type.Object({
  calldate: Type.String(),
  clid: Type.String(),
  src: Type.String(),
  dst: Type.String(),
  channel: Type.String(),
  dstchannel: Type.String(),
  lastapp: Type.String(),
  lastdata: Type.String(),
  duration: Type.Integer(),
  billsec: Type.Integer(),
  disposition: Type.String(),
  uniqueid: Type.String(),
  direction: Type.String(),
  did: Type.String(),
  startedAt: Type.String(),
  answeredAt: Type.Union([Type.String(), Type.Null()]),
  endedAt: Type.String(),
  callId: Type.String(),
});

const PARTICIPANT_ACTIONS = ['drop', 'hold', 'resume', 'answer', 'mute', 'unmute', 'record', 'stop-recording'] as const;

const CallParams = Type.Object({ id: Type.String({ maxLength: 40, pattern: '^[0-9A-Za-z.-]+$' }) });
const ParticipantParams = Type.Object({
  id: Type.String({ maxLength: 40, pattern: '^[0-9A-Za-z.-]+$' }),
  pid: Type.String({ maxLength: 60, pattern: '^[0-9A-Za-z.-]+$' }),
  action: Type.Enum(PARTICIPANT_ACTIONS, {
    description:
      'drop ends the participant (a ringing device among others stops ringing); hold/resume by re-INVITE; answer a ringing device under direct control; mute/unmute: whether the others hear it (it always hears them); record/stop-recording: the recording of its call',
  }),
});
type ParticipantAction = (typeof PARTICIPANT_ACTIONS)[number];
/** The participant verbs with a body: which call, which participant. */
const CallParticipantParams = Type.Object({ id: CallParams.properties.id, pid: ParticipantParams.properties.pid });
const DestinationBody = Type.Object({ destination: Type.String({ pattern: '^[+]?[0-9*#]{2,32}$' }) }, { additionalProperties: false });
const Accepted = Type.Object({ status: Type.Literal('accepted') });

export async function callRoutes(app: FastifyInstance, opts: { control: PbxControl }): Promise<void> {
  const { control } = opts;
  const tags = ['Calls'];
  /** POST /calls/:id/participants/:pid/<verb> for a control key: its body, its answers beside the problems, its handler. */
  const participantVerb = (verb: string, summary: string, body: TSchema, response: Record<number, TSchema>, handler: RouteHandlerMethod) =>
    app.post(`/calls/:id/participants/:pid/${verb}`, { config: { role: 'control' }, schema: { tags, summary, params: CallParticipantParams, body, response: { ...response, ...problems } } }, handler);
  /** A supervisor joins the call: barge-in, listen or whisper (to `whisperTo`, whisper only). */
  const supervise = (verb: 'barge' | 'listen' | 'whisper', extension: string, callId: string, whisperTo?: string) =>
    verb === 'barge' ? control.calls.bargeIn(extension, callId) : verb === 'listen' ? control.calls.listen(extension, callId) : control.calls.whisper(extension, callId, whisperTo);
  app.get('/calls', { schema: { tags, summary: 'Live calls with their participants', response: { 200: Type.Array(CallOut), ...problems } } }, async () => control.calls.list());
  app.post(
    '/calls',
    {
      config: { role: 'control' },
      schema: {
        tags,
        summary: 'Make a call (click-to-call): ring `from` first, then connect it to `to`',
        body: Type.Object(
          {
            from: Type.String({ pattern: '^[0-9]{2,10}$', description: "An extension: its phone rings first; or a route point: its application calls out, `to` rings at once" }),
            to: Type.String({ pattern: '^[+]?[0-9*#]{2,32}$', description: 'The number to connect it to' }),
            device: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Ring only the device whose contact contains this (seed 000 makecall contact)' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: CallOut, ...problems },
      },
    },
    async (req, reply) => {
      const b = req.body as { from: string; to: string; device?: string };
      return reply.code(201).send(await control.calls.make(b.from, b.to, b.device !== undefined ? { device: b.device } : {}));
    },
  );
  app.get('/calls/:id', { schema: { tags, summary: 'One live call', params: CallParams, response: { 200: CallOut, ...problems } } }, async (req) => control.calls.get((req.params as { id: string }).id));
  app.post(
    '/calls/:id/participants/:pid/:action',
    { config: { role: 'control' }, schema: { tags, summary: 'Act on a participant', params: ParticipantParams, response: { 202: Accepted, ...problems } } },
    async (req, reply) => {
      const p = req.params as { id: string; pid: string; action: ParticipantAction };
      const act: Record<ParticipantAction, () => void | Promise<void>> = {
        drop: () => control.calls.drop(p.id, p.pid),
        answer: () => control.calls.answer(p.id, p.pid),
        hold: () => control.calls.hold(p.id, p.pid),
        resume: () => control.calls.resume(p.id, p.pid),
        mute: () => control.calls.mute(p.id, p.pid),
        unmute: () => control.calls.unmute(p.id, p.pid),
        record: () => control.calls.record(p.id, 'start', p.pid),
        'stop-recording': () => control.calls.record(p.id, 'stop', p.pid),
      };
      await act[p.action]();
      return reply.code(202).send({ status: 'accepted' as const });
    },
  );
  for (const [verb, summary] of [
    ['transfer', 'Blind transfer: send the participant to another number; its partner leaves'],
    ['divert', 'Divert: a participant still ringing; ring another number instead'],
    ['transferto', 'Seed 001 transferto: hold the partner while the destination rings; it replaces the participant on answer, else 424 and the call goes on'],
    ['routeto', 'Seed 001 routeto: ring the destination too; the participant stays (ringing or talking) until the destination answers'],
  ] as const) {
    participantVerb(verb, summary, DestinationBody, { 202: Accepted }, async (req, reply) => {
      const p = req.params as { id: string; pid: string };
      const destination = (req.body as { destination: string }).destination;
      if (verb === 'transfer') await control.calls.blindTransfer(p.id, p.pid, destination);
      else if (verb === 'transferto') await control.calls.transferTo(p.id, p.pid, destination);
      else if (verb === 'routeto') await control.calls.routeTo(p.id, p.pid, destination);
      else await control.calls.divert(p.id, p.pid, destination);
      return reply.code(202).send({ status: 'accepted' as const });
    });
  }
  participantVerb(
    'consult',
    "Attended transfer, step 1: hold the participant's partner and have the participant's phone call `destination`",
    DestinationBody,
    { 201: CallOut },
    async (req, reply) => {
      const p = req.params as { id: string; pid: string };
      return reply.code(201).send(await control.calls.consult(p.id, p.pid, (req.body as { destination: string }).destination));
    },
  );
  participantVerb(
    'attended-transfer',
    'Attended transfer, step 2: the participant leaves this call and the consultation call; the two partners are connected',
    Type.Object({ consultCallId: CallParams.properties.id }, { additionalProperties: false }),
    { 202: Accepted },
    async (req, reply) => {
      const p = req.params as { id: string; pid: string };
      await control.calls.attendedTransfer(p.id, p.pid, (req.body as { consultCallId: string }).consultCallId);
      return reply.code(202).send({ status: 'accepted' as const });
    },
  );
  for (const [verb, summary] of [
    ['barge', "Barge-in: ring the supervisor extension's phones; the one that answers joins the call, hearing and heard by everyone"],
    ['listen', 'Listen (silent monitor): as barge, but nobody hears the supervisor'],
    ['whisper', 'Whisper: as barge, but only `participantId` (default: the agent, the callee if it is an extension) hears the supervisor'],
  ] as const) {
    app.post(
      `/calls/:id/${verb}`,
      {
        config: { role: 'control' },
        schema: {
          tags,
          summary,
          params: CallParams,
          body: Type.Object(
            {
              extension: Type.String({ pattern: '^[0-9]{2,10}$', description: "The supervisor's extension: its phones ring" }),
              participantId: Type.Optional(Type.String({ maxLength: 60, pattern: '^[0-9A-Za-z.-]+$', description: 'whisper only: the participant who hears the supervisor' })),
            },
            { additionalProperties: false },
          ),
          response: { 202: CallOut, ...problems },
        },
      },
      async (req, reply) => {
        const id = (req.params as { id: string }).id;
        const b = req.body as { extension: string; participantId?: string };
        if (verb !== 'whisper' && b.participantId !== undefined) throw invalid('/participantId', `participantId applies to whisper only, not ${verb}`);
        return reply.code(202).send(await supervise(verb, b.extension, id, b.participantId));
      },
    );
  }
  for (const [verb, summary] of [
    ['barge', 'Barge-in on this participant\'s call: ring the supervisor extension; a supervisor already there switches to barge-in'],
    ['listen', 'Listen to this participant\'s call: ring the supervisor extension; a supervisor already there switches to listening'],
    ['whisper', 'Whisper to this participant: only it hears the supervisor; a supervisor already there switches to whispering to it'],
  ] as const) {
    participantVerb(verb, summary, Type.Object({ extension: Type.String({ pattern: '^[0-9]{2,10}$', description: "The supervisor's extension" }) }, { additionalProperties: false }), { 202: CallOut }, async (req, reply) => {
      const { id, pid } = req.params as { id: string; pid: string };
      const { extension } = req.body as { extension: string };
      const call = control.calls.get(id);
      if (!call.participants.some((x) => x.id === pid && x.status !== 'Ended')) throw new PbxError('SB_NOT_FOUND', `participant ${pid} is not in call ${id}`);
      return reply.code(202).send(await supervise(verb, extension, id, pid));
    });
  }
  app.get(
    '/conferences/:number',
    {
      schema: {
        tags,
        summary: 'A conference room (SWITCHBOARD_CONFERENCE_ROOMS): the callers in it now, each the owner of its own call',
        params: Type.Object({ number: Type.String({ pattern: '^[0-9]{2,10}$' }) }),
        response: { 200: Type.Object({ number: Type.String(), members: Type.Array(ParticipantOut) }), ...problems },
      },
    },
    async (req) => control.calls.conference((req.params as { number: string }).number),
  );
  app.post(
    '/extensions/:number/join',
    {
      config: { role: 'control' },
      schema: {
        tags,
        summary: "Join the extension's two connected calls and take the extension out of both (seed 000 join)",
        params: Type.Object({ number: Type.String({ pattern: '^[0-9]{2,10}$' }) }),
        response: { 200: CallOut, ...problems },
      },
    },
    async (req) => control.calls.join((req.params as { number: string }).number),
  );
  app.get(
    '/cdr',
    {
      schema: {
        tags: ['CDR'],
        summary: 'Call records, oldest first, by the time the call started',
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(CdrOut), ...problems },
      },
    },
    async (req) => {
      const q = req.query as { from?: string; to?: string; limit?: number };
      const norm = (s: string | undefined) => (s === undefined ? undefined : new Date(s).toISOString());
      return control.cdr.list({ from: norm(q.from), to: norm(q.to), limit: q.limit });
    },
  );
}
