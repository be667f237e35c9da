// What the signed-in key may do, asked of the API itself: GET /keys/self
// answers any valid key with its id, label and role (never the secret), and
// 401 for an unknown or revoked one.
import type { ApiClient } from './client.ts';

export const ROLES = ['read', 'control', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface KeySelf {
  id: string;
  label: string;
  role: Role;
  /** The extension the key acts for, if it was created for one: the panel's default supervisor. */
  extension: string | null;
}

export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export async function whoAmI(client: ApiClient): Promise<KeySelf> {
  const self = await client.get<KeySelf>('/keys/self');
  if (!(ROLES as readonly string[]).includes(self.role)) throw new Error(`unknown role ${self.role}`);
  return self;
}
