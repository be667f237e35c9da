// Reconciles the open-calls journal at start (migration 003). A row still
// there belongs to a call the previous process carried when it died without
// ending it (kill -9, power loss, OOM): it gets its CDR now, and the event
// log its `call.ended`, so every dialect and webhook that saw the call start
// sees it end. Its phones are long gone from our dialogs (their BYE, if any,
// was answered 481).
//
// - Answered calls are ANSWERED with the talk time up to the last heartbeat
//   (`alive_at`, at most HEARTBEAT_MS before the crash; or the last one the
//   outage journal kept, when the database was unreachable then): Asterisk's
//   CDR of a call cut by a restart counts it the same way.
// - Calls not answered yet are FAILED.
//
// Each row names its node (migration 019): a node starting takes its own rows
// (and those from before the column, node ''); in a cluster a node gone for
// good has its rows taken by another once they are stale (dead-node-calls.ts).
// Two nodes may try one row at once (the dead node restarting while another
// takes its calls over): the row's delete in the CDR's transaction decides,
// and the one that deleted nothing rolls its CDR back.
import type { Logger } from 'pino';
import type { Store } from '../../store/index.ts';
import type { CallInfo, Disposition } from '../../core/calls.ts';
import type { CdrWriter } from './cdr-writer.ts';

export interface RecoveredCall {
  callId: string;
  uniqueid: string;
  disposition: Disposition;
  billsec: number;
}

/** Another process wrote this row's CDR first. */
class AlreadyRecovered extends Error {}

/**
 * The rows of `nodes` (with `staleBefore`: only those whose last heartbeat is
 * older) become CDRs and `call.ended` events.
 */
export async function recoverOpenCalls(store: Store, cdr: CdrWriter, logger: Logger, nodes: readonly string[], staleBefore?: string): Promise<RecoveredCall[]> {
  let query = store.db.selectFrom('openCalls').selectAll().where('node', 'in', [...nodes]);
  if (staleBefore !== undefined) query = query.where('aliveAt', '<', staleBefore);
  const rows = await query.orderBy('startedAt').execute();
  // At start (not for another node's stale rows): heartbeats that could not reach the database (an outage before the crash) went to the outage journal.
  const journalledAlive = staleBefore === undefined ? store.journal?.lastAlive() : undefined;
  const aliveFloor = journalledAlive === undefined ? 0 : Date.parse(journalledAlive);
  const recovered: RecoveredCall[] = [];
  for (const row of rows) {
    const saved = JSON.parse(row.info) as CallInfo;
    const answered = row.answeredAt !== null;
    const disposition: Disposition = answered ? 'ANSWERED' : 'FAILED';
    const endedAt = Math.max(Date.parse(row.aliveAt), aliveFloor, Date.parse(row.answeredAt ?? row.startedAt));
    const endedIso = new Date(endedAt).toISOString();
    const call: CallInfo = {
      ...saved,
      answeredAt: row.answeredAt,
      state: 'Ended',
      participants: saved.participants.map((p) => ({ ...p, status: 'Ended' })),
    };
    const written = await cdr
      .write({
        call,
        disposition,
        endedAt,
        src: row.src,
        srcName: row.srcName,
        dst: row.dst,
        lastApp: 'Dial',
        lastData: `SIP/${row.dst}`,
        alongside: async (tx) => {
          const gone = await tx.deleteFrom('openCalls').where('id', '=', row.id).executeTakeFirst();
          if (Number(gone.numDeletedRows) === 0) throw new AlreadyRecovered();
        },
      })
      .catch((err: unknown) => {
        if (err instanceof AlreadyRecovered) return undefined;
        throw err;
      });
    if (!written) continue;
    await store.events.append('call.ended', { call, disposition, duration: written.duration, billsec: written.billsec, cdrUniqueid: written.uniqueid });
    recovered.push({ callId: row.callId, uniqueid: written.uniqueid, disposition, billsec: written.billsec });
    logger.warn({ call: row.callId, node: row.node, cdr: written.uniqueid, disposition, endedAt: endedIso }, 'call cut by a crash: CDR written');
  }
  return recovered;
}
