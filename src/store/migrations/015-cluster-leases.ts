// Migration 015: what several nodes on one database need to share work
// without doing it twice (issue 14). SMS messages get a lease like the
// webhook outbox's (the node sending a message holds it; a dead node's lease
// runs out and another node takes the message), and each ACD queue gets one
// owner node, held by a renewed lease (src/engine/cluster/queue-ownership.ts).
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- see 001 */
export const migration015 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('sms_messages').addColumn('lease_owner', 'text', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.alterTable('sms_messages').addColumn('lease_until', 'text').execute();
    await db.schema
      .createTable('queue_owners')
      .addColumn('queue', 'text', (c) => c.primaryKey())
      .addColumn('node', 'text', (c) => c.notNull())
      .addColumn('lease_until', 'text', (c) => c.notNull())
      .execute();
  },
};
