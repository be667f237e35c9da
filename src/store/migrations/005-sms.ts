// Migration 005: the SMS queue. A message is a row before its sender hears
// "accepted" (seed 003 sendSMS), and stays one through every retry; each
// SMSC part it was split into gets a row with the SMSC's message_id, which
// is how delivery receipts find their message.
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- see 001 */
export const migration005 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('sms_messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('to', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('test', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('error', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sms_messages_due').on('sms_messages').columns(['status', 'next_attempt_at']).execute();
    await db.schema
      .createTable('sms_parts')
      .addColumn('message_id', 'text', (c) => c.notNull().references('sms_messages.id').onDelete('cascade'))
      .addColumn('part', 'integer', (c) => c.notNull())
      .addColumn('smsc_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sms_parts_pk', ['message_id', 'part'])
      .execute();
    await db.schema.createIndex('sms_parts_smsc_id').on('sms_parts').column('smsc_id').execute();
  },
};
