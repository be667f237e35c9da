// bench/chaos: kill -9 of Switchboard during BENCH_CHAOS_CALLS (default 100) live
// SIPp calls, a recorded baresip call, webhooks waiting for a receiver that is down
// and an SMS waiting for its SMSC; restart on the same data directory; every
// assertion of test/reliability/crash-scenario.ts must hold. Reports the time from
// the kill to the restarted process listening (its recovery done). There is no peer
// to compare with but itself: the same installation stopped cleanly (SIGTERM) and
// started again, with nothing to recover; the ratio is that ÷ the crash restart.
// --smoke: 10 calls. BENCH_CHAOS_DB=postgres runs it on PostgreSQL.
import { record } from './lib.ts';
import { crashScenario } from '../test/reliability/crash-scenario.ts';
import { postgresDatabase, type TestDatabase } from '../test/helpers/databases.ts';

export async function run(opts: { smoke: boolean }): Promise<void> {
  const calls = opts.smoke ? 10 : Number(process.env.BENCH_CHAOS_CALLS ?? 100);
  const db: TestDatabase | undefined = process.env.BENCH_CHAOS_DB === 'postgres' ? await postgresDatabase() : undefined;
  const where = db ? 'postgres' : 'sqlite';
  process.stdout.write(`bench/chaos: kill -9 during ${calls} SIPp calls + 1 recorded baresip call on ${where}${opts.smoke ? ' (smoke)' : ''}\n`);
  try {
    const f = await crashScenario({ calls, ...(db ? { env: { SWITCHBOARD_DATABASE_URL: db.url } } : {}), log: (l) => process.stdout.write(`  ${l}\n`) });
    const summary = `${where}: kill -9 during ${f.calls} talking calls; restart listening ${f.recoveryMs} ms after the kill, ${String(f.recoveryWorkMs ?? '?')} ms of it writing the recovered CDRs/events/recording (clean stop → start: ${f.cleanRestartMs} ms); ${f.cdrs}/${f.calls} CDRs (the talking ones ANSWERED and ended within a heartbeat of the kill, the one ringing FAILED), ${f.webhookEvents} webhook requests after the restart (every call.created/call.ended), SMS delivered, registrations back without REGISTER, recording recovered (${(f.recordingMs / 1000).toFixed(1)} s, the 1 kHz tone)`;
    process.stdout.write(`bench/chaos: ${summary}\n`);
    if (!opts.smoke) record('chaos', `${db ? 'BENCH_CHAOS_DB=postgres ' : ''}npm run bench -- chaos`, summary, f.cleanRestartMs / f.recoveryMs);
  } finally {
    await db?.drop();
  }
}
