// Migration 012: a queue's service-level target — the seconds within which
// an answered caller counts as served in time (the wallboard's service level).
// 20 s, the common "80/20" call-centre target, for the queues that exist.
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- see 001 */
export const migration012 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('queues').addColumn('service_level_seconds', 'integer', (c) => c.notNull().defaultTo(20)).execute();
  },
};
