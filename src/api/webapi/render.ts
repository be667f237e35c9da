// Wire shapes of the TCXWebAPI dialect. The seed names the fields of its
// answers (ext.state.get, pbx.ac.get, ext.devices.get …) but shows no full
// JSON, so the rest follows the same style: 3CX's field names where the seed
// gives them, the seed's own parameter names (num, name) elsewhere.
import type { FastifyReply } from 'fastify';
import type { PbxError } from '../../core/errors.ts';
import type { CallInfo, Participant } from '../../core/calls.ts';
import type { DeviceInfo, Record_ } from '../../core/pbx-control.ts';

/** Every failure: HTTP status of the error catalogue, a stable code, a readable message. */
export function renderError(reply: FastifyReply, err: PbxError): FastifyReply {
  const body = { code: err.code, message: err.message, ...(err.details.length > 0 ? { details: err.details } : {}) };
  return reply.code(err.status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

const RECORDING_NAMES = ['off', 'external', 'all'];

export function renderExtensionSummary(e: Record_) {
  return {
    num: e.number,
    firstName: e.firstName,
    lastName: e.lastName,
    email: e.email,
    mobile: e.mobile,
    callerId: e.outboundCallerId,
    enabled: e.enabled,
  };
}

/** ext.info.get: the informational fields of ext.update, never the SIP password or voicemail PIN. */
export function renderExtensionInfo(e: Record_) {
  return {
    num: e.number,
    firstname: e.firstName,
    lastname: e.lastName,
    email: e.email,
    mobile: e.mobile,
    authid: e.authId,
    callerid: e.outboundCallerId,
    enabled: e.enabled ? 1 : 0,
    deliveraudio: e.deliverAudio ? 1 : 0,
    recordcalls: Math.max(0, RECORDING_NAMES.indexOf(String(e.recording))),
    sipid: e.sipId,
    reinvite: e.supportReinvite ? 1 : 0,
    replaces: e.supportReplaces ? 1 : 0,
    vmemail: e.vmEmail,
    vmenabled: e.vmEnabled ? 1 : 0,
    vmplaycallerid: e.vmPlayCallerId ? 1 : 0,
    vmplaydatetime: e.vmPlayDateTime,
    internal: e.allowExternal ? 0 : 1,
    noanswertimeout: e.noAnswerTimeout,
    fwdName: e.forwardingProfile,
    fwdMessage: e.forwardingMessage,
  };
}

export const loggedInName = (on: boolean): 'LoggedIn' | 'LoggedOut' => (on ? 'LoggedIn' : 'LoggedOut');

export interface ExtensionState {
  num: string;
  registered: boolean;
  status: 'Free' | 'Busy';
  fwdName: string;
  qGlobalStatus: 'LoggedIn' | 'LoggedOut';
  qStatus: { num: string; status: 'LoggedIn' | 'LoggedOut' }[];
}

export function renderDevice(d: DeviceInfo) {
  return { userAgent: d.userAgent, contact: d.contact };
}

/** One leg of a call in the manner of 3CX's ActiveConnection / ActiveConnectionFields. */
export function renderConnection(call: CallInfo, p: Participant) {
  return {
    id: p.id,
    callID: call.id,
    dn: p.dn,
    dnType: p.dnType,
    device: p.device,
    externalParty: p.partyNumber,
    externalPartyName: p.partyName,
    status: p.status,
    isInbound: p.direction === 'inbound',
    isOutbound: p.direction === 'outbound',
  };
}

export function renderActiveCall(call: CallInfo) {
  return {
    callID: call.id,
    direction: call.direction,
    did: call.did,
    AConnList: call.participants.filter((p) => p.status !== 'Ended').map((p) => renderConnection(call, p)),
  };
}

/** 3CX has no "Ended" call state; a call is gone from the list once it ended. */
const STATE_NAMES: Record<string, string> = { Initiating: 'Initiating', Routing: 'Routing', Talking: 'Talking', Transferring: 'Transferring', Rerouting: 'Rerouting' };

export function renderCallInfo(call: CallInfo) {
  const live = call.participants.filter((p) => p.status !== 'Ended');
  const owner = live.find((p) => p.id === call.owner) ?? live[0];
  const others = live.filter((p) => p !== owner);
  return {
    callID: call.id,
    state: STATE_NAMES[call.state] ?? 'Unknown',
    startedAt: call.startedAt,
    answeredAt: call.answeredAt,
    did: call.did,
    owner: owner ? renderConnection(call, owner) : null,
    talkTo: others.filter((p) => p.status === 'Connected' || p.status === 'Held').map((p) => renderConnection(call, p)),
    routingTo: others.filter((p) => p.status === 'Dialing' || p.status === 'Ringing').map((p) => renderConnection(call, p)),
  };
}
