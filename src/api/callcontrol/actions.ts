// makecall (from a DN, or from one of its devices) and the participant
// actions of seed 001, each onto one PbxControl verb. Replies are the seed's
// CallControlResult: {finalstatus, reason, result: participant, reasontext}.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PbxError } from '../../core/errors.ts';
import type { PbxControl } from '../../core/pbx-control.ts';
import type { CallInfo } from '../../core/calls.ts';
import { assertDn } from './auth.ts';
import type { AttachedData } from './attached-data.ts';
import { dnTypeOf } from './directory.ts';
import { partnerOf, renderParticipant, success } from './render.ts';
import { ActionBody, ActionParams, CallControlResult, DeviceParams, DnParams, MakeCallBody, errors, type Action } from './schemas.ts';
import { participantOfRequest } from './find-participant.ts';

const tags = ['3CX Call Control'];

interface MakeCall {
  destination: string;
  attacheddata?: Record<string, string>;
  [loose: string]: unknown;
}

/** attacheddata, plus the loose top-level string fields real clients send beside it (seed: attachedData1, additionalProp1…). */
function attachedOf(body: MakeCall): Record<string, string> {
  const known = new Set(['destination', 'timeout', 'timeoutSec', 'reason', 'attacheddata']);
  const loose = Object.fromEntries(Object.entries(body).filter(([k, v]) => !known.has(k) && typeof v === 'string')) as Record<string, string>;
  return { ...loose, ...(body.attacheddata ?? {}) };
}

/** A destination the engine does not know is the request's fault (422), not a missing resource of the path (404). */
async function asUnprocessable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof PbxError && err.code === 'SB_NOT_FOUND') throw new PbxError('SB_UNPROCESSABLE', err.message);
    throw err;
  }
}

export async function actionRoutes(app: FastifyInstance, opts: { control: PbxControl; attached: AttachedData }): Promise<void> {
  const { control, attached } = opts;

  const makeCall = async (request: FastifyRequest, device?: string) => {
    const { dnnumber } = request.params as { dnnumber: string };
    assertDn(request, dnnumber);
    const type = await dnTypeOf(control, dnnumber);
    if (type === undefined) throw new PbxError('SB_NOT_FOUND', `DN ${dnnumber} does not exist`);
    // A route point calls out for its application (no phone rings first); only extensions have devices.
    if (type !== 'Wextension' && (type !== 'Wroutepoint' || device !== undefined)) {
      if (type === 'Wroutepoint') throw new PbxError('SB_NOT_FOUND', `route point ${dnnumber} has no devices`);
      throw new PbxError('SB_UNPROCESSABLE', `DN ${dnnumber} is not an extension or a route point; only they place calls`);
    }
    if (device !== undefined && !(await control.devices.list(dnnumber)).some((d) => d.contact === device)) {
      throw new PbxError('SB_NOT_FOUND', `DN ${dnnumber} has no device ${device}`);
    }
    const body = request.body as MakeCall & { timeout?: number; timeoutSec?: number };
    // 0 or absent: the ring times of the phones involved.
    const timeoutSeconds = body.timeout || body.timeoutSec || undefined;
    const call: CallInfo = await asUnprocessable(control.calls.make(dnnumber, body.destination, { ...(device !== undefined ? { device } : {}), ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) }));
    const owner = call.participants.find((p) => p.id === call.owner);
    if (owner) attached.attach(owner.id, attachedOf(body));
    return owner ? renderParticipant(call, owner) : undefined;
  };

  // 202: the DN's phone rings first; the outcome shows as participant updates on the WebSocket.
  app.post(
    '/callcontrol/:dnnumber/makecall',
    { config: { role: 'control' }, schema: { tags, summary: "Call from a DN: its devices ring, then the destination", params: DnParams, body: MakeCallBody, response: { 202: CallControlResult, ...errors } } },
    async (request, reply) => reply.code(202).send(success(await makeCall(request))),
  );
  app.post(
    '/callcontrol/:dnnumber/devices/:deviceid/makecall',
    { config: { role: 'control' }, schema: { tags, summary: 'Call from one device of a DN (device_id URL-encoded)', params: DeviceParams, body: MakeCallBody, response: { 202: CallControlResult, ...errors } } },
    async (request, reply) => reply.code(202).send(success(await makeCall(request, (request.params as { deviceid: string }).deviceid))),
  );

  app.post(
    '/callcontrol/:dnnumber/participants/:id/:action',
    { config: { role: 'control' }, schema: { tags, summary: 'Act on a participant: drop, answer, divert, routeto, transferto, attach_participant_data, attach_party_data; beyond 3CX: hold, resume, mute, unmute, record, stop_recording', params: ActionParams, body: ActionBody, response: { 200: CallControlResult, ...errors } } },
    async (request) => {
      const { id, action } = request.params as { id: number; action: Action };
      const { call, participant } = participantOfRequest(control, request);
      const body = request.body as MakeCall & { destination?: string };
      const result = renderParticipant(call, participant);
      const needDestination = (): string => {
        if (body.destination === undefined) throw new PbxError('SB_UNPROCESSABLE', `${action} needs a destination`);
        return body.destination;
      };
      switch (action) {
        case 'drop':
          control.calls.drop(call.id, participant.id);
          return success(result);
        case 'divert':
          if (participant.status !== 'Ringing' && participant.status !== 'Dialing') throw new PbxError('SB_UNPROCESSABLE', `participant ${String(id)} is ${participant.status}; only a ringing participant can be diverted`);
          await asUnprocessable(control.calls.divert(call.id, participant.id, needDestination()));
          return success(result);
        case 'attach_participant_data':
          attached.attach(participant.id, attachedOf(body as MakeCall));
          return success(result);
        case 'attach_party_data': {
          const party = partnerOf(call, participant);
          if (!party) throw new PbxError('SB_UNPROCESSABLE', `participant ${String(id)} has no other party`);
          attached.attach(party.id, attachedOf(body as MakeCall));
          return success(result);
        }
        case 'answer':
        case 'hold':
        case 'resume':
        case 'mute':
        case 'unmute':
          // The same verb of the PBX, on this participant.
          await control.calls[action](call.id, participant.id);
          return success(result);
        case 'routeto':
          // Returns once the destination rings; the participant stays until it answers.
          await asUnprocessable(control.calls.routeTo(call.id, participant.id, needDestination()));
          return success(result);
        case 'record':
        case 'stop_recording':
          await control.calls.record(call.id, action === 'record' ? 'start' : 'stop', participant.id);
          return success(result);
        case 'transferto':
          if (participant.status !== 'Connected') throw new PbxError('SB_UNPROCESSABLE', `participant ${String(id)} is ${participant.status}; only a connected participant can be transferred`);
          // Resolves when the destination answered; 424 (SB_DESTINATION_FAILED) when it did not and the participant is back.
          await asUnprocessable(control.calls.transferTo(call.id, participant.id, needDestination()));
          return success(result);
      }
    },
  );
}
