// Migration 011: voicemail messages. The audio is a WAV file in the data
// directory (`file`, relative to it); the row is written once the message is
// complete, so a listed message always has its file.
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- see 001 */
export const migration011 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('voicemail_messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('extension', 'text', (c) => c.notNull())
      .addColumn('caller_number', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('caller_name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('call_id', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('file', 'text', (c) => c.notNull())
      .addColumn('heard', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('voicemail_messages_extension').on('voicemail_messages').columns(['extension', 'created_at']).execute();
  },
};
