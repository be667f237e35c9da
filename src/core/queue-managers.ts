// A queue's managers (seed 000 queue.managers): the extensions that may see
// the queue's live status and log its agents in and out. An agent may log
// itself in and out; no other extension may do either. The acting extension
// is the one a key is bound to (`keys create --extension`); a key bound to
// no extension is an operator's and keeps every right.
import { PbxError } from './errors.ts';

export interface ManagedQueue {
  number: string;
  managers: string[];
}

export type QueueAction = { kind: 'see' } | { kind: 'login'; agent: string };

export function mayAct(queue: ManagedQueue, actor: string | null | undefined, action: QueueAction): boolean {
  if (actor === null || actor === undefined) return true;
  if (queue.managers.includes(actor)) return true;
  return action.kind === 'login' && action.agent === actor;
}

/** 403 unless `actor` may do `action` on `queue`. */
export function requireQueueRight(queue: ManagedQueue, actor: string | null | undefined, action: QueueAction): void {
  if (mayAct(queue, actor, action)) return;
  const what = action.kind === 'see' ? 'see queue' : `log ${action.agent} in or out of queue`;
  throw new PbxError('SB_FORBIDDEN', `extension ${String(actor)} may not ${what} ${queue.number}: it is not one of its managers`);
}

/** A queue-wide log-in (all of an extension's queues at once): only the extension itself, or an operator. */
export function requireOwnGlobalLogin(actor: string | null | undefined, extension: string): void {
  if (actor === null || actor === undefined || actor === extension) return;
  throw new PbxError('SB_FORBIDDEN', `extension ${actor} may not log ${extension} in or out of all its queues`);
}
