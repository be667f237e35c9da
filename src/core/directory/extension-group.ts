// Extension groups (departments) with member roles, as seed 000's
// extgroup.* commands manage them.
import { Type, type Static } from 'typebox';
import { DialNumber, Stamp, entitySchemas } from './common.ts';

// Seed 000: 0 users, 1 receptionists, 2 group_admins, 3 managers,
// 4 group_owners, 5 system_admins, 6 system_owners.
export const GROUP_ROLES = ['users', 'receptionists', 'group_admins', 'managers', 'group_owners', 'system_admins', 'system_owners'] as const;

export const GroupMember = Type.Object(
  { extension: DialNumber, role: Type.Integer({ minimum: 0, maximum: 6, description: GROUP_ROLES.map((r, i) => `${i} ${r}`).join(', ') }) },
  { additionalProperties: false },
);

export const ExtensionGroupSchemas = entitySchemas({
  key: {},
  required: { name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^,]+$' }) },
  fields: { members: Type.Array(GroupMember, { maxItems: 10000 }) },
  readOnly: { id: Type.Integer(), createdAt: Stamp },
});
export type ExtensionGroup = Static<typeof ExtensionGroupSchemas.read>;
