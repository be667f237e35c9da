// What the signed-in key may do. The API has no "who am I" route, so the
// panel asks it the way any client could, without changing anything:
// GET /keys is admin-only (200 = admin); POST /calls with an empty body is a
// control route whose role check runs before its schema check, so a read
// key gets 403 and a control key 400 (nothing is dialled either way).
import { ApiClient, ApiError } from './client.ts';

export const ROLES = ['read', 'control', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export async function detectRole(client: ApiClient): Promise<Role> {
  // Any read route proves the key exists (401 otherwise).
  await client.get('/extensions?limit=1');
  try {
    await client.get('/keys');
    return 'admin';
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 403) throw err;
  }
  try {
    await client.post('/calls', {});
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return 'read';
    if (err instanceof ApiError && err.status === 400) return 'control';
    throw err;
  }
  throw new Error('POST /calls with an empty body was accepted');
}
