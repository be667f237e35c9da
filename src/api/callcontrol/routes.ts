// The 3CX v20 Call Control API (seed 001): the token endpoint, the entity
// tree /callcontrol/{dn}/{devices,participants}, makecall and participant
// actions (actions.ts), and the WebSocket of entity changes (ws.ts). A thin
// translation onto PbxControl and the event log.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { PbxError } from '../../core/errors.ts';
import type { PbxControl } from '../../core/pbx-control.ts';
import { toPbxError } from '../http/problem.ts';
import { callControlAuth, assertDn, mayUse } from './auth.ts';
import { TokenIssuer } from './token.ts';
import { tokenRoutes } from './token-routes.ts';
import { AttachedData } from './attached-data.ts';
import { dnTypeOf, listDns } from './directory.ts';
import { findParticipant } from './find-participant.ts';
import { participantsOn, renderDevice, renderError, renderParticipant, type WireDnInfo } from './render.ts';
import { DeviceParams, Device, DnInfo, DnParams, Participant as ParticipantSchema, ParticipantParams, errors } from './schemas.ts';
import { actionRoutes } from './actions.ts';
import { streamRoutes } from './streams.ts';
import { streamSocketRoutes } from './stream-ws.ts';
import { callControlWs, type CallControlWsOptions } from './ws.ts';

export interface CallControlOptions {
  control: PbxControl;
  /** Lifetime of an access token, seconds (SWITCHBOARD_CALLCONTROL_TOKEN_TTL). */
  tokenSeconds?: number;
  ws?: Omit<CallControlWsOptions, 'control' | 'attached'>;
}

const tags = ['3CX Call Control'];

/** 404 for a DN that is not in the directory; its 3CX type otherwise. */
async function knownDn(control: PbxControl, dn: string): Promise<string> {
  const type = await dnTypeOf(control, dn);
  if (type === undefined) throw new PbxError('SB_NOT_FOUND', `DN ${dn} does not exist`);
  return type;
}

async function devicesOf(control: PbxControl, dn: string, type: string) {
  return type === 'Wextension' ? (await control.devices.list(dn)).map(renderDevice) : [];
}

export async function callControlApi(app: FastifyInstance, opts: CallControlOptions): Promise<void> {
  const { control } = opts;
  const tokens = new TokenIssuer(opts.tokenSeconds ?? 3600);
  const attached = new AttachedData(control);
  app.addHook('onClose', async () => attached.close());

  await app.register(tokenRoutes, { control, tokens });

  await app.register(async (scope) => {
    await scope.register(callControlAuth, { control, tokens });
    scope.setErrorHandler((err, request, reply) => {
      const pbx = toPbxError(err);
      if (pbx.status >= 500) request.log.error({ err }, 'call control request failed');
      return reply.code(pbx.status).send(renderError(pbx));
    });
    // Clients post actions with an empty body, or none, under a JSON content type.
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      const text = (body as string).trim();
      if (text === '') return done(null, {});
      try {
        done(null, JSON.parse(text));
      } catch {
        done(new PbxError('SB_VALIDATION', 'the body is not valid JSON'), undefined);
      }
    });
    scope.addHook('preValidation', async (request: FastifyRequest) => {
      if (request.method === 'POST' && (request.body === undefined || request.body === null)) request.body = {};
    });

    scope.get('/callcontrol', { schema: { tags, summary: 'Every DN this token may see, with its devices and participants', response: { 200: Type.Array(DnInfo), ...errors } } }, async (request) => {
      const id = request.callControl;
      const dns = (await listDns(control)).filter((d) => id && mayUse(id, d.dn));
      const [devices, calls] = [await control.devices.list(), control.calls.list()];
      return dns.map(
        (d): WireDnInfo => ({ dn: d.dn, type: d.type, devices: devices.filter((x) => x.extension === d.dn).map(renderDevice), participants: participantsOn(calls, d.dn) }),
      );
    });
    scope.get('/callcontrol/:dnnumber', { schema: { tags, summary: 'One DN: its devices and participants', params: DnParams, response: { 200: DnInfo, ...errors } } }, async (request) => {
      const { dnnumber } = request.params as { dnnumber: string };
      assertDn(request, dnnumber);
      const type = await knownDn(control, dnnumber);
      return { dn: dnnumber, type, devices: await devicesOf(control, dnnumber, type), participants: participantsOn(control.calls.list(), dnnumber) };
    });
    scope.get('/callcontrol/:dnnumber/devices', { schema: { tags, summary: 'Devices registered on a DN', params: DnParams, response: { 200: Type.Array(Device), ...errors } } }, async (request) => {
      const { dnnumber } = request.params as { dnnumber: string };
      assertDn(request, dnnumber);
      return devicesOf(control, dnnumber, await knownDn(control, dnnumber));
    });
    scope.get('/callcontrol/:dnnumber/devices/:deviceid', { schema: { tags, summary: 'One device of a DN (device_id URL-encoded)', params: DeviceParams, response: { 200: Device, ...errors } } }, async (request) => {
      const { dnnumber, deviceid } = request.params as { dnnumber: string; deviceid: string };
      assertDn(request, dnnumber);
      const device = (await devicesOf(control, dnnumber, await knownDn(control, dnnumber))).find((d) => d.device_id === deviceid);
      if (!device) throw new PbxError('SB_NOT_FOUND', `DN ${dnnumber} has no device ${deviceid}`);
      return device;
    });
    scope.get('/callcontrol/:dnnumber/participants', { schema: { tags, summary: 'Participants (connections) on a DN', params: DnParams, response: { 200: Type.Array(ParticipantSchema), ...errors } } }, async (request) => {
      const { dnnumber } = request.params as { dnnumber: string };
      assertDn(request, dnnumber);
      await knownDn(control, dnnumber);
      return participantsOn(control.calls.list(), dnnumber);
    });
    scope.get('/callcontrol/:dnnumber/participants/:id', { schema: { tags, summary: 'One participant on a DN', params: ParticipantParams, response: { 200: ParticipantSchema, ...errors } } }, async (request) => {
      const { dnnumber, id } = request.params as { dnnumber: string; id: number };
      assertDn(request, dnnumber);
      const { call, participant } = findParticipant(control, dnnumber, id);
      return renderParticipant(call, participant);
    });

    await scope.register(actionRoutes, { control, attached });
    await scope.register(streamRoutes, { control });
    await scope.register(streamSocketRoutes, { control });
    await scope.register(callControlWs, { ...opts.ws, control, attached });
  });
}
