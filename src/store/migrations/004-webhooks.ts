// Migration 004: what the webhook deliverer needs beyond 001's outbox: a
// stable message id per delivery (receivers de-duplicate on it), the last
// attempt's status code and latency (the delivery log), the event it came
// from (replay), and a description of each subscription.
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- see 001 */
export const migration004 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('webhook_outbox').addColumn('message_id', 'text', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.alterTable('webhook_outbox').addColumn('event_seq', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('webhook_outbox').addColumn('last_status', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('webhook_outbox').addColumn('last_latency_ms', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('webhook_subscriptions').addColumn('description', 'text', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.createIndex('webhook_outbox_subscription').on('webhook_outbox').columns(['subscription_id', 'id']).execute();
  },
};
