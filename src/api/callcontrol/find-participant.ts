// A participant of the wire (DN and numeric id) found among the live calls.
import type { FastifyRequest } from 'fastify';
import { PbxError } from '../../core/errors.ts';
import type { PbxControl } from '../../core/pbx-control.ts';
import type { CallInfo, Participant } from '../../core/calls.ts';
import { wireCallId, wirePartsOf } from './ids.ts';
import { assertDn } from './auth.ts';

/** The participant `id` (wire number) on `dn`, or 404. */
export function findParticipant(control: PbxControl, dn: string, wireId: number): { call: CallInfo; participant: Participant } {
  const parts = wirePartsOf(wireId);
  const call = parts ? control.calls.list().find((c) => wireCallId(c.id) === parts.wireCall) : undefined;
  const participant = call?.participants.find((p) => p.id === `${call.id}.${String(parts?.leg)}` && p.dn === dn && p.status !== 'Ended');
  if (!call || !participant) throw new PbxError('SB_NOT_FOUND', `participant ${String(wireId)} is not on DN ${dn}`);
  return { call, participant };
}

/** The participant a `…/:dnnumber/participants/:id…` request names, once its token may act on that DN (403 else). */
export function participantOfRequest(control: PbxControl, request: FastifyRequest): { call: CallInfo; participant: Participant } {
  const { dnnumber, id } = request.params as { dnnumber: string; id: number };
  assertDn(request, dnnumber);
  return findParticipant(control, dnnumber, id);
}
