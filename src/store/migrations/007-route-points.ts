// Migration 007: route points (src/core/directory/route-point.ts), a number of
// the shared dial plan like extensions, ring groups, queues and IVRs.
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- see 001 */
export const migration007 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('route_points')
      .addColumn('number', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('no_app_timeout', 'integer', (c) => c.notNull().defaultTo(30))
      .addColumn('fallback_type', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('fallback_number', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};
