// bench/webhooks: sustained delivery rate of the durable outbox to a local
// receiver, on SQLite and on PostgreSQL. N events are appended to the event
// log (each one outbox row per subscription, in the event's transaction) as
// fast as the log takes them; the clock stops when the receiver has seen
// every webhook-id. Lost = ids never received. The goal is 500 deliveries/s.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.ts';
import { startServer, createLogger } from '../src/server.ts';
import { pgAdmin, record } from './lib.ts';

const GOAL = 500;
const PG_URL = process.env.SWITCHBOARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const admin = (statement: string): Promise<void> => pgAdmin(PG_URL, statement);

async function one(db: 'sqlite' | 'postgres', events: number, subscriptions: number): Promise<{ rate: number; lost: number; seconds: number; appended: number }> {
  const seen = new Set<string>();
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.add(String(req.headers['webhook-id']));
      res.writeHead(200).end();
      if (seen.size >= events * subscriptions) done();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${String((receiver.address() as AddressInfo).port)}/hook`;
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-wh-'));
  const schema = `sb_bench_${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    SWITCHBOARD_HOST: '127.0.0.1',
    SWITCHBOARD_HTTP_PORT: '0',
    SWITCHBOARD_SIP_PORT: '0',
    SWITCHBOARD_DATA_DIR: dir,
    SWITCHBOARD_LOG_LEVEL: 'warn',
    SWITCHBOARD_DEMO: 'false',
    SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
    // A database of its own, not ?schema=: Kysely's migrator sees lock tables other schemas left behind.
    ...(db === 'postgres' ? { SWITCHBOARD_DATABASE_URL: PG_URL.replace(/\/[^/]*$/, `/${schema}`) } : {}),
  });
  if (db === 'postgres') await admin(`CREATE DATABASE ${schema}`);
  const server = await startServer(config, createLogger(config));
  try {
    for (let s = 0; s < subscriptions; s++) await server.control.webhooks.create({ url, events: ['dtmf'] });
    const started = performance.now();
    for (let i = 0; i < events; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, events - i) }, (_, k) => server.store.events.append('dtmf', { callId: 'bench', participantId: 'bench.1', digit: String((i + k) % 10), durationMs: 100 })));
    }
    const appended = (performance.now() - started) / 1000;
    const timeout = new Promise<void>((r) => setTimeout(r, 120_000).unref());
    await Promise.race([all, timeout]);
    const seconds = (performance.now() - started) / 1000;
    return { rate: seen.size / seconds, lost: events * subscriptions - seen.size, seconds, appended };
  } finally {
    await server.stop();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
    if (db === 'postgres') await admin(`DROP DATABASE IF EXISTS ${schema}`);
  }
}

export async function run(opts: { smoke: boolean }): Promise<void> {
  const events = opts.smoke ? 300 : Number(process.env.BENCH_WEBHOOK_EVENTS ?? 5000);
  const subscriptions = Number(process.env.BENCH_WEBHOOK_SUBSCRIPTIONS ?? 1);
  const parts: string[] = [];
  let worst = Infinity;
  // BENCH_WEBHOOK_DB=postgres: one database only (profiling).
  const only = process.env.BENCH_WEBHOOK_DB;
  for (const db of (['sqlite', 'postgres'] as const).filter((d) => only === undefined || d === only)) {
    const r = await one(db, events, subscriptions);
    parts.push(`${db} ${r.rate.toFixed(0)} deliveries/s (${String(events * subscriptions)} in ${r.seconds.toFixed(1)} s, the events appended in the first ${r.appended.toFixed(1)} s, ${String(r.lost)} lost)`);
    worst = Math.min(worst, r.lost > 0 ? 0 : r.rate);
  }
  const summary = `${String(events)} events × ${String(subscriptions)} subscription(s): ${parts.join('; ')}; goal ${String(GOAL)}/s`;
  process.stdout.write(`bench/webhooks: ${summary}${opts.smoke ? ' (smoke)' : ''}\n`);
  if (!opts.smoke && !process.env.BENCH_NO_RECORD) record('webhooks', 'npm run bench -- webhooks', summary, worst / GOAL);
}
