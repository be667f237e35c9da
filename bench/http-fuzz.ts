// bench/http-fuzz: the HTTP fuzzing of test/reliability/http-fuzz.test.ts at
// BENCH_FUZZ_REQUESTS (default 10,000) requests: the generated cases, then the same
// cases again with the key in X-Api-Key and every body cut at a random point (a JSON
// object cut short never parses), until the count is reached. Checks 0 undocumented
// 5xx, every request answered, the process alive and no row of the store changed.
// The ratio is the share of requests without an undocumented 5xx (1.00).
import { record } from './lib.ts';
import { startTestServer } from '../test/helpers/server.ts';
import { fuzzCases, rawRequest, RAW_REQUESTS, sendAll, type FuzzCase } from '../test/reliability/http-fuzz.ts';
import { dumpStore } from '../test/reliability/store-dump.ts';

const TRAFFIC = ['api_keys', 'events', 'devices'];

function truncated(c: FuzzCase, key: string): FuzzCase {
  const headers: Record<string, string> = { ...c.headers, 'x-api-key': key };
  delete headers.authorization;
  if (c.body === undefined || c.body.length < 2) return { ...c, headers };
  const body = Buffer.from(c.body);
  return { ...c, headers, body: body.subarray(0, 1 + Math.floor(Math.random() * (body.length - 1))) };
}

export async function run(opts: { smoke: boolean }): Promise<void> {
  const target = opts.smoke ? 1000 : Number(process.env.BENCH_FUZZ_REQUESTS ?? 10_000);
  const t = await startTestServer({ SWITCHBOARD_LOG_LEVEL: 'fatal' });
  try {
    const base = fuzzCases(t.server.http.routeTable, t.adminKey);
    const cases: FuzzCase[] = [];
    for (let i = 0; cases.length < target; i++) cases.push(i < base.length ? (base[i] as FuzzCase) : truncated(base[i % base.length] as FuzzCase, t.adminKey));
    const before = await dumpStore(t.server.store, TRAFFIC);
    const started = Date.now();
    const r = await sendAll(t.base, cases.slice(0, target));
    const raw = await Promise.all(RAW_REQUESTS.map((b) => rawRequest(t.server.ports.http ?? 0, b)));
    const seconds = (Date.now() - started) / 1000;
    const alive = (await fetch(`${t.base}/healthz`)).status === 200;
    const after = await dumpStore(t.server.store, TRAFFIC);
    const changed = [...before].filter(([k, v]) => after.get(k) !== v).map(([k]) => k);
    const fivexx = [...r.byStatus].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    const statuses = [...r.byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ');
    const summary = `${r.sent} requests over ${new Set(cases.map((c) => c.route)).size} routes/commands in ${seconds.toFixed(1)} s + ${raw.length} raw malformed: ${r.failures.length} undocumented 5xx (${fivexx} 5xx in all), ${r.errors.length} unanswered (${r.retried} retried), ${changed.length} tables changed, process ${alive ? 'alive' : 'DEAD'}; statuses ${statuses}`;
    process.stdout.write(`bench/http-fuzz: ${summary}${opts.smoke ? ' (smoke)' : ''}\n`);
    for (const f of r.failures.slice(0, 20)) process.stdout.write(`  ${f.status} ${f.c.method} ${f.c.path.slice(0, 120)} → ${f.body}\n`);
    if (!opts.smoke) record('http-fuzz', `${process.env.BENCH_FUZZ_REQUESTS ? `BENCH_FUZZ_REQUESTS=${process.env.BENCH_FUZZ_REQUESTS} ` : ''}npm run bench -- http-fuzz`, summary, (r.sent - r.failures.length) / r.sent);
    if (r.failures.length > 0 || r.errors.length > 0 || changed.length > 0 || !alive) throw new Error(`http-fuzz found problems: ${changed.join(', ')}`);
  } finally {
    await t.stop();
  }
}
