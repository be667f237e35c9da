// Migration 002: one counter bumped by every directory write, in the same
// transaction. Readers compare it to validate their cache, which stays right
// when another process (the CLI, another node) changes the directory.
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- see 001 */
export const migration002 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('directory_version')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.insertInto('directory_version').values({ id: 1, version: 0 }).execute();
  },
};
