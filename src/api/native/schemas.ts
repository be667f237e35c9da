// Wire schemas of the native /api/v1: the directory entity shapes from
// core/directory plus paging, keys and events. They validate requests,
// serialize responses and feed the published OpenAPI document.
import { Type, type TSchema, type TObject } from 'typebox';
import { DialNumber, page } from '../../core/directory/common.ts';
import { ExtensionCreate, ExtensionPatch, Extension } from '../../core/directory/extension.ts';
import { ExtensionGroupSchemas } from '../../core/directory/extension-group.ts';
import { RingGroupSchemas } from '../../core/directory/ring-group.ts';
import { QueueSchemas } from '../../core/directory/queue.ts';
import { IvrSchemas } from '../../core/directory/ivr.ts';
import { RoutePointSchemas } from '../../core/directory/route-point.ts';
import { TrunkSchemas } from '../../core/directory/trunk.ts';
import { OutboundRuleSchemas } from '../../core/directory/outbound-rule.ts';
import { InboundRuleSchemas } from '../../core/directory/inbound-rule.ts';
import { ContactSchemas } from '../../core/directory/contact.ts';
import { ParameterSchemas } from '../../core/directory/parameter.ts';
import type { DirectoryEntity } from '../../core/pbx-control.ts';
import { ROLES } from '../../core/roles.ts';
import { TRUNK_REGISTRATION_STATES } from '../../core/trunk-status.ts';

/** A copy of an object schema whose listed properties are optional (secrets shown to admins only). */
function optionalFields(schema: TObject, fields: string[]): TObject {
  const required = (schema.required as string[] | undefined)?.filter((r) => !fields.includes(r)) ?? [];
  return { ...schema, required } as unknown as TObject;
}

export interface EntityRoute {
  entity: DirectoryEntity;
  path: string;
  tag: string;
  /** Name and schema of the path parameter that identifies one item. */
  keyParam: string;
  keySchema: TSchema;
  create: TSchema;
  patch: TSchema;
  read: TObject;
}

const Id = Type.Integer({ minimum: 1, maximum: 2147483647 });

export const ENTITY_ROUTES: EntityRoute[] = [
  { entity: 'extensions', path: 'extensions', tag: 'Extensions', keyParam: 'number', keySchema: DialNumber, create: ExtensionCreate, patch: ExtensionPatch, read: Extension },
  { entity: 'extensionGroups', path: 'extension-groups', tag: 'Extension groups', keyParam: 'id', keySchema: Id, ...ExtensionGroupSchemas },
  { entity: 'ringGroups', path: 'ring-groups', tag: 'Ring groups', keyParam: 'number', keySchema: DialNumber, ...RingGroupSchemas },
  { entity: 'queues', path: 'queues', tag: 'Queues', keyParam: 'number', keySchema: DialNumber, ...QueueSchemas },
  { entity: 'ivrs', path: 'ivrs', tag: 'IVRs', keyParam: 'number', keySchema: DialNumber, ...IvrSchemas },
  { entity: 'routePoints', path: 'route-points', tag: 'Route points', keyParam: 'number', keySchema: DialNumber, ...RoutePointSchemas },
  { entity: 'trunks', path: 'trunks', tag: 'Trunks', keyParam: 'id', keySchema: Id, ...TrunkSchemas, read: optionalFields(TrunkSchemas.read, ['password']) },
  { entity: 'outboundRules', path: 'outbound-rules', tag: 'Outbound rules', keyParam: 'id', keySchema: Id, ...OutboundRuleSchemas },
  { entity: 'inboundRules', path: 'inbound-rules', tag: 'Inbound rules', keyParam: 'id', keySchema: Id, ...InboundRuleSchemas },
  { entity: 'contacts', path: 'contacts', tag: 'Contacts', keyParam: 'id', keySchema: Id, ...ContactSchemas },
  { entity: 'parameters', path: 'parameters', tag: 'Parameters', keyParam: 'name', keySchema: ParameterSchemas.create.properties.name as TSchema, ...ParameterSchemas },
];

export const ListQuerystring = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 })),
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Case-insensitive substring search' })),
  },
  { additionalProperties: Type.String({ maxLength: 100 }) },
);

export const pageOf = page;

export const KeyInfo = Type.Object({
  id: Type.String(),
  label: Type.String(),
  role: Type.Enum(ROLES),
  extension: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});
export const KeyCreate = Type.Object(
  {
    role: Type.Enum(ROLES),
    label: Type.Optional(Type.String({ maxLength: 100 })),
    extension: Type.Optional(Type.Union([DialNumber, Type.Null()], { description: 'The extension or route point (DN) the key acts for, for dialects that bind keys to a DN' })),
  },
  { additionalProperties: false },
);
export const KeyCreated = Type.Object({ ...KeyInfo.properties, key: Type.String({ description: 'The secret; shown only now' }) });

export const EventsQuerystring = Type.Object(
  {
    since: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export const EventOut = Type.Object({ seq: Type.Integer(), type: Type.String(), at: Type.String(), payload: Type.Object({}, { additionalProperties: true }) });

export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  code: Type.String(),
  detail: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.Optional(Type.String()), message: Type.String() }))),
  requestId: Type.Optional(Type.String()),
});

export const DeviceOut = Type.Object({
  extension: Type.String(),
  contact: Type.String({ description: 'Contact URI the device registered' }),
  userAgent: Type.String(),
  transport: Type.String(),
  sourceAddress: Type.String({ description: 'Where its REGISTER came from (behind NAT this differs from the contact)' }),
  sourcePort: Type.Integer(),
  registeredAt: Type.String(),
  expiresAt: Type.String(),
  reachable: Type.Boolean({ description: 'Answered the last OPTIONS probe' }),
});

export const TrunkStatusOut = Type.Object({
  trunkId: Type.Integer(),
  name: Type.String(),
  state: Type.Enum(TRUNK_REGISTRATION_STATES, { description: 'registering, registered, failed, unregistered or notRegistering' }),
  code: Type.Union([Type.Integer(), Type.Null()], { description: 'Status code of the last final response to our REGISTER (408: no answer, 503: transport failure)' }),
  reason: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()], { description: 'When the granted binding runs out (registered only)' }),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()], { description: 'Next refresh or retry' }),
});
