// Migration 017: a trunk may be located by RFC 3263 (NAPTR and SRV records of
// its host) instead of its host's A record and port. Off for existing trunks.
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- see 001 */
export const migration017 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('trunks').addColumn('dns_srv', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
};
