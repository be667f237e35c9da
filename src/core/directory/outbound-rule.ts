// Outbound rules: which calls leave by which trunk, ordered by priority, each
// with up to five routes (seed 000 outboundrule.*).
import { Type, type Static } from 'typebox';
import { Stamp, entitySchemas } from './common.ts';

export const OutboundRoute = Type.Object(
  {
    trunkId: Type.Integer({ minimum: 1 }),
    strip: Type.Integer({ minimum: 0, maximum: 32, description: 'Digits removed from the front' }),
    prepend: Type.String({ maxLength: 32, pattern: '^[+]?[0-9*#]*$' }),
    callerId: Type.String({ maxLength: 33, pattern: '^[+]?[0-9]*$' }),
  },
  { additionalProperties: false },
);
export type OutboundRoute = Static<typeof OutboundRoute>;

export const OutboundRuleSchemas = entitySchemas({
  key: {},
  required: {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    priority: Type.Integer({ minimum: 0, maximum: 1000000, description: 'Unique; lower runs first' }),
  },
  fields: {
    prefix: Type.String({ maxLength: 32, pattern: '^[+]?[0-9*#]*$' }),
    numberLength: Type.String({ maxLength: 64, pattern: '^$|^[0-9]{1,2}(,[0-9]{1,2})*$', description: 'Comma-separated lengths the dialled number must have; empty = any' }),
    extRanges: Type.Array(Type.String({ pattern: '^[0-9]{2,10}(-[0-9]{2,10})?$' }), { maxItems: 100 }),
    extGroups: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 }),
    routes: Type.Array(OutboundRoute, { maxItems: 5 }),
  },
  readOnly: { id: Type.Integer(), createdAt: Stamp, updatedAt: Stamp },
});
export type OutboundRule = Static<typeof OutboundRuleSchemas.read>;
