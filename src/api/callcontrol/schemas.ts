// Wire schemas of the Call Control dialect, written from the JSON examples
// of seed 001: field names and types exactly as there. They validate
// requests, serialize responses and feed the OpenAPI document.
import { Type } from 'typebox';

export const Participant = Type.Object({
  id: Type.Integer(),
  status: Type.String(),
  dn: Type.String(),
  party_caller_name: Type.String(),
  party_dn: Type.String(),
  party_caller_id: Type.String(),
  party_did: Type.String(),
  device_id: Type.String(),
  party_dn_type: Type.String(),
  direct_control: Type.Boolean(),
  originated_by_dn: Type.String(),
  originated_by_type: Type.String(),
  referred_by_dn: Type.String(),
  referred_by_type: Type.String(),
  on_behalf_of_dn: Type.String(),
  on_behalf_of_type: Type.String(),
  callid: Type.Integer(),
  legid: Type.Integer(),
});

export const Device = Type.Object({ dn: Type.String(), device_id: Type.String(), user_agent: Type.String() });

export const DnInfo = Type.Object({ dn: Type.String(), type: Type.String(), devices: Type.Array(Device), participants: Type.Array(Participant) });

export const CallControlResult = Type.Object({
  finalstatus: Type.String(),
  reason: Type.String(),
  result: Type.Optional(Participant),
  reasontext: Type.String(),
});

export const ErrorBody = Type.Object({
  finalstatus: Type.String(),
  reason: Type.String(),
  reasontext: Type.String(),
  code: Type.String({ description: 'Switchboard error code (beyond 3CX)' }),
});

export const TokenReply = Type.Object({
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  access_token: Type.String(),
  refresh_token: Type.String(),
});

/** RFC 6749 §5.2 error response of the token endpoint. */
export const TokenError = Type.Object({ error: Type.String(), error_description: Type.String() });

export const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 424: ErrorBody };

/** Seed 001 "适用的原因值": why a participant was diverted, routed or transferred. */
export const TRANSFER_REASONS = [
  'None',
  'NoAnswer',
  'PhoneBusy',
  'PhoneNotRegistered',
  'ForwardAll',
  'BasedOnCallerID',
  'BasedOnDID',
  'OutOfOfficeHours',
  'BreakTime',
  'Holiday',
  'OfficeHours',
  'NoDestinations',
  'Polling',
  'CallbackRequested',
  'Callback',
] as const;

/** Seed 001's actions, then Switchboard's own under the same URL scheme (README: beyond 3CX). */
export const ACTIONS = ['drop', 'answer', 'divert', 'routeto', 'transferto', 'attach_participant_data', 'attach_party_data', 'hold', 'resume', 'mute', 'unmute', 'record', 'stop_recording'] as const;
export type Action = (typeof ACTIONS)[number];

const DnNumber = Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9A-Za-z*#+_-]+$', description: 'The DN (extension, queue, ring group, IVR number)' });
const Destination = Type.String({ pattern: '^[+]?[0-9*#]{1,32}$', description: 'The number to call' });
const AttachedData = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1024 }), { maxProperties: 50, description: 'Data attached to the participant; shown in WebSocket frames as attached_data' });
const Timeout = Type.Integer({ minimum: 0, maximum: 3600, description: 'Seconds; 0 or absent: the DN\'s own ring time' });

export const DnParams = Type.Object({ dnnumber: DnNumber });
export const DeviceParams = Type.Object({ dnnumber: DnNumber, deviceid: Type.String({ minLength: 1, maxLength: 500 }) });
export const ParticipantParams = Type.Object({ dnnumber: DnNumber, id: Type.Integer({ minimum: 0, maximum: 2147483647 }) });
export const ActionParams = Type.Object({
  dnnumber: DnNumber,
  id: Type.Integer({ minimum: 0, maximum: 2147483647 }),
  action: Type.Enum(ACTIONS),
});

/**
 * makecall: real clients send `timeout` (the example) or `timeoutSec` (the
 * device form's table), and sometimes loose string fields beside them
 * (`attachedData1`, `additionalProp1`…): those are kept as attached data.
 */
export const MakeCallBody = Type.Object(
  {
    destination: Destination,
    timeout: Type.Optional(Timeout),
    timeoutSec: Type.Optional(Timeout),
    attacheddata: Type.Optional(AttachedData),
  },
  { additionalProperties: Type.String({ maxLength: 1024 }), maxProperties: 60 },
);

export const ActionBody = Type.Object(
  {
    reason: Type.Optional(Type.Enum(TRANSFER_REASONS)),
    destination: Type.Optional(Destination),
    timeout: Type.Optional(Timeout),
    attacheddata: Type.Optional(AttachedData),
  },
  { additionalProperties: Type.String({ maxLength: 1024 }), maxProperties: 60 },
);

export const TokenBody = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ maxLength: 64 })),
    client_id: Type.Optional(Type.String({ maxLength: 64 })),
    client_secret: Type.Optional(Type.String({ maxLength: 200 })),
    refresh_token: Type.Optional(Type.String({ maxLength: 4096 })),
    scope: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
