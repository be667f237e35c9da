// An extension: a user of the PBX with its phones, forwarding and options.
// The fields cover seed 000's ext.update / ext.options.set / ext.fwd.set and
// ext.queueglobal.set.
import { Type, type Static } from 'typebox';
import { DialNumber, Text, Destination, Stamp } from './common.ts';

export const RECORDING_POLICIES = ['off', 'external', 'all'] as const;
export type RecordingPolicy = (typeof RECORDING_POLICIES)[number];

// 3CX's forwarding profiles (statuses), by their English names as seed 000's ext.fwd.set takes them.
export const FORWARDING_PROFILES = ['Available', 'Away', 'Out of office', 'Custom 1', 'Custom 2'] as const;
export type ForwardingProfile = (typeof FORWARDING_PROFILES)[number];
export const FORWARDING_CONDITIONS = ['always', 'noAnswer', 'busy', 'notRegistered'] as const;

export const ForwardingRule = Type.Object(
  {
    profile: Type.Enum(FORWARDING_PROFILES),
    condition: Type.Enum(FORWARDING_CONDITIONS),
    destination: Destination,
  },
  { additionalProperties: false },
);
export type ForwardingRule = Static<typeof ForwardingRule>;

const fields = {
  firstName: Text(100),
  lastName: Text(100),
  email: Type.String({ maxLength: 200, pattern: '^$|^[^@\\s]+@[^@\\s]+$' }),
  mobile: Type.String({ maxLength: 33, pattern: '^[+]?[0-9]{0,32}$' }),
  outboundCallerId: Type.String({ maxLength: 33, pattern: '^[+]?[0-9]{0,32}$' }),
  authId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.+-]+$', description: 'SIP digest user name; defaults to the number' }),
  authPassword: Type.String({ minLength: 8, maxLength: 64, description: 'SIP digest password; generated when omitted. Shown only to admin keys.' }),
  enabled: Type.Boolean(),
  allowExternal: Type.Boolean({ description: 'May call outside numbers (seed 000 external / internal=0)' }),
  recording: Type.Enum(RECORDING_POLICIES),
  forwardingProfile: Type.Enum(FORWARDING_PROFILES),
  forwardingMessage: Text(200),
  forwarding: Type.Array(ForwardingRule, { maxItems: 40 }),
  dnd: Type.Boolean(),
  queueGlobalLoggedIn: Type.Boolean({ description: 'Global log-in to all queues (seed 000 qGlobalStatus)' }),
  deliverAudio: Type.Boolean(),
  supportReinvite: Type.Boolean(),
  supportReplaces: Type.Boolean(),
  noAnswerTimeout: Type.Integer({ minimum: 5, maximum: 600 }),
  vmEnabled: Type.Boolean(),
  vmPin: Type.String({ maxLength: 10, pattern: '^[0-9]*$' }),
  vmEmail: Type.Integer({ minimum: 0, maximum: 3 }),
  vmPlayCallerId: Type.Boolean(),
  vmPlayDateTime: Type.Integer({ minimum: 0, maximum: 2 }),
  sipId: Text(64),
};

export const ExtensionCreate = Type.Object({ number: DialNumber, ...Type.Partial(Type.Object(fields)).properties }, { additionalProperties: false });
export const ExtensionPatch = Type.Partial(Type.Object(fields), { additionalProperties: false });
export const Extension = Type.Object(
  { number: DialNumber, ...Type.Object(fields).properties, authPassword: Type.Optional(fields.authPassword), createdAt: Stamp, updatedAt: Stamp },
  { additionalProperties: false },
);
export type ExtensionCreate = Static<typeof ExtensionCreate>;
export type ExtensionPatch = Static<typeof ExtensionPatch>;
export type Extension = Static<typeof Extension>;
