// IVR menus: a prompt, then a digit chooses where the call goes.
import { Type, type Static } from 'typebox';
import { DialNumber, Text, Destination, Seconds, Stamp, entitySchemas } from './common.ts';

export const IvrOption = Type.Object(
  { digit: Type.String({ pattern: '^[0-9*#]$' }), destination: Destination },
  { additionalProperties: false },
);

export const IvrSchemas = entitySchemas({
  key: { number: DialNumber },
  fields: {
    name: Text(100),
    prompt: Text(200),
    timeout: Seconds(120, 'Seconds to wait for a digit'),
    maxRetries: Type.Integer({ minimum: 0, maximum: 10 }),
    onTimeout: Destination,
    onInvalid: Destination,
    options: Type.Array(IvrOption, { maxItems: 12 }),
  },
  readOnly: { createdAt: Stamp, updatedAt: Stamp },
});
export type Ivr = Static<typeof IvrSchemas.read>;
