// Migration 003: what a crash (kill -9, power loss) must not lose. The CDR of
// a call is written when the call ends, so a process that dies mid-call used
// to leave no trace of the calls it carried; a recording's row is written once
// it is converted, so a recording in progress was a WAV file nobody knew of.
// `open_calls` is a journal row per live call (written at its start, updated at
// its answer, touched by a heartbeat, deleted with the CDR insert);
// `open_recordings` a row per recording in progress. Both are reconciled at
// the next start (src/engine/cdr/crash-recovery.ts).
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- see 001 */
export const migration003 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('open_calls')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('call_id', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('answered_at', 'text')
      .addColumn('src', 'text', (c) => c.notNull())
      .addColumn('src_name', 'text', (c) => c.notNull())
      .addColumn('dst', 'text', (c) => c.notNull())
      .addColumn('info', 'text', (c) => c.notNull())
      .addColumn('alive_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('open_recordings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('call_id', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('channels', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('participants', 'text', (c) => c.notNull())
      .execute();
  },
};
