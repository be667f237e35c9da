// Wire schemas of the CloudPBX dialect (seed 003). They validate requests and
// feed the OpenAPI document; the row shapes are exactly the seed's fields.
import { Type } from 'typebox';

const LocalDate = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD in the PBX time zone, inclusive' });

export const DateRangeQuery = Type.Object(
  {
    datestart: Type.Optional(LocalDate),
    datestop: Type.Optional(LocalDate),
  },
  { additionalProperties: false },
);

export const CdrRowOut = Type.Object({
  calldate: Type.String({ description: 'Start of the call, YYYY-MM-DD HH:MM:SS in the PBX time zone' }),
  clid: Type.String({ description: '"Name" <number>' }),
  src: Type.String(),
  dst: Type.String(),
  channel: Type.String({ description: 'SIP/NAME-101-0000002a' }),
  dstchannel: Type.String(),
  lastapp: Type.String({ description: 'Dial, Queue, …' }),
  duration: Type.Integer({ description: 'Seconds including ringing' }),
  billsec: Type.Integer({ description: 'Seconds after the answer' }),
  disposition: Type.Enum(['ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED'] as const),
  uniqueid: Type.String({ description: 'epoch.sequence' }),
  cost: Type.String({ description: 'Grosze; empty when not rated' }),
  zone: Type.String(),
});

export const RecordOut = Type.Object({
  uniqueid: Type.String({ description: 'uniqueid of the call (as in /cdr)' }),
  src: Type.String(),
  dst: Type.String(),
  format: Type.String(),
  date: Type.String({ description: 'YYYY-MM-DD HH:MM:SS in the PBX time zone' }),
});

export const DialQuery = Type.Object(
  {
    cpa: Type.String({ pattern: '^[0-9]{2,10}$', description: 'An extension of this PBX: its phone rings first' }),
    cpb: Type.String({ pattern: '^[+]?[0-9*#]{2,32}$', description: 'The number to connect it to' }),
  },
  { additionalProperties: false },
);

export const RecordParams = Type.Object({ uniqueid: Type.String({ pattern: '^[0-9]{1,12}\\.[0-9]{1,12}$' }) });

export const WsParams = Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });

export const TextOut = Type.String();

export const SendSmsBody = Type.Object(
  {
    to: Type.String({ pattern: '^[0-9]{9}$', description: 'Nine-digit mobile number' }),
    body: Type.String({ minLength: 1, maxLength: 1024, description: 'The text, at most 1,024 characters' }),
    test: Type.Optional(Type.String({ maxLength: 100, description: 'Containing "true": a test message, never sent' })),
  },
  { additionalProperties: false },
);

export const SmsResponse = Type.Object({
  responseId: Type.Union([Type.String(), Type.Null()]),
  responseStatus: Type.String(),
  responseErrorMessage: Type.Union([Type.String(), Type.Null()]),
});
