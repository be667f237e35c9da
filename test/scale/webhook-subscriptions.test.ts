// Scale-out (issue 14): webhook subscriptions changed on node A are used by
// node B at once. Each node keeps the list in memory for the event writer;
// a change is announced over NATS and the others read the list again. Every
// step checks B's API and what B's own events cause at the receiver.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { api, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/phones.ts';
import { postgresDatabase, type TestDatabase } from '../helpers/databases.ts';
import { WebhookReceiver, type Received } from '../helpers/webhook-receiver.ts';
import { clusterName, deleteStream, startNode } from './cluster-harness.ts';

const ENV = { SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true', SWITCHBOARD_WEBHOOK_BACKOFF: '0.2,0.2,0.2' };
/** "At once": B shows the change this soon after A answered (a NATS hop and one query; generous for a loaded machine). */
const AT_ONCE_MS = 1000;

describe('webhook subscriptions across nodes', () => {
  const cluster = clusterName();
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  const receiver = new WebhookReceiver();

  before(async () => {
    db = await postgresDatabase();
    a = await startNode(db, cluster, 'a', true, ENV);
    b = await startNode(db, cluster, 'b', false, ENV);
    await receiver.start();
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
    await receiver.stop();
    await deleteStream(cluster);
    await db?.drop();
  });

  /** Waits for B to show what `check` wants, and says how long it took after A answered. */
  const onB = async <T>(check: () => Promise<T | undefined | false>, what: string): Promise<T> => {
    const t0 = performance.now();
    const v = await eventually(check, AT_ONCE_MS, `node B: ${what}`);
    process.stderr.write(`  node B ${what} after ${(performance.now() - t0).toFixed(0)} ms\n`);
    return v;
  };
  const newKeyOnB = async (label: string): Promise<string> => {
    const r = await api(b.base, b.adminKey, 'POST', '/api/v1/keys', { role: 'read', label });
    assert.equal(r.status, 201);
    return (r.body as { id: string }).id;
  };
  const labelled = (label: string) => (got: Received[]) => got.some((r) => (JSON.parse(r.body) as { data: { label?: string } }).data.label === label);

  it('a subscription made on A is listed by B and receives B\'s events at once, signed with its secret', async () => {
    const res = await api(a.base, a.adminKey, 'POST', '/api/v1/webhooks', { url: receiver.url, events: ['key.created'], description: 'made on A' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const { id, secret } = res.body as { id: number; secret: string };
    const listed = await onB(async () => {
      const r = await api(b.base, b.adminKey, 'GET', `/api/v1/webhooks/${String(id)}`);
      return r.status === 200 ? (r.body as { url: string; events: string[]; description: string; enabled: boolean }) : undefined;
    }, 'lists the new subscription');
    assert.deepEqual({ url: listed.url, events: listed.events, description: listed.description, enabled: listed.enabled }, { url: receiver.url, events: ['key.created'], description: 'made on A', enabled: true });
    await newKeyOnB('b-1');
    await receiver.until(labelled('b-1'), 10_000, 'B\'s key.created');
    const r = receiver.received.find((x) => labelled('b-1')([x])) as Received;
    const headers = { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) };
    const body = new Webhook(secret).verify(r.body, headers) as { type: string; data: { seq: number; label: string } };
    assert.equal(body.type, 'key.created');
    assert.equal(headers['webhook-id'], `msg_${String(body.data.seq)}_${String(id)}`);
  });

  it('a change of events on A changes what B sends; disabling and deleting on A stop B at once', async () => {
    const id = ((await api(a.base, a.adminKey, 'GET', '/api/v1/webhooks')).body as { id: number }[])[0]?.id ?? 0;
    const patched = await api(a.base, a.adminKey, 'PATCH', `/api/v1/webhooks/${String(id)}`, { events: ['key.revoked'] });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await onB(async () => ((await api(b.base, b.adminKey, 'GET', `/api/v1/webhooks/${String(id)}`)).body as { events: string[] }).events[0] === 'key.revoked', 'takes the new event list');
    const key = await newKeyOnB('b-2');
    const revoked = await api(b.base, b.adminKey, 'DELETE', `/api/v1/keys/${key}`);
    assert.equal(revoked.status, 200);
    await receiver.until((got) => got.some((x) => (JSON.parse(x.body) as { type: string; data: { id?: string } }).type === 'key.revoked' && (JSON.parse(x.body) as { data: { id?: string } }).data.id === key), 10_000, 'B\'s key.revoked');
    assert.ok(!labelled('b-2')(receiver.received), 'key.created is no longer sent');

    assert.equal((await api(a.base, a.adminKey, 'PATCH', `/api/v1/webhooks/${String(id)}`, { enabled: false })).status, 200);
    await onB(async () => ((await api(b.base, b.adminKey, 'GET', `/api/v1/webhooks/${String(id)}`)).body as { enabled: boolean }).enabled === false, 'sees it disabled');
    const count = receiver.received.length;
    await api(b.base, b.adminKey, 'DELETE', `/api/v1/keys/${await newKeyOnB('b-3')}`);

    assert.equal((await api(a.base, a.adminKey, 'DELETE', `/api/v1/webhooks/${String(id)}`)).status, 204);
    await onB(async () => (await api(b.base, b.adminKey, 'GET', `/api/v1/webhooks/${String(id)}`)).status === 404, 'sees it deleted');
    await api(b.base, b.adminKey, 'DELETE', `/api/v1/keys/${await newKeyOnB('b-4')}`);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(receiver.received.length, count, 'nothing sent for a disabled or deleted subscription');
  });
});
