// Migration 020: call ids that never repeat (issues 13 and 14). Calls were
// numbered from 1 at each start of each node, so a restart reused ids already
// in CDRs, webhooks and clients' logs, and two nodes of one database could
// both have a live call "5". One counter row, shared by every node, hands out
// blocks of ids (src/engine/b2bua/call-ids.ts). It starts at 1: ids written
// before this migration may repeat once, as they already repeated among
// themselves.
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- see 001 */
export const migration020 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('call_id_counter')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      // The first id of the next block not yet leased. bigint: ids outlive int32 on a busy cluster.
      .addColumn('next_id', 'bigint', (c) => c.notNull())
      .execute();
    await db.insertInto('call_id_counter').values({ id: 1, next_id: 1 }).execute();
  },
};
