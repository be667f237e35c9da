// Building blocks shared by the directory entity schemas.
import { Type, type Static } from 'typebox';

/** A dial-plan number: extensions, ring groups, queues and IVRs share one number space. */
export const DialNumber = Type.String({ pattern: '^[0-9]{2,10}$', description: 'Internal number, 2–10 digits' });
/** A number as dialled: digits with an optional leading +, * or #. */
export const PhoneNumber = Type.String({ pattern: '^[+]?[0-9*#]{1,32}$', maxLength: 33 });
export const Text = (maxLength = 200, description?: string) => Type.String({ maxLength, ...(description ? { description } : {}) });
export const Seconds = (max: number, description: string) => Type.Integer({ minimum: 0, maximum: max, description });
export const Stamp = Type.String({ format: 'date-time' });

// Where a call goes when a rule, timeout or menu choice sends it somewhere.
// The types follow seed 000's inboundrule.get: `extension` means any internal
// number (extension, ring group, queue, IVR), `external` an outside number.
export const DESTINATION_TYPES = ['none', 'extension', 'voicemail', 'external', 'fax', 'routepoint', 'hangup'] as const;
export const DestinationType = Type.Enum(DESTINATION_TYPES);
export type DestinationType = (typeof DESTINATION_TYPES)[number];
export const Destination = Type.Object(
  {
    type: DestinationType,
    number: Type.String({ maxLength: 33, pattern: '^[+]?[0-9*#]{0,32}$', description: 'Internal number for extension/voicemail/fax/routepoint, outside number for external, empty otherwise' }),
  },
  { additionalProperties: false },
);
export type Destination = Static<typeof Destination>;
export const NO_DESTINATION: Destination = { type: 'none', number: '' };

/** Types whose number must be an existing internal number. */
export const INTERNAL_DESTINATION_TYPES: ReadonlySet<string> = new Set(['extension', 'voicemail', 'fax', 'routepoint']);

export function page<T extends ReturnType<typeof Type.Object>>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ minimum: 0 }),
    limit: Type.Integer(),
    offset: Type.Integer(),
  });
}

type Props = Record<string, import('typebox').TSchema>;

/**
 * Derives the three shapes of an entity from one field list: what a client
 * creates (key + optional fields, or required ones), what it patches (every
 * field optional, the key immutable) and what it reads back.
 */
export function entitySchemas<K extends Props, F extends Props, R extends Props, Q extends Props = Record<never, never>>(spec: {
  key: K;
  fields: F;
  readOnly: R;
  required?: Q;
}) {
  const required = (spec.required ?? {}) as Q;
  const create = Type.Object({ ...spec.key, ...required, ...Type.Partial(Type.Object(spec.fields)).properties }, { additionalProperties: false });
  const patch = Type.Partial(Type.Object({ ...required, ...spec.fields }), { additionalProperties: false });
  const read = Type.Object({ ...spec.key, ...required, ...spec.fields, ...spec.readOnly }, { additionalProperties: false });
  return { create, patch, read };
}
