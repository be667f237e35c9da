// kill -9 with 20 live SIPp calls, a recorded baresip call, webhooks waiting
// for a receiver that is down and an SMS waiting for an SMSC, on SQLite: after
// the restart every call has its CDR, every event and the SMS are delivered,
// registrations are back and the partial recording plays (crash-scenario.ts).
import { describe, it } from 'node:test';
import { crashScenario } from './crash-scenario.ts';

const CALLS = Number(process.env.CRASH_CALLS ?? 20);

describe('kill -9 recovery on SQLite', () => {
  it(`recovers ${String(CALLS)} SIPp calls, a recording, webhooks and an SMS`, { timeout: 180_000 }, async () => {
    const f = await crashScenario({ calls: CALLS, log: (l) => process.stderr.write(`  ${l}\n`) });
    process.stderr.write(`  sqlite: ${JSON.stringify(f)}\n`);
  });
});
