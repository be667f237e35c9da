// The star codes of the number plan (src/engine/routing/README.md, "Feature
// codes"). They start with `*`, so they never collide with the directory's
// numbers (digits only, src/core/directory/common.ts) nor with the demo's.
import { VOICEMAIL_ACCESS } from '../features/voicemail.ts';

/** Transfer a call here to park it in the first free orbit. */
export const PARK_CODE = '*70';
/** Park orbits: dialling one retrieves the call parked there. */
export const PARK_ORBITS: readonly string[] = ['*71', '*72', '*73', '*74', '*75', '*76', '*77', '*78', '*79'];
/** Group pickup: answer a call ringing a fellow member of one of the caller's ring groups. */
export const GROUP_PICKUP = '*8';
/** Directed pickup: `**` and the ringing extension's number. */
const DIRECTED_PICKUP = /^\*\*([0-9]{2,10})$/;
/** Queue log-in (*62) and log-out (*63): the queue's number, then `*` and an agent for a manager acting on another. */
const QUEUE_LOGIN = /^\*6([23])([0-9]{2,10})(?:\*([0-9]{2,10}))?$/;

export interface FeatureCodeEntry {
  kind: 'voicemailAccess' | 'park' | 'parkOrbit' | 'groupPickup' | 'directedPickup' | 'queueLogin';
  number: string;
  name: string;
  /** directedPickup: the extension whose ringing call is taken; queueLogin: the agent, when not the caller. */
  target?: string;
  /** queueLogin: the queue, and whether the agent logs in (*62) or out (*63). */
  queue?: string;
  loggedIn?: boolean;
}

export function featureCode(number: string): FeatureCodeEntry | undefined {
  if (!number.startsWith('*')) return undefined;
  if (number === VOICEMAIL_ACCESS) return { kind: 'voicemailAccess', number, name: 'Voicemail' };
  if (number === PARK_CODE) return { kind: 'park', number, name: 'Park' };
  if (PARK_ORBITS.includes(number)) return { kind: 'parkOrbit', number, name: `Park orbit ${number}` };
  if (number === GROUP_PICKUP) return { kind: 'groupPickup', number, name: 'Group pickup' };
  const directed = DIRECTED_PICKUP.exec(number);
  if (directed) return { kind: 'directedPickup', number, name: `Pickup ${directed[1]!}`, target: directed[1]! };
  const login = QUEUE_LOGIN.exec(number);
  if (login) return { kind: 'queueLogin', number, name: `Queue ${login[2]!} log-${login[1] === '2' ? 'in' : 'out'}`, queue: login[2]!, loggedIn: login[1] === '2', ...(login[3] !== undefined ? { target: login[3] } : {}) };
  return undefined;
}
