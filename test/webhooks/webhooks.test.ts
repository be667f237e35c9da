// Generic webhooks end to end: a real receiver on 127.0.0.1, deliveries
// verified with the `standardwebhooks` package (an independent
// implementation of the signature scheme), retries after 500s, 410 Gone,
// delivery after a restart, and the API's refusals.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { WebhookReceiver, type Received } from '../helpers/webhook-receiver.ts';
import { eventually } from '../helpers/phones.ts';

const ENV = { SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true', SWITCHBOARD_WEBHOOK_BACKOFF: '0.2,0.2,0.2,0.2,0.2', SWITCHBOARD_WEBHOOK_TIMEOUT_MS: '2000' };

function verified(secret: string, r: Received): { type: string; timestamp: string; data: Record<string, unknown> } {
  const headers = { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) };
  return new Webhook(secret).verify(r.body, headers) as { type: string; timestamp: string; data: Record<string, unknown> };
}

async function subscribe(t: TestServer, url: string, events: string[]): Promise<{ id: number; secret: string }> {
  const res = await api(t.base, t.adminKey, 'POST', '/api/v1/webhooks', { url, events, description: 'test' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: number; secret: string };
}

async function addExtension(t: TestServer, number: string): Promise<void> {
  const res = await api(t.base, t.adminKey, 'POST', '/api/v1/extensions', { number, firstName: `E${number}` });
  assert.equal(res.status, 201, JSON.stringify(res.body));
}

describe('generic webhooks', () => {
  let t: TestServer;
  const receiver = new WebhookReceiver();
  before(async () => {
    await receiver.start();
    t = await startTestServer(ENV);
  });
  after(async () => {
    await t.stop();
    await receiver.stop();
  });

  it('delivers a matching event once, signed, with the Standard Webhooks envelope', async () => {
    const sub = await subscribe(t, receiver.url, ['directory.*']);
    assert.match(sub.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    const listed = await api(t.base, t.adminKey, 'GET', '/api/v1/webhooks');
    assert.equal(listed.body.length, 1);
    assert.equal(listed.body[0].secret, undefined, 'the secret is shown at creation only');
    const before = receiver.received.length;
    await addExtension(t, '140');
    await receiver.until((r) => r.length > before);
    const r = receiver.received[before] as Received;
    assert.equal(r.method, 'POST');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.match(String(r.headers['webhook-id']), /^msg_\d+_\d+$/);
    assert.ok(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000) < 10);
    const msg = verified(sub.secret, r);
    assert.equal(msg.type, 'directory.changed');
    assert.deepEqual({ entity: msg.data.entity, action: msg.data.action, key: msg.data.key }, { entity: 'extensions', action: 'created', key: '140' });
    assert.equal(typeof msg.data.seq, 'number');
    assert.equal(r.headers['webhook-id'], `msg_${String(msg.data.seq)}_${String(sub.id)}`);
    assert.throws(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(r.body, r.headers as Record<string, string>), /signature/i);
    // Not subscribed: key events are not sent to it.
    await api(t.base, t.adminKey, 'POST', '/api/v1/keys', { role: 'read', label: 'x' });
    const log = await eventually(async () => {
      const d = (await api(t.base, t.adminKey, 'GET', `/api/v1/webhooks/${String(sub.id)}/deliveries`)).body as { status: string }[];
      return d.every((x) => x.status === 'delivered') ? d : undefined;
    });
    assert.equal(log.length, 1);
    assert.deepEqual([log[0]], [{ ...(log[0] as object), status: 'delivered', attempts: 1, lastStatus: 200, lastError: '', eventType: 'directory.changed', subscriptionId: sub.id }]);
    await api(t.base, t.adminKey, 'DELETE', `/api/v1/webhooks/${String(sub.id)}`);
  });

  it('retries after 500s and delivers the same webhook-id; redelivery on request', async () => {
    const sub = await subscribe(t, receiver.url, ['directory.changed']);
    const start = receiver.received.length;
    receiver.respond = (_r, i) => ({ status: i - start < 3 ? 500 : 200 });
    await addExtension(t, '141');
    await receiver.until((r) => r.length >= start + 4);
    receiver.respond = () => ({ status: 200 });
    const attempts = receiver.received.slice(start, start + 4);
    assert.equal(new Set(attempts.map((a) => a.headers['webhook-id'])).size, 1, 'one webhook-id across the retries');
    for (const a of attempts) assert.equal(verified(sub.secret, a).data.key, '141');
    const d = await eventually(async () => {
      const log = (await api(t.base, t.adminKey, 'GET', `/api/v1/webhooks/${String(sub.id)}/deliveries`)).body as { id: number; status: string; attempts: number; lastStatus: number }[];
      return log[0]?.status === 'delivered' ? log[0] : undefined;
    });
    assert.deepEqual([d.attempts, d.lastStatus], [4, 200]);
    // Gaps between attempts follow the back-off (0.2 s here), not a hot loop.
    for (let i = 1; i < attempts.length; i++) assert.ok((attempts[i]?.at ?? 0) - (attempts[i - 1]?.at ?? 0) >= 150, 'waited before retrying');

    const again = await api(t.base, t.adminKey, 'POST', `/api/v1/webhooks/${String(sub.id)}/deliveries/${String(d.id)}/redeliver`);
    assert.equal(again.status, 202);
    await receiver.until((r) => r.length >= start + 5);
    assert.equal(receiver.received[start + 4]?.headers['webhook-id'], attempts[0]?.headers['webhook-id']);
    const missing = await api(t.base, t.adminKey, 'POST', `/api/v1/webhooks/${String(sub.id)}/deliveries/999999/redeliver`);
    assert.equal(missing.status, 404);
    await api(t.base, t.adminKey, 'DELETE', `/api/v1/webhooks/${String(sub.id)}`);
  });

  it('a 410 Gone disables the subscription; a 400 is not retried', async () => {
    const gone = new WebhookReceiver();
    await gone.start();
    gone.respond = (r) => ({ status: r.body.includes('"142"') ? 400 : 410 });
    const sub = await subscribe(t, gone.url, ['directory.changed']);
    await addExtension(t, '142');
    await gone.until((r) => r.length >= 1);
    await addExtension(t, '143');
    await gone.until((r) => r.length >= 2);
    const s = await eventually(async () => {
      const got = (await api(t.base, t.adminKey, 'GET', `/api/v1/webhooks/${String(sub.id)}`)).body;
      return got.enabled === false ? got : undefined;
    });
    assert.equal(s.enabled, false);
    await addExtension(t, '144');
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(gone.received.length, 2, 'nothing more after 410, no retry of the 400');
    const log = (await api(t.base, t.adminKey, 'GET', `/api/v1/webhooks/${String(sub.id)}/deliveries`)).body as { status: string; lastStatus: number; attempts: number }[];
    assert.deepEqual(
      log.map((d) => [d.status, d.lastStatus, d.attempts]),
      [
        ['failed', 410, 1],
        ['failed', 400, 1],
      ],
    );
    await gone.stop();
  });

  it('refuses bad subscriptions with a clear error and keeps none', async () => {
    const read = (await api(t.base, t.adminKey, 'POST', '/api/v1/keys', { role: 'read' })).body.key as string;
    const control = (await api(t.base, t.adminKey, 'POST', '/api/v1/keys', { role: 'control' })).body.key as string;
    const before = (await api(t.base, t.adminKey, 'GET', '/api/v1/webhooks')).body.length as number;
    const cases: [unknown, number][] = [
      [{ url: 'ftp://example.com/x', events: ['*'] }, 400],
      [{ url: receiver.url, events: [] }, 400],
      [{ url: receiver.url, events: ['Call Ended'] }, 400],
      [{ url: receiver.url, events: ['*'], secret: 'short' }, 400],
      [{ url: receiver.url, events: ['*'], secret: 'whsec_c2hvcnQ=' }, 400],
      [{ url: receiver.url, events: ['*'], extra: 1 }, 400],
      [{ url: 'http://user:pw@example.com/', events: ['*'] }, 400],
    ];
    for (const [body, status] of cases) {
      const res = await api(t.base, t.adminKey, 'POST', '/api/v1/webhooks', body);
      assert.equal(res.status, status, JSON.stringify([body, res.body]));
      assert.equal(res.body.code, 'SB_VALIDATION');
    }
    assert.equal((await api(t.base, read, 'GET', '/api/v1/webhooks')).status, 403);
    assert.equal((await api(t.base, control, 'POST', '/api/v1/webhooks', { url: receiver.url, events: ['*'] })).status, 403);
    assert.equal((await api(t.base, undefined, 'GET', '/api/v1/webhooks')).status, 401);
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/webhooks/999')).status, 404);
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/webhooks')).body.length, before);
  });
});

describe('webhook SSRF guard', () => {
  it('refuses loopback and private destinations unless allowed', async () => {
    const t = await startTestServer({ SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'false' });
    try {
      for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://10.1.2.3/x', 'http://192.168.0.1/', 'http://169.254.169.254/latest', 'http://[::1]/x', 'http://[fd00::1]/x']) {
        const res = await api(t.base, t.adminKey, 'POST', '/api/v1/webhooks', { url, events: ['*'] });
        assert.equal(res.status, 422, url);
        assert.match(res.body.detail, /private/);
      }
      const ok = await api(t.base, t.adminKey, 'POST', '/api/v1/webhooks', { url: 'https://203.0.113.10/hook', events: ['call.*'] });
      assert.equal(ok.status, 201);
    } finally {
      await t.stop();
    }
  });
});

describe('webhook outbox across a restart', () => {
  it('delivers every row left pending by a stopped server, in order', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-wh-'));
    const receiver = new WebhookReceiver();
    await receiver.start();
    const port = receiver.port;
    let t = await startTestServer({ ...ENV, SWITCHBOARD_WEBHOOK_BACKOFF: '0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5' }, { dataDir });
    try {
      const sub = await subscribe(t, receiver.url, ['directory.changed']);
      await receiver.stop(); // down: every attempt fails with a connection error
      for (let i = 0; i < 20; i++) await addExtension(t, String(150 + i));
      const pending = (await api(t.base, t.adminKey, 'GET', `/api/v1/webhooks/${String(sub.id)}/deliveries?status=pending`)).body as unknown[];
      assert.equal(pending.length, 20, 'all 20 are in the outbox before anyone is told');
      await t.stop();

      await receiver.start(port);
      t = await startTestServer(ENV, { dataDir });
      await receiver.until((r) => new Set(r.map((x) => x.headers['webhook-id'])).size >= 20, 15_000);
      const keys = [...new Map(receiver.received.map((r) => [r.headers['webhook-id'], verified(sub.secret, r).data.key])).values()];
      assert.deepEqual(
        keys,
        Array.from({ length: 20 }, (_, i) => String(150 + i)),
        'all delivered, in the order of the events',
      );
    } finally {
      await t.stop();
      await receiver.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
