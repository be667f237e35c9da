// Switchboard killed with SIGKILL while 1,000 events wait in the outbox (the
// receiver is down): after a restart on the same data directory every one is
// delivered; duplicates are allowed and told apart by webhook-id.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';

const COUNT = Number(process.env.CRASH_EVENTS ?? 1000);
const BIN = join(import.meta.dirname, '../../bin/switchboard.js');

async function start(env: Record<string, string>): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!/Health:/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no banner:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, out: () => out };
}

describe('webhook outbox and SIGKILL', () => {
  it('delivers every event queued before the kill (1,000 by default), after the restart', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-wh-kill-'));
    const receiver = new WebhookReceiver();
    await receiver.start();
    const port = receiver.port;
    const env = { SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_HTTP_PORT: '0', SWITCHBOARD_SIP_PORT: '0', SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_LOG_LEVEL: 'error', SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true', SWITCHBOARD_WEBHOOK_BACKOFF: Array(20).fill('2').join(',') };
    let sb = await start(env);
    try {
      const base = () => `http://127.0.0.1:${/Health:\s+http:\/\/[^:]+:(\d+)\/healthz/.exec(sb.out())?.[1] ?? ''}`;
      const key = /Admin API key[^:]*: (\S+)/.exec(sb.out())?.[1] ?? '';
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const sub = await fetch(`${base()}/api/v1/webhooks`, { method: 'POST', headers, body: JSON.stringify({ url: receiver.url, events: ['key.created'] }) });
      assert.equal(sub.status, 201);
      await receiver.stop();
      const t0 = Date.now();
      for (let i = 0; i < COUNT; i += 20) {
        await Promise.all(
          Array.from({ length: 20 }, async (_, k) => {
            const r = await fetch(`${base()}/api/v1/keys`, { method: 'POST', headers, body: JSON.stringify({ role: 'read', label: `k${String(i + k)}` }) });
            assert.equal(r.status, 201);
          }),
        );
      }
      process.stderr.write(`queued in ${String(Date.now() - t0)} ms\n`);
      sb.child.kill('SIGKILL');
      await new Promise((r) => sb.child.once('exit', r));

      await receiver.start(port);
      sb = await start(env);
      const ids = () => new Set(receiver.received.map((r) => String(r.headers['webhook-id'])));
      process.stderr.write(`restarted at ${String(Date.now() - t0)} ms\n`);
      await receiver.until(() => ids().size >= COUNT, 150_000, '1,000 distinct webhook-ids');
      const labels = new Set(receiver.received.map((r) => (JSON.parse(r.body) as { data: { label: string } }).data.label));
      assert.equal(labels.size, COUNT, 'every event delivered');
      for (let i = 0; i < COUNT; i++) assert.ok(labels.has(`k${String(i)}`), `k${String(i)} lost`);
    } finally {
      sb.child.kill('SIGKILL');
      await receiver.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
