// Migration 019: which node carries each open call (issue 14). With several
// nodes on one database, crash recovery at start must take only the calls of
// the node that starts (the others' are live), and the heartbeat of a node
// touches only its own rows; a node gone for good has its rows taken over by
// another once their heartbeat is stale (src/engine/cdr/crash-recovery.ts).
// Rows written before this migration have node '' and are taken by whichever
// node starts next, as one node always took them.
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- see 001 */
export const migration019 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('open_calls').addColumn('node', 'text', (c) => c.notNull().defaultTo('')).execute();
  },
};
