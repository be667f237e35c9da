// Queue log-in and log-out from a phone: *62<queue> logs the caller in to
// that queue, *63<queue> out; a manager of the queue adds *<agent> to log
// another agent in or out (*63850*103). Who may: src/core/queue-managers.ts,
// as for extension-bound API keys. Refused before the PBX answers, so the
// phone shows why: not a manager 403, no such queue 404, not one of its
// agents 480; done: the PBX answers, says so, and hangs up.
import { PbxError } from '../../core/errors.ts';
import { requireQueueRight, type ManagedQueue } from '../../core/queue-managers.ts';
import type { Call } from '../b2bua/call.ts';
import type { Store } from '../../store/index.ts';
import { playPrompt } from './prompt-player.ts';

export type QueueLoginWriter = (queue: string, agent: string, loggedIn: boolean) => Promise<void>;

export interface QueueLoginDeps {
  queue(number: string): Promise<ManagedQueue | undefined>;
  /** Writes the log-in (as the API does: directory.changed, then queue.agent). */
  setLogin: QueueLoginWriter;
  say(text: string): Promise<Int16Array>;
}

/** The deps from the store, with the writer the server sets once PbxControl exists. */
export function queueLoginDeps(store: Store, say: (text: string) => Promise<Int16Array>, writer: () => QueueLoginWriter | undefined): QueueLoginDeps {
  return {
    queue: async (n) => {
      const q = await store.queues.get(n).catch((err: unknown) => (err instanceof PbxError && err.code === 'SB_NOT_FOUND' ? undefined : Promise.reject(err)));
      return q ? { number: n, managers: (q.managers as string[] | undefined) ?? [] } : undefined;
    },
    setLogin: (q, agent, on) => writer()?.(q, agent, on) ?? Promise.reject(new PbxError('SB_NOT_READY', 'queue log-in is not wired')),
    say,
  };
}

const spell = (n: string): string => n.split('').join(' ');

export async function queueLoginCode(call: Call, code: { queue: string; loggedIn: boolean; target?: string | undefined }, deps: QueueLoginDeps): Promise<void> {
  const caller = call.participant(call.info().owner);
  if (caller?.dnType !== 'Extension') return call.fail(403, 'FAILED');
  const agent = code.target ?? caller.dn;
  const queue = await deps.queue(code.queue);
  if (!queue) return call.fail(404, 'FAILED');
  try {
    requireQueueRight(queue, caller.dn, { kind: 'login', agent });
    await deps.setLogin(code.queue, agent, code.loggedIn);
  } catch (err) {
    if (err instanceof PbxError) return call.fail(err.status === 403 || err.status === 404 ? err.status : 480, 'FAILED');
    throw err;
  }
  if (!(await call.answerByPbx())) return;
  await playPrompt(call, await deps.say(`Agent ${spell(agent)} logged ${code.loggedIn ? 'in to' : 'out of'} queue ${spell(code.queue)}.`), false);
  if (!call.isEnded) call.hangup('api');
}
