// kill -9 while PostgreSQL is unreachable (issue 13: nothing accepted is
// lost on a crash). A real `switchboard start` reaches its database through a
// TCP proxy the test cuts. A call between two baresip phones is talking when
// the database goes away and ends during the outage, so its CDR, its
// participants' ends and its `call.ended` wait for the database — and the
// process is killed while they wait. After the restart (database back):
// - the call has exactly one CDR, ANSWERED, with the talk time it really had
//   (past the cut), not the approximation crash recovery makes from the last
//   heartbeat (which stopped at the cut);
// - its `call.ended` and participant ends are in the event log once, with
//   the time they happened, and `call.ended` reaches the webhook receiver;
// - a second call, ringing at the cut, answered during the outage and still
//   up at the kill, is ANSWERED with its talk time up to the kill (its
//   answer and heartbeats could not reach its open-calls row: journalled);
// - the outage journal is empty again.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type ChildSwitchboard } from './child-switchboard.ts';
import { api } from '../helpers/server.ts';
import { eventually } from '../helpers/phones.ts';
import { postgresDatabase, type TestDatabase } from '../helpers/databases.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { Baresip } from '../peers/baresip.ts';
import { freeUdpPort, isTcpPortFree } from '../peers/ports.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sipPortFree(): Promise<number> {
  for (;;) {
    const p = await freeUdpPort();
    if (await isTcpPortFree(p)) return p;
  }
}

describe('kill -9 while PostgreSQL is unreachable', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let dir: string;
  let receiver: WebhookReceiver;
  let sb: ChildSwitchboard | undefined;
  const phones: Baresip[] = [];
  before(async () => {
    db = await postgresDatabase();
    const url = new URL(db.url);
    proxy = await new TcpProxy(url.hostname, Number(url.port || 5432)).start();
    dir = mkdtempSync(join(tmpdir(), 'sb-outage-crash-'));
    receiver = await new WebhookReceiver().start();
  });
  after(async () => {
    await proxy?.restore().catch(() => undefined);
    for (const p of phones) await p.stop();
    await sb?.stop();
    await receiver?.stop();
    await proxy?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the CDR and the events that waited for the database, once, after the restart', { timeout: 150_000 }, async () => {
    const dbUrl = new URL(db.url);
    dbUrl.port = String(proxy.port);
    const dataDir = join(dir, 'data');
    const journal = join(dataDir, 'outage-journal.jsonl');
    const env = {
      SWITCHBOARD_DATABASE_URL: dbUrl.toString(),
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_SIP_PORT: String(await sipPortFree()),
      SWITCHBOARD_LOG_LEVEL: 'warn',
      SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
      SWITCHBOARD_WEBHOOK_BACKOFF: Array(20).fill('1').join(','),
    };
    sb = await startChild(env);
    const key = sb.adminKey ?? '';
    assert.notEqual(key, '');
    const call = (method: string, path: string, body?: unknown) => api((sb as ChildSwitchboard).base, key, method, path, body);
    assert.equal((await call('POST', '/api/v1/webhooks', { url: receiver.url, events: ['call.ended'] })).status, 201);
    const registrar = `127.0.0.1:${String(sb.sipPort)}`;
    for (const [ext, answermode] of [['101', 'manual'], ['102', 'auto'], ['103', 'manual'], ['104', 'manual']] as const) {
      const password = (await call('GET', `/api/v1/extensions/${ext}`)).body.authPassword as string;
      const phone = await Baresip.start({ user: ext, password, registrar, regint: 600, answermode });
      phones.push(phone);
      await phone.waitRegistered(10_000);
    }
    const [p101, p102, p103, p104] = phones as [Baresip, Baresip, Baresip, Baresip];
    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 15_000), p102.waitForType('CALL_ESTABLISHED', 15_000)]);
    await p101.dial(`sip:102@${registrar}`);
    await up;
    const callId = (await eventually(async () => ((await call('GET', '/api/v1/calls')).body as any[])[0]?.id as string | undefined, 8000, 'the call listed')) as string;
    // A second call rings 104 when the database goes away, and is answered during the outage.
    const ringing = p104.waitForType('CALL_INCOMING', 15_000);
    await p103.dial(`sip:104@${registrar}`);
    await ringing;
    await sleep(1000);

    await proxy.cut();
    const cutAt = Date.now();
    const up2 = Promise.all([p103.waitForType('CALL_ESTABLISHED', 15_000), p104.waitForType('CALL_ESTABLISHED', 15_000)]);
    await p104.accept();
    await up2;
    const secondUp = Date.now();
    await sleep(Math.max(0, 4000 - (Date.now() - cutAt)));
    const closed = p102.waitForType('CALL_CLOSED', 8000);
    const hungUpAt = Date.now();
    await p101.hangup();
    await closed;
    // The CDR is on the journal once its first write has failed.
    await eventually(async () => existsSync(journal) && readFileSync(journal, 'utf8').includes('"kind":"cdr"'), 10_000, 'the CDR on the outage journal');
    // Long enough for the second call's heartbeats to go to the journal.
    await sleep(Math.max(0, secondUp + 4500 - Date.now()));
    const killedAt = Date.now();
    await sb.kill9();
    await proxy.restore();
    sb = await startChild(env);
    assert.match(sb.output(), /stored what the previous process held for the database/);

    const cdrs = ((await call('GET', '/api/v1/cdr')).body as any[]).filter((c) => String(c.callId) === callId);
    assert.equal(cdrs.length, 1, 'one CDR for the call');
    const cdr = cdrs[0];
    assert.equal(cdr.disposition, 'ANSWERED');
    const endedAt = Date.parse(cdr.endedAt as string);
    assert.ok(endedAt >= hungUpAt - 200 && endedAt <= killedAt, `ended at ${String(cdr.endedAt)}: the hang-up, during the outage`);
    // Talked ~1 s before the cut and ~4 s during it; the last heartbeat before the cut would give <= 3 s.
    assert.ok(cdr.billsec >= 4, `billsec ${String(cdr.billsec)}: the talk time during the outage counts`);

    // The call answered during the outage and cut by the kill: its answer and heartbeats were journalled.
    const second = ((await call('GET', '/api/v1/cdr')).body as any[]).filter((c) => c.src === '103' && c.dst === '104');
    assert.equal(second.length, 1, 'one CDR for the call answered during the outage');
    assert.equal(second[0].disposition, 'ANSWERED');
    const secondEnd = Date.parse(second[0].endedAt as string);
    assert.ok(secondEnd <= killedAt && secondEnd >= killedAt - 4500, `ended at ${String(second[0].endedAt)}, killed at ${new Date(killedAt).toISOString()}`);
    assert.ok(second[0].billsec >= 2, `billsec ${String(second[0].billsec)}`);

    const events = (await call('GET', '/api/v1/events?since=0&limit=1000')).body.events as any[];
    const ended = events.filter((e) => e.type === 'call.ended' && String(e.payload.call.id) === callId);
    assert.equal(ended.length, 1, 'call.ended once');
    assert.equal(ended[0].payload.cdrUniqueid, cdr.uniqueid);
    assert.equal(Date.parse(ended[0].at as string), endedAt, 'call.ended at the time the call ended');
    const partEnded = events.filter((e) => e.type === 'participant.updated' && String(e.payload.participant.callId) === callId && e.payload.participant.status === 'Ended');
    assert.equal(partEnded.length, 2, 'each participant ended once');
    for (const e of partEnded) {
      const at = Date.parse(e.at as string);
      assert.ok(at >= cutAt && at <= killedAt, `${String(e.at)}: inside the outage`);
    }
    const seqs = events.map((e) => e.seq as number);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.ok(events.indexOf(ended[0]) > events.indexOf(partEnded[1]), 'call.ended after its participants ended');

    await receiver.until((r) => r.some((x) => (JSON.parse(x.body) as any).data?.call?.id === callId), 30_000, 'call.ended at the webhook receiver');
    await sleep(500);
    assert.equal(receiver.received.filter((x) => (JSON.parse(x.body) as any).data?.call?.id === callId).length, 1, 'delivered once');
    assert.equal(readFileSync(journal, 'utf8'), '', 'the journal is empty again');
  });
});
