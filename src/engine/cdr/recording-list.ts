// Lists recordings for the APIs, oldest first, each with the numbers of the
// call it belongs to (joined from the CDR row by uniqueid; empty while the
// call's row is not yet written).
import type { Store } from '../../store/index.ts';
import type { RecordingInfo, RecordingQuery } from '../../core/pbx-control.ts';

/** The most a single listing returns (seed 003 caps /record at 5,000). */
export const MAX_RECORDINGS = 5000;

export async function listRecordings(store: Store, q: RecordingQuery): Promise<RecordingInfo[]> {
  let query = store.db
    .selectFrom('recordings')
    .leftJoin('cdr', 'cdr.uniqueid', 'recordings.cdrUniqueid')
    .select(['recordings.id', 'recordings.callId', 'recordings.cdrUniqueid', 'recordings.format', 'recordings.startedAt', 'recordings.durationMs', 'recordings.size', 'cdr.src', 'cdr.dst'])
    .where('recordings.revokedAt', 'is', null);
  if (q.from !== undefined) query = query.where('recordings.startedAt', '>=', q.from);
  if (q.to !== undefined) query = query.where('recordings.startedAt', '<=', q.to);
  const rows = await query.orderBy('recordings.startedAt').orderBy('recordings.id').limit(Math.min(q.limit ?? MAX_RECORDINGS, MAX_RECORDINGS)).execute();
  return rows.map((r) => ({
    id: r.id,
    callId: r.callId,
    uniqueid: r.cdrUniqueid,
    src: r.src ?? '',
    dst: r.dst ?? '',
    format: r.format,
    startedAt: r.startedAt,
    durationMs: Number(r.durationMs),
    size: Number(r.size),
  }));
}
