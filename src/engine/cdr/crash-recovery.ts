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
// One node per database is assumed (every row is ours); several nodes on one
// PostgreSQL would need a node column and a lease.
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

export async function recoverOpenCalls(store: Store, cdr: CdrWriter, logger: Logger): Promise<RecoveredCall[]> {
  const rows = await store.db.selectFrom('openCalls').selectAll().orderBy('startedAt').execute();
  // Heartbeats that could not reach the database (an outage before the crash) went to the outage journal.
  const journalledAlive = store.journal?.lastAlive();
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
    const written = await cdr.write({
      call,
      disposition,
      endedAt,
      src: row.src,
      srcName: row.srcName,
      dst: row.dst,
      lastApp: 'Dial',
      lastData: `SIP/${row.dst}`,
      alongside: async (tx) => {
        await tx.deleteFrom('openCalls').where('id', '=', row.id).execute();
      },
    });
    await store.events.append('call.ended', { call, disposition, duration: written.duration, billsec: written.billsec, cdrUniqueid: written.uniqueid });
    recovered.push({ callId: row.callId, uniqueid: written.uniqueid, disposition, billsec: written.billsec });
    logger.warn({ call: row.callId, cdr: written.uniqueid, disposition, endedAt: endedIso }, 'call cut by a crash: CDR written at start');
  }
  return recovered;
}
