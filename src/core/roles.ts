// Roles of API keys. read: look only; control: call control, agent status,
// forwarding; admin: everything, including the directory and the keys.
export const ROLES = ['read', 'control', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { read: 0, control: 1, admin: 2 };

export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
