// The kill -9 scenario of crash-recovery.test.ts on PostgreSQL: the journal,
// the outbox and the SMS queue live in the server's database, the WAV in the
// data directory.
import { describe, it } from 'node:test';
import { crashScenario } from './crash-scenario.ts';
import { postgresDatabase } from '../helpers/databases.ts';

const CALLS = Number(process.env.CRASH_CALLS ?? 20);

describe('kill -9 recovery on PostgreSQL', () => {
  it(`recovers ${String(CALLS)} SIPp calls, a recording, webhooks and an SMS`, { timeout: 180_000 }, async () => {
    const db = await postgresDatabase();
    try {
      const f = await crashScenario({ calls: CALLS, env: { SWITCHBOARD_DATABASE_URL: db.url }, log: (l) => process.stderr.write(`  ${l}\n`) });
      process.stderr.write(`  postgres: ${JSON.stringify(f)}\n`);
    } finally {
      await db.drop();
    }
  });
});
