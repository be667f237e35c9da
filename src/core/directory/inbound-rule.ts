// Inbound (DID) rules with office hours (seed 000 inboundrule.get/set).
import { Type, type Static } from 'typebox';
import { Destination, Stamp, entitySchemas } from './common.ts';

const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export const OfficeHours = Type.Object(
  {
    timeZone: Type.String({ maxLength: 64, description: 'IANA time zone; empty = the PBX time zone' }),
    /** Each weekday maps to ranges like {from: "09:00", to: "17:30"}; a missing day is closed. */
    weekly: Type.Object(
      Object.fromEntries(WEEKDAYS.map((d) => [d, Type.Optional(Type.Array(Type.Object({ from: HHMM, to: HHMM }, { additionalProperties: false }), { maxItems: 8 }))])),
      { additionalProperties: false },
    ),
    holidays: Type.Array(Type.String({ format: 'date' }), { maxItems: 366 }),
  },
  { additionalProperties: false },
);
export type OfficeHours = Static<typeof OfficeHours>;

export const InboundRuleSchemas = entitySchemas({
  key: {},
  required: { name: Type.String({ minLength: 1, maxLength: 100 }) },
  fields: {
    trunkId: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    did: Type.String({ maxLength: 33, pattern: '^[+]?[0-9*]*$', description: 'Called number to match; empty = any on this trunk' }),
    officeHours: OfficeHours,
    inHours: Destination,
    outOfHours: Destination,
  },
  readOnly: { id: Type.Integer(), createdAt: Stamp, updatedAt: Stamp },
});
export type InboundRule = Static<typeof InboundRuleSchemas.read>;
