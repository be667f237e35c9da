// Wire schemas of the WireCRM dialect (seed 002): the click-to-call request
// the CRM sends (`from`, `to`, form-encoded) and the two replies it reads.
import { Type } from 'typebox';

export const ClickToCallBody = Type.Object(
  {
    from: Type.String({ minLength: 1, maxLength: 20, description: 'The CRM user\'s extension: its phone rings first' }),
    to: Type.String({ minLength: 1, maxLength: 40, description: 'The client\'s number; spaces, dashes, dots and brackets are ignored' }),
  },
  { additionalProperties: Type.String({ maxLength: 200 }) },
);

export const StatusOk = Type.Object({ status: Type.Literal('1') });

export const StatusError = Type.Object({
  status: Type.Literal('0'),
  error: Type.String(),
  /** Not in the seed: our stable error code, beside the message the CRM shows. */
  code: Type.String(),
});
