// PostgreSQL unreachable for 10 s under a live call (issue 13): Switchboard
// reaches its database through a TCP proxy the test cuts (every connection
// reset, new ones refused) and restores. While it is cut:
// - the call between two baresip phones goes on with audio both ways, and
//   ends normally when 101 hangs up (the BYE is not held up by the database);
// - API reads that need the database answer 503 SB_STORE_UNAVAILABLE with
//   Retry-After (never a 500); live views from memory (/api/v1/calls,
//   /metrics) still answer a key verified before the outage;
// - /metrics says the store is unavailable and how many events wait.
// When it is back, the call's CDR and the events of the outage (participants
// ended, call.ended) are stored, in order, with the time they happened.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { postgresDatabase, type TestDatabase } from '../helpers/databases.ts';
import { tonePhones, eventually, audioFlowsBothWays } from '../helpers/phones.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import type { Baresip } from '../peers/baresip.ts';

const OUTAGE_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

describe('PostgreSQL unreachable during a call', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestServer;
  let dir: string;
  let phones: Record<string, Baresip> = {};
  before(async () => {
    db = await postgresDatabase();
    const url = new URL(db.url);
    proxy = await new TcpProxy(url.hostname, Number(url.port || 5432)).start();
    url.port = String(proxy.port);
    t = await startTestServer({ SWITCHBOARD_DATABASE_URL: url.toString() });
    dir = mkdtempSync(join(tmpdir(), 'sb-pg-outage-'));
    phones = await tonePhones(t, { '101': 500, '102': 1000 }, dir);
  });
  after(async () => {
    // Restored first (a failed assertion may leave it cut): the phones unregister on stop.
    await proxy?.restore().catch(() => undefined);
    for (const p of Object.values(phones)) await p.stop();
    await t?.stop();
    await proxy?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the call and its audio, answers 503, and stores the CDR and events when the database is back', { timeout: 120_000 }, async () => {
    const up = Promise.all([phones['101']!.waitForType('CALL_ESTABLISHED', 15_000), phones['102']!.waitForType('CALL_ESTABLISHED', 15_000)]);
    await phones['101']!.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await up;
    const calls = (await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as any[];
    assert.equal(calls.length, 1);
    const callId = calls[0].id as string;
    await audioFlowsBothWays(t, callId, 'audio both ways before the outage');
    const seqBefore = (await api(t.base, t.adminKey, 'GET', '/api/v1/events?limit=1')).body.lastSeq as number;
    assert.ok(seqBefore > 0);
    // A key that has not been seen before the outage cannot be checked during it.
    const unseen = (await api(t.base, t.adminKey, 'POST', '/api/v1/keys', { role: 'read', label: 'unseen' })).body.key as string;

    await proxy.cut();
    const cutAt = Date.now();

    // Reads that need the database: a clear 503, with the catalogue's code and a Retry-After.
    for (const path of ['/api/v1/cdr', '/api/v1/extensions/101', '/api/v1/events?since=0']) {
      const r = await api(t.base, t.adminKey, 'GET', path);
      assert.equal(r.status, 503, `${path} during the outage: ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'SB_STORE_UNAVAILABLE', path);
      assert.match(r.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(r.headers.get('retry-after'), '5');
    }
    const refused = await api(t.base, unseen, 'GET', '/api/v1/calls');
    assert.equal(refused.status, 503, `a key never verified cannot be let in: ${refused.status}`);
    assert.equal((await api(t.base, undefined, 'GET', '/readyz')).status, 503);

    // What lives in memory still answers a key verified before the outage.
    const live = await api(t.base, t.adminKey, 'GET', '/api/v1/calls');
    assert.equal(live.status, 200);
    assert.equal(live.body[0]?.id, callId);
    await audioFlowsBothWays(t, callId, 'audio both ways during the outage');

    // 101 hangs up during the outage: both phones see the call end at once.
    await sleep(3000);
    const closed = Promise.all([phones['101']!.waitForType('CALL_CLOSED', 8000), phones['102']!.waitForType('CALL_CLOSED', 8000)]);
    const hungUpAt = Date.now();
    await phones['101']!.hangup();
    await closed;
    assert.ok(Date.now() - hungUpAt < 5000, `the hang-up took ${String(Date.now() - hungUpAt)} ms`);
    assert.ok(Date.now() - cutAt < OUTAGE_MS, 'the call ended while the database was still cut');

    // The hang-up's events are appended as its BYEs are handled: on a loaded machine a moment after the phones close.
    const text = await eventually(async () => {
      const metrics = await fetch(`${t.base}/metrics`, { headers: { authorization: `Bearer ${t.adminKey}` } });
      assert.equal(metrics.status, 200);
      const body = await metrics.text();
      return metric(body, 'switchboard_events_waiting') >= 2 ? body : undefined;
    }, 3000, 'at least two events waiting for the database');
    assert.equal(metric(text, 'switchboard_store_available'), 0);
    assert.ok(metric(text, 'switchboard_store_unavailable_seconds') > 1);

    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - cutAt)));
    const restoredAt = Date.now();
    await proxy.restore();

    // The CDR of the call that ended during the outage.
    const cdr = await eventually(async () => {
      const r = await api(t.base, t.adminKey, 'GET', '/api/v1/cdr');
      return r.status === 200 ? (r.body as any[]).find((c) => c.src === '101' && c.dst === '102') : undefined;
    }, 30_000, 'the CDR after the database is back');
    assert.equal(cdr.disposition, 'ANSWERED');
    assert.ok(cdr.billsec >= 3, `billsec ${String(cdr.billsec)}`);

    // The events of the outage, in order, with the time they happened.
    const events = await eventually(async () => {
      const r = await api(t.base, t.adminKey, 'GET', `/api/v1/events?since=${String(seqBefore)}&limit=1000`);
      const list = r.status === 200 ? (r.body.events as any[]) : [];
      return list.some((e) => e.type === 'call.ended' && e.payload.call.id === callId) ? list : undefined;
    }, 30_000, 'call.ended after the database is back');
    const seqs = events.map((e) => e.seq as number);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    const ended = events.find((e) => e.type === 'call.ended');
    assert.equal(ended.payload.cdrUniqueid, cdr.uniqueid);
    assert.equal(ended.payload.disposition, 'ANSWERED');
    const endedParticipants = events.filter((e) => e.type === 'participant.updated' && e.payload.participant.callId === callId && e.payload.participant.status === 'Ended');
    assert.ok(endedParticipants.length >= 2, `participants ended: ${String(endedParticipants.length)}`);
    for (const e of [...endedParticipants, ended]) {
      const at = Date.parse(e.at as string);
      assert.ok(at >= cutAt && at < restoredAt, `${e.type as string} at ${e.at as string}: the time it happened, inside the outage`);
    }
    assert.ok(events.indexOf(ended) > events.indexOf(endedParticipants[0]), 'call.ended after its participants ended');

    const after = await (await fetch(`${t.base}/metrics`, { headers: { authorization: `Bearer ${t.adminKey}` } })).text();
    assert.equal(metric(after, 'switchboard_store_available'), 1);
    assert.equal(metric(after, 'switchboard_events_waiting'), 0);
    assert.equal((await api(t.base, undefined, 'GET', '/readyz')).status, 200);
    // The key never seen before works now that it can be checked.
    assert.equal((await api(t.base, unseen, 'GET', '/api/v1/calls')).status, 200);
  });
});
