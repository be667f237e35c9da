// At start, before any new call: what the previous process held for an
// unreachable database and had not seen stored when it died
// (outage-journal.ts). Each write is stored unless the database already has
// it (stored in the moment before the crash): first the events in the order
// they were held; then the open-calls rows of calls that began or were
// answered during the outage (the crash recovery, which runs next, ends
// them); then each CDR, which deletes its call's open-calls row so the
// recovery does not write a second one, followed by its `call.ended`.
import type { Logger } from 'pino';
import type { Store } from './index.ts';
import type { HeldCdr } from './outage-journal.ts';
import type { EventPayloads } from '../core/events.ts';

export interface Replayed {
  events: number;
  cdrs: number;
  openCalls: number;
}

/** `node`: this node's id (migration 019): only its own open-calls rows (and those from before 019) are ended here. */
export async function replayOutageJournal(store: Store, logger: Logger, node = ''): Promise<Replayed> {
  const journal = store.journal;
  const done: Replayed = { events: 0, cdrs: 0, openCalls: 0 };
  if (!journal) return done;
  const pending = journal.pending();
  // Events first: a CDR's `call.ended` is appended only once the CDR is
  // stored, so in a live outage it too follows every event held before.
  for (const { write } of pending) if (write.kind === 'event' && (await store.events.restore(write))) done.events++;
  // Calls live at the crash whose rows could not be written: the crash recovery ends them next.
  for (const { write } of pending) {
    if (write.kind !== 'open-call') continue;
    await store.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('openCalls').where('id', '=', write.row.id).execute();
      await tx.insertInto('openCalls').values(write.row).execute();
    });
    done.openCalls++;
  }
  for (const { write } of pending) {
    if (write.kind !== 'cdr') continue;
    if (await restoreCdr(store, write, node)) done.cdrs++;
    if (write.ended && !(await store.events.has('call.ended', write.ended.at, write.ended.payload))) {
      await store.events.append('call.ended', write.ended.payload as EventPayloads['call.ended'], new Date(write.ended.at));
      done.events++;
    }
  }
  if (pending.length > 0) logger.warn({ held: pending.length, ...done }, 'stored what the previous process held for the database when it stopped');
  journal.empty();
  return done;
}

async function restoreCdr(store: Store, held: HeldCdr, node: string): Promise<boolean> {
  return store.db.transaction().execute(async (tx) => {
    const known = await tx.selectFrom('cdr').select('id').where('uniqueid', '=', held.row.uniqueid).where('callId', '=', held.row.callId).executeTakeFirst();
    if (known) return false;
    await tx.insertInto('cdr').values(held.row).execute();
    // Call ids are numbered per node: another node's row of the same id is a live call of its own.
    await tx.deleteFrom('openCalls').where('callId', '=', held.row.callId).where('node', 'in', [node, '']).execute();
    return true;
  });
}
