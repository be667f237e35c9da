// Migration 018: when the owner was told of a voicemail message by e-mail
// (seed 000 vmemail). Null: not yet — after a crash or an SMTP outage the
// message is mailed on the next start or retry; the row is the outbox.
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- see 001 */
export const migration018 = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('voicemail_messages').addColumn('notified_at', 'text').execute();
  },
};
