// Every HTTP route of every dialect (Fastify's route table with its schemas,
// and each TCXWebAPI command) against schema violations and garbage
// (http-fuzz.ts), with an admin key so the requests get past authentication
// to the parsers and validators: no 5xx except the two the seeds document,
// every request answered, the process alive, and not one row of the store
// changed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fuzzCases, rawRequest, RAW_REQUESTS, sendAll } from './http-fuzz.ts';
import { dumpStore } from './store-dump.ts';

// Tables of traffic, not state: the keys' last use, the event log (fuzzing appends none, but a
// registration from another test's phone could), the registered devices.
const TRAFFIC = ['api_keys', 'events', 'devices'];

describe('HTTP fuzzing', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t?.stop());

  it('thousands of malformed requests over every route: 0 undocumented 5xx, all answered, nothing changed', { timeout: 120_000 }, async () => {
    const before = await dumpStore(t.server.store, TRAFFIC);
    const cases = fuzzCases(t.server.http.routeTable, t.adminKey);
    assert.ok(cases.length >= 2000, `only ${cases.length} cases`);
    const started = Date.now();
    const r = await sendAll(t.base, cases);
    const raw = await Promise.all(RAW_REQUESTS.map((b) => rawRequest(t.server.ports.http ?? 0, b)));
    const statuses = [...r.byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ');
    process.stderr.write(`  ${r.sent} requests (${r.retried} retried) in ${Date.now() - started} ms: ${statuses}; raw: ${raw.map((l) => l.split(' ')[1] ?? 'closed').join(' ')}\n`);
    assert.deepEqual(r.failures.map((f) => `${f.status} ${f.c.method} ${f.c.path.slice(0, 120)} [${f.c.headers['content-type'] ?? ''}] → ${f.body}`), []);
    assert.deepEqual(r.errors.map((e) => `${e.c.method} ${e.c.path.slice(0, 120)}: ${e.error}`), []);
    for (const line of raw) assert.doesNotMatch(line, /^HTTP\/1\.1 5/, `raw request answered ${line}`);
    const health = await fetch(`${t.base}/healthz`);
    assert.equal(health.status, 200, 'alive');
    const after = await dumpStore(t.server.store, TRAFFIC);
    assert.deepEqual([...before].filter(([table, rows]) => after.get(table) !== rows).map(([table, rows]) => `${table}: ${rows.slice(0, 300)} → ${(after.get(table) ?? '').slice(0, 300)}`), [], 'tables changed');
    assert.deepEqual([...after.keys()], [...before.keys()]);
  });

  // Found by the fuzzing: busboy's errors carry no status and came out as 500 server_error.
  it('POST /connect/token with a truncated or boundary-less multipart body is 400 invalid_request', async () => {
    for (const [type, body] of [
      ['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--xy'],
      ['multipart/form-data', 'no boundary'],
    ] as const) {
      const res = await fetch(`${t.base}/connect/token`, { method: 'POST', headers: { 'content-type': type }, body });
      assert.equal(res.status, 400, type);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_request');
    }
  });
});
