// Agent log-in and log-out (seed 000 ext.queue.set / ext.queueglobal.set, the
// native /queues/{n}/agents/{ext}/login): the state lives in the directory —
// the queue's agents list and the extension's queueGlobalLoggedIn — so it
// survives restarts and every API reads the same thing. Written through the
// PbxControl directory collections, so each change is a `directory.changed`
// event, after which the queue service says `queue.agent`.
import { PbxError } from '../../core/errors.ts';
import type { DirectoryCollection } from '../../core/pbx-control.ts';

type Agent = { extension: string; loggedIn: boolean };

/** Logs an agent in to (or out of) one queue; the extension must be one of its agents. */
export async function setQueueLogin(queues: DirectoryCollection, extensions: DirectoryCollection, queue: string, extension: string, loggedIn: boolean): Promise<void> {
  await extensions.get(extension);
  const q = await queues.get(queue);
  const agents = (q.agents as Agent[] | undefined) ?? [];
  if (!agents.some((a) => a.extension === extension)) throw new PbxError('SB_UNPROCESSABLE', `${extension} is not an agent of queue ${queue}`);
  if (agents.every((a) => a.extension !== extension || a.loggedIn === loggedIn)) return;
  await queues.patch(queue, { agents: agents.map((a) => (a.extension === extension ? { ...a, loggedIn } : a)) });
}

/** Logs an extension in to (or out of) every queue it is an agent of, keeping each queue's own log-in. */
export async function setGlobalLogin(extensions: DirectoryCollection, extension: string, loggedIn: boolean): Promise<void> {
  const e = await extensions.get(extension);
  if (e.queueGlobalLoggedIn === loggedIn) return;
  await extensions.patch(extension, { queueGlobalLoggedIn: loggedIn });
}
