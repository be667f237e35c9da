// Reads CDR rows for the APIs, oldest first, in the field names of seed 003
// (Asterisk's CDR) plus our own timestamps.
import type { Store } from '../../store/index.ts';
import type { CdrQuery, CdrRow } from '../../core/pbx-control.ts';

export async function listCdr(store: Store, q: CdrQuery): Promise<CdrRow[]> {
  let query = store.db.selectFrom('cdr').selectAll();
  if (q.from !== undefined) query = query.where('startedAt', '>=', q.from);
  if (q.to !== undefined) query = query.where('startedAt', '<=', q.to);
  const rows = await query.orderBy('startedAt').orderBy('id').limit(Math.min(q.limit ?? 10_000, 10_000)).execute();
  return rows.map((r) => ({
    calldate: r.startedAt,
    clid: r.clid,
    src: r.src,
    dst: r.dst,
    channel: r.channel,
    dstchannel: r.dstChannel,
    lastapp: r.lastApp,
    lastdata: r.lastData,
    duration: r.duration,
    billsec: r.billsec,
    disposition: r.disposition,
    uniqueid: r.uniqueid,
    direction: r.direction,
    did: r.did,
    startedAt: r.startedAt,
    answeredAt: r.answeredAt,
    endedAt: r.endedAt,
    callId: r.callId,
    cost: r.cost === null ? null : Number(r.cost),
    zone: r.zone,
  }));
}
