// Scale-out (issue 14): two nodes on one PostgreSQL share the webhook outbox
// and the SMS queue. Node A (a real child process) accepts 300 webhook
// deliveries for a receiver that refuses connections, then hangs (so A holds
// leases on rows it is sending), and 20 SMS while the SMSC is down; A is
// killed with SIGKILL; node B joins while A's lease still runs; the receiver
// and the SMSC come up; B delivers every accepted webhook exactly once (A's
// rows not before its lease ran out) and submits every SMS exactly once. Then B and a third node C, both
// bound to the SMSC, take SMS from both APIs at once: each is submitted by
// exactly one node.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { api, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/phones.ts';
import { postgresDatabase, PG_URL, type TestDatabase } from '../helpers/databases.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { startChild, type ChildSwitchboard } from '../reliability/child-switchboard.ts';
import { Smsc } from '../peers/smsc.ts';
import { freeTcpPort } from '../peers/ports.ts';
import { clusterName, deleteStream, nodeEnv, startNode } from './cluster-harness.ts';

const HOOKS = 300;
/** And the admin key the test made on node B at its start (label "test"), a key.created of B's own. */
const TOTAL = HOOKS + 1;
const SMS_WHILE_DOWN = 20;
const SMS_PER_NODE = 30;

/** Accepts TCP connections and never answers: a receiver that hangs. */
async function blackHole(port: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function sendSms(base: string, key: string, to: string, body: string): Promise<void> {
  const res = await fetch(`${base}/sendSMS`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ to, body }).toString() });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { responseStatus: string }).responseStatus, 'QUEUE');
}

describe('two nodes share the webhook outbox and the SMS queue', () => {
  const cluster = clusterName();
  let db: TestDatabase;
  let sql: pg.Client;
  let dir: string;
  let hookPort: number;
  let smppPort: number;
  let a: ChildSwitchboard | undefined;
  let b: TestServer | undefined;
  let c: TestServer | undefined;
  let receiver: WebhookReceiver | undefined;
  let smsc: Smsc | undefined;
  let secret = '';
  let subscriptionId = 0;
  const shared = (): Record<string, string> => ({
    SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
    // Retried every second, then every 3 s: about a minute before a row gives up.
    SWITCHBOARD_WEBHOOK_BACKOFF: [...Array(5).fill('1'), ...Array(15).fill('3')].join(','),
    SWITCHBOARD_SMPP_URL: `smpp://sb:s3cret@127.0.0.1:${String(smppPort)}`,
  });

  before(async () => {
    db = await postgresDatabase();
    sql = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${new URL(db.url).searchParams.get('schema') ?? ''}` });
    dir = mkdtempSync(join(tmpdir(), 'sb-failover-'));
    hookPort = await freeTcpPort();
    smppPort = await freeTcpPort();
    // A holds the rows it sends for 12 s and waits up to 60 s for an answer: killed mid-attempt, its rows are leased.
    a = await startChild({ ...nodeEnv(db, cluster, 'a', true), ...shared(), SWITCHBOARD_DATA_DIR: join(dir, 'a'), SWITCHBOARD_WEBHOOK_LEASE_SECONDS: '12', SWITCHBOARD_WEBHOOK_TIMEOUT_MS: '60000' });
    await sql.connect();
    const sub = await api(a.base, a.adminKey, 'POST', '/api/v1/webhooks', { url: `http://127.0.0.1:${String(hookPort)}/hook`, events: ['key.created'] });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    ({ id: subscriptionId, secret } = sub.body as { id: number; secret: string });
  });
  after(async () => {
    await a?.kill9();
    await b?.stop();
    await c?.stop();
    await receiver?.stop();
    await smsc?.stop();
    await sql?.end();
    await deleteStream(cluster);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('node A dies holding leases: node B delivers every accepted webhook exactly once, and every SMS A accepted', { timeout: 240_000 }, async () => {
    const nodeA = a as ChildSwitchboard;
    // The receiver refuses: A accepts the deliveries (each a key.created event of A's).
    for (let i = 0; i < HOOKS; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, async (_, k) => {
          const r = await api(nodeA.base, nodeA.adminKey, 'POST', '/api/v1/keys', { role: 'read', label: `k${String(i + k)}` });
          assert.equal(r.status, 201);
        }),
      );
    }
    for (let i = 0; i < SMS_WHILE_DOWN; i++) await sendSms(nodeA.base, nodeA.adminKey ?? '', String(600100000 + i), `down ${String(i)}`);
    const rows = await sql.query<{ n: number }>(`select count(*)::int as n from webhook_outbox where subscription_id = $1 and status = 'pending'`, [subscriptionId]);
    assert.equal(rows.rows[0]?.n, HOOKS, 'every delivery accepted is in the outbox, pending');

    // Now it hangs: A's next attempt holds its rows until A dies.
    const hole = await blackHole(hookPort);
    const owner = `%:${String(nodeA.child.pid)}:%`;
    const leasedByA = await eventually(async () => {
      const r = await sql.query<{ id: number }>(`select id from webhook_outbox where status = 'pending' and lease_owner like $1 and lease_until > $2`, [owner, new Date().toISOString()]);
      return r.rows.length > 0 ? r.rows.map((x) => x.id) : undefined;
    }, 20_000, 'rows leased by node A while its attempt hangs');
    await nodeA.kill9();
    const leaseEnd = Math.max(...(await sql.query<{ until: string }>(`select lease_until as until from webhook_outbox where id = any($1)`, [leasedByA])).rows.map((r) => new Date(r.until).getTime()));
    // Node B joins now, while A's lease still runs (a node of the cluster that outlives A).
    b = await startNode(db, cluster, 'b', false, { ...shared(), SWITCHBOARD_WEBHOOK_TIMEOUT_MS: '3000' });
    const nodeB = b;

    // The receiver and the SMSC come up.
    await hole.close();
    receiver = await new WebhookReceiver().start(hookPort);
    smsc = new Smsc({ systemId: 'sb', password: 's3cret', receiptFor: () => 'DELIVRD' });
    await smsc.start(smppPort);

    const labels = (): string[] => receiver?.received.map((r) => (JSON.parse(r.body) as { data: { label: string } }).data.label) ?? [];
    await receiver.until((got) => new Set(got.map((r) => String(r.headers['webhook-id']))).size >= TOTAL, 120_000, `${String(TOTAL)} distinct webhooks`);
    await eventually(async () => (await sql.query<{ n: number }>(`select count(*)::int as n from webhook_outbox where status <> 'delivered'`)).rows[0]?.n === 0, 20_000, 'every outbox row marked delivered');
    // Anything sent twice would have arrived by now (retries are at most 3 s apart).
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(receiver.received.length, TOTAL, `exactly ${String(TOTAL)} requests, no duplicate`);
    assert.deepEqual(labels().sort(), [...Array.from({ length: HOOKS }, (_, i) => `k${String(i)}`), 'test'].sort(), 'each accepted delivery once');
    for (const r of receiver.received) {
      const headers = { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) };
      const body = new Webhook(secret).verify(r.body, headers) as { type: string; data: { seq: number; label: string; role: string } };
      assert.equal(body.type, 'key.created');
      assert.equal(body.data.role, body.data.label === 'test' ? 'admin' : 'read');
      assert.equal(headers['webhook-id'], `msg_${String(body.data.seq)}_${String(subscriptionId)}`);
    }
    const a2 = await sql.query<{ status: string; attempts: number }>(`select status, attempts from webhook_outbox where id = any($1)`, [leasedByA]);
    assert.ok(a2.rows.every((r) => r.status === 'delivered'), 'the rows A held when it died were delivered (by B, after the lease ran out)');
    const heldIds = new Set((await sql.query<{ messageId: string }>(`select message_id as "messageId" from webhook_outbox where id = any($1)`, [leasedByA])).rows.map((r) => r.messageId));
    const heldArrivals = receiver.received.filter((r) => heldIds.has(String(r.headers['webhook-id']))).map((r) => r.at);
    assert.equal(heldArrivals.length, leasedByA.length, 'each row A held arrived once');
    assert.ok(Math.min(...heldArrivals) >= leaseEnd - 50, 'the rows A held were not sent again before its lease ran out');
    assert.equal(nodeB.server.webhooks.deliverer.delivered, TOTAL, 'node B delivered them all');

    // SMS: every one A accepted, submitted once, by B.
    await eventually(async () => smsc?.submitted.length === SMS_WHILE_DOWN || undefined, 30_000, 'the SMS A accepted, at the SMSC');
    await new Promise((r) => setTimeout(r, 1000));
    const dests = smsc.submitted.map((s) => s.destination).sort();
    assert.deepEqual(dests, Array.from({ length: SMS_WHILE_DOWN }, (_, i) => `48${String(600100000 + i)}`).sort(), 'each SMS submitted exactly once');
    await eventually(async () => (await sql.query<{ n: number }>(`select count(*)::int as n from sms_messages where status <> 'DELIVERED'`)).rows[0]?.n === 0, 20_000, 'every SMS DELIVERED');
  });

  it('two live nodes take SMS from both APIs at once: each message is submitted by exactly one node', { timeout: 120_000 }, async () => {
    const nodeB = b as TestServer;
    c = await startNode(db, cluster, 'c', false, shared());
    const nodeC = c;
    const before = smsc?.submitted.length ?? 0;
    // Both bound: each node's own queue runner and its 5 s sweep race for every row.
    await eventually(async () => (smsc?.binds.filter((x) => x.ok).length ?? 0) >= 2, 20_000, 'B and C bound to the SMSC');
    await Promise.all(
      Array.from({ length: SMS_PER_NODE }, async (_, i) => {
        await sendSms(nodeB.base, nodeB.adminKey, String(600200000 + i), `from b ${String(i)}`);
        await sendSms(nodeC.base, nodeC.adminKey, String(600300000 + i), `from c ${String(i)}`);
      }),
    );
    await eventually(async () => (smsc?.submitted.length ?? 0) - before >= 2 * SMS_PER_NODE || undefined, 30_000, 'every SMS at the SMSC');
    await new Promise((r) => setTimeout(r, 6000));
    const dests = (smsc?.submitted ?? []).slice(before).map((s) => s.destination);
    assert.equal(dests.length, 2 * SMS_PER_NODE, 'no message submitted twice');
    assert.equal(new Set(dests).size, 2 * SMS_PER_NODE);
    await eventually(async () => (await sql.query<{ n: number }>(`select count(*)::int as n from sms_messages where status <> 'DELIVERED' or lease_owner <> ''`)).rows[0]?.n === 0, 20_000, 'every SMS DELIVERED, no lease left');
  });
});
