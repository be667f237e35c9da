// The signed-in key and its role, kept in sessionStorage: it lives as long as
// the tab, is not shared with other tabs and is gone when the tab closes.
import type { Role } from '../api/role.ts';

export interface Session {
  key: string;
  role: Role;
  /** The key's label (GET /keys/self), shown in the top bar. */
  label?: string;
  /** The key's own extension, if any: the default supervisor for barge / listen / whisper. */
  extension?: string;
}

const STORAGE_KEY = 'switchboard.session';

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(s: Session | undefined): void {
  if (s) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
  else sessionStorage.removeItem(STORAGE_KEY);
}
