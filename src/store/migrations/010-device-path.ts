// Migration 010: the Path (RFC 3327) a REGISTER arrived with, kept with its
// binding so requests to that phone go back through the same proxy (the
// Kamailio front of a cluster). A JSON array of the Path header values, in
// order; '[]' for a phone registered directly.
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- see 001 */
export const migration010 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('devices').addColumn('path', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  },
};
