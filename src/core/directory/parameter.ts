// System parameters (seed 000 parameter.get/set/del): name → string value.
import { Type, type Static } from 'typebox';
import { Text, Stamp, entitySchemas } from './common.ts';

export const ParameterSchemas = entitySchemas({
  key: { name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Z0-9_.]+$', description: 'Upper case, as 3CX requires' }) },
  fields: { value: Text(10000), description: Text(500), type: Type.Enum(['string'] as const) },
  readOnly: { updatedAt: Stamp },
});
export type Parameter = Static<typeof ParameterSchemas.read>;
