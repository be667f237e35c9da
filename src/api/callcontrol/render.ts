// The core call model in the shapes of seed 001 (3CX v20 Call Control): DN
// info, devices, participants, call-control results, errors and WebSocket
// frames. 3CX shows a call from one DN: a participant is a connection ON
// that DN, and the party_* fields describe whoever is on the other side.
import type { CallInfo, DnType, Participant } from '../../core/calls.ts';
import type { DeviceInfo } from '../../core/pbx-control.ts';
import type { PbxError } from '../../core/errors.ts';
import { legIdOf, wireCallId, wireParticipantId } from './ids.ts';

/** 3CX names DN types with a leading W (its TypeOfDN wire names). */
const DN_TYPES: Record<DnType, string> = {
  Extension: 'Wextension',
  ExternalLine: 'Wexternalline',
  RingGroup: 'Wringgroup',
  Queue: 'Wqueue',
  Ivr: 'Wivr',
  RoutePoint: 'Wroutepoint',
  Parking: 'Wparking',
  Unknown: 'Wunknown',
};

export function wireDnType(t: DnType): string {
  return DN_TYPES[t];
}

export interface WireDevice {
  dn: string;
  device_id: string;
  user_agent: string;
}

export interface WireParticipant {
  id: number;
  status: string;
  dn: string;
  party_caller_name: string;
  party_dn: string;
  party_caller_id: string;
  party_did: string;
  device_id: string;
  party_dn_type: string;
  direct_control: boolean;
  originated_by_dn: string;
  originated_by_type: string;
  referred_by_dn: string;
  referred_by_type: string;
  on_behalf_of_dn: string;
  on_behalf_of_type: string;
  callid: number;
  legid: number;
}

export interface WireDnInfo {
  dn: string;
  type: string;
  devices: WireDevice[];
  participants: WireParticipant[];
}

export function renderDevice(d: DeviceInfo): WireDevice {
  return { dn: d.extension, device_id: d.contact, user_agent: d.userAgent };
}

/** The other side of `p`: the caller for a called party; for the caller, whoever answered (or rings). */
export function partnerOf(call: CallInfo, p: Participant): Participant | undefined {
  if (p.id !== call.owner) return call.participants.find((o) => o.id === call.owner);
  const others = call.participants.filter((o) => o.id !== p.id && o.status !== 'Ended');
  return others.find((o) => o.status === 'Connected' || o.status === 'Held') ?? others[0];
}

/** 3CX knows Dialing, Ringing and Connected; a held participant is still connected. */
function wireStatus(p: Participant): string {
  return p.status === 'Held' ? 'Connected' : p.status;
}

export function renderParticipant(call: CallInfo, p: Participant): WireParticipant {
  const party = partnerOf(call, p);
  const owner = p.id === call.owner ? undefined : call.participants.find((o) => o.id === call.owner);
  return {
    id: wireParticipantId(p.id),
    status: wireStatus(p),
    dn: p.dn,
    party_caller_name: party?.partyName ?? '',
    party_dn: party?.dn ?? '',
    party_caller_id: party?.partyNumber ?? '',
    party_did: call.did,
    device_id: p.device,
    party_dn_type: party ? wireDnType(party.dnType) : '',
    direct_control: false,
    originated_by_dn: owner?.dn ?? '',
    originated_by_type: owner ? wireDnType(owner.dnType) : '',
    referred_by_dn: '',
    referred_by_type: '',
    on_behalf_of_dn: '',
    on_behalf_of_type: '',
    callid: wireCallId(call.id),
    legid: legIdOf(p.id),
  };
}

/** Every live participant on `dn`, in call order. */
export function participantsOn(calls: CallInfo[], dn: string): WireParticipant[] {
  const out: WireParticipant[] = [];
  for (const c of calls) for (const p of c.participants) if (p.dn === dn && p.status !== 'Ended') out.push(renderParticipant(c, p));
  return out;
}

export interface WireResult {
  finalstatus: 'Success' | 'Failure';
  reason: string;
  result?: WireParticipant;
  reasontext: string;
}

export function success(result: WireParticipant | undefined, reasontext = ''): WireResult {
  return { finalstatus: 'Success', reason: 'None', ...(result ? { result } : {}), reasontext };
}

/** Why a request failed, as the response's `reason` (never a transfer reason: seed 001). */
const FAILURE_REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'InvalidState',
  415: 'BadRequest',
  413: 'BadRequest',
  422: 'CannotBeExecuted',
  424: 'DestinationFailed',
  503: 'ServiceUnavailable',
};

export interface WireError extends WireResult {
  /** Switchboard's stable error code (src/core/errors.ts), beyond 3CX. */
  code: string;
}

export function renderError(err: PbxError): WireError {
  return { finalstatus: 'Failure', reason: FAILURE_REASONS[err.status] ?? 'Failed', reasontext: err.message, code: err.code };
}

/** 3CX event types (seed 001 WebSocket; numbers on the wire). */
export const EVENT_TYPES = { upsert: 0, remove: 1, dtmf: 2, promptPlaybackFinished: 3, response: 4 } as const;

export interface WireFrame {
  sequence: number;
  event: { event_type: number; entity: string; attached_data: Record<string, unknown> };
}

export function participantEntity(p: Participant): string {
  return `/callcontrol/${encodeURIComponent(p.dn)}/participants/${String(wireParticipantId(p.id))}`;
}

export function deviceEntity(dn: string, contact: string): string {
  return `/callcontrol/${encodeURIComponent(dn)}/devices/${encodeURIComponent(contact)}`;
}
