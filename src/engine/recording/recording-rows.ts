// The recordings table: one row per finished recording, found by id, by call
// or by its link token.
import type { Store } from '../../store/index.ts';
import type { RecordingQuery } from '../../core/pbx-control.ts';
import type { RecordingFormat, RecordingInfo, RecordingParticipant } from '../../core/recordings.ts';
import { notFound } from '../../core/errors.ts';

export interface NewRecording {
  id: string;
  callId: string;
  cdrUniqueid: string;
  participants: RecordingParticipant[];
  startedAt: string;
  durationMs: number;
  size: number;
  format: RecordingFormat;
  path: string;
  token: string;
}

type Row = NewRecording & { revokedAt: string | null };

export function linkOf(token: string, format: RecordingFormat = 'mp3'): string {
  return `/recordings/${token}.${format}`;
}

function info(r: { id: string; callId: string; cdrUniqueid: string; participants: string; startedAt: string; durationMs: number; size: number; format: string; token: string; revokedAt: string | null; src?: string | null; dst?: string | null }): RecordingInfo {
  return {
    id: r.id,
    callId: r.callId,
    cdrUniqueid: r.cdrUniqueid,
    src: r.src ?? '',
    dst: r.dst ?? '',
    participants: JSON.parse(r.participants) as RecordingParticipant[],
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    size: r.size,
    format: r.format as RecordingFormat,
    link: r.revokedAt === null ? linkOf(r.token, r.format as RecordingFormat) : null,
    revokedAt: r.revokedAt,
  };
}

export class RecordingRows {
  constructor(private readonly store: Store) {}

  async insert(r: NewRecording): Promise<RecordingInfo> {
    const createdAt = new Date().toISOString();
    await this.store.db
      .insertInto('recordings')
      .values({ ...r, participants: JSON.stringify(r.participants), revokedAt: null, createdAt })
      .execute();
    // The CDR row points at its recording (seed 003 /record/{uniqueid} goes the other way).
    if (r.cdrUniqueid !== '') await this.store.db.updateTable('cdr').set({ recordingId: r.id }).where('uniqueid', '=', r.cdrUniqueid).execute();
    return info({ ...r, participants: JSON.stringify(r.participants), revokedAt: null });
  }

  /** Rows with the numbers of their call, joined from the CDR by uniqueid. */
  private withCdr() {
    return this.store.db.selectFrom('recordings').leftJoin('cdr', 'cdr.uniqueid', 'recordings.cdrUniqueid').selectAll('recordings').select(['cdr.src', 'cdr.dst']);
  }

  async list(q: RecordingQuery = {}): Promise<RecordingInfo[]> {
    let query = this.withCdr();
    if (q.callId !== undefined) query = query.where('recordings.callId', '=', q.callId);
    if (q.cdrUniqueid !== undefined) query = query.where('recordings.cdrUniqueid', '=', q.cdrUniqueid);
    if (q.from !== undefined) query = query.where('recordings.startedAt', '>=', q.from);
    if (q.to !== undefined) query = query.where('recordings.startedAt', '<=', q.to);
    const rows = await query.orderBy('recordings.startedAt', 'desc').orderBy('recordings.id').limit(Math.min(q.limit ?? 1000, 10_000)).execute();
    return rows.map(info);
  }

  async get(id: string): Promise<RecordingInfo> {
    const row = await this.withCdr().where('recordings.id', '=', id).executeTakeFirst();
    if (!row) throw notFound('recording', id);
    return info(row);
  }

  async revoke(id: string): Promise<RecordingInfo> {
    const row = await this.store.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('recording', id);
    if (row.revokedAt !== null) return info(row);
    const revokedAt = new Date().toISOString();
    await this.store.db.updateTable('recordings').set({ revokedAt }).where('id', '=', id).execute();
    return info({ ...row, revokedAt });
  }

  /** The newest live (not revoked) row of a call, by CDR uniqueid. */
  async liveByUniqueid(cdrUniqueid: string): Promise<Row | undefined> {
    const row = await this.store.db.selectFrom('recordings').selectAll().where('cdrUniqueid', '=', cdrUniqueid).where('revokedAt', 'is', null).orderBy('startedAt', 'desc').executeTakeFirst();
    if (!row) return undefined;
    return { ...row, participants: JSON.parse(row.participants) as RecordingParticipant[], format: row.format as RecordingFormat };
  }

  /** A live (not revoked) row by its token. */
  async byToken(token: string): Promise<Row | undefined> {
    const row = await this.store.db.selectFrom('recordings').selectAll().where('token', '=', token).where('revokedAt', 'is', null).executeTakeFirst();
    if (!row) return undefined;
    return { ...row, participants: JSON.parse(row.participants) as RecordingParticipant[], format: row.format as RecordingFormat };
  }
}
