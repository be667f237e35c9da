// The `switchboard` command as a user runs it: first start on an empty data
// directory, keys and extensions managed while the server runs, CSV import,
// TLS, a clear message for bad settings, and a clean stop on SIGTERM.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';

const BIN = join(import.meta.dirname, '../../bin/switchboard.js');

function cli(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function startCli(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string; banner: string }> {
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!/Health:/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no banner:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 100));
  return { child, output: () => out, banner: out };
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe('switchboard CLI', () => {
  let dir: string;
  let env: Record<string, string>;
  let child: ChildProcess;
  let base: string;
  let adminKey: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
    env = { SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_HTTP_PORT: '0', SWITCHBOARD_SIP_PORT: '0', SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_LOG_LEVEL: 'warn' };
    const started = await startCli(env);
    child = started.child;
    const port = /Health:\s+http:\/\/[^:]+:(\d+)\/healthz/.exec(started.banner)?.[1];
    adminKey = /Admin API key[^:]*: (\S+)/.exec(started.banner)?.[1] ?? '';
    assert.ok(port, started.banner);
    assert.match(adminKey, /^sb_[0-9a-f]{12}_/);
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('first start prints credentials and serves health, docs and the demo extensions', async () => {
    const health = (await (await fetch(`${base}/healthz`)).json()) as { status: string; ports: { http: number } };
    assert.equal(health.status, 'ok');
    assert.equal(String(health.ports.http), new URL(base).port);
    assert.equal((await fetch(`${base}/api/docs/`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const res = await fetch(`${base}/api/v1/extensions`, { headers: { authorization: `Bearer ${adminKey}` } });
    const list = (await res.json()) as { items: { number: string }[] };
    assert.deepEqual(list.items.map((e) => e.number), ['100', '101', '102', '103', '104', '105']);
  });

  it('keys create prints only the key, and works while the server runs', async () => {
    const r = cli(env, 'keys', 'create', '--role', 'read', '--label', 'ci');
    assert.equal(r.code, 0, r.stderr);
    const key = r.stdout.trim();
    assert.match(r.stdout, /^sb_[0-9a-f]{12}_[A-Za-z0-9_-]+\n$/);
    assert.equal((await fetch(`${base}/api/v1/queues`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
    const post = await fetch(`${base}/api/v1/contacts`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(post.status, 403);
    const id = key.split('_')[1] ?? '';
    const listed = cli(env, 'keys', 'list');
    assert.match(listed.stdout, new RegExp(`${id}\\tread\\tci`));
    assert.doesNotMatch(listed.stdout, new RegExp(key), 'secrets are never listed');
    assert.equal(cli(env, 'keys', 'revoke', id).code, 0);
    assert.equal((await fetch(`${base}/api/v1/queues`, { headers: { authorization: `Bearer ${key}` } })).status, 401);
  });

  it('ext add / list / remove', () => {
    const add = cli(env, 'ext', 'add', '120', '--first-name', 'Zoe', '--password', 'longenough1');
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /extension 120 user 120 password longenough1/);
    assert.match(cli(env, 'ext', 'list').stdout, /\n120\tZoe\t/);
    const dup = cli(env, 'ext', 'add', '120');
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already used/);
    assert.equal(cli(env, 'ext', 'remove', '120').code, 0);
    assert.doesNotMatch(cli(env, 'ext', 'list').stdout, /\n120\t/);
  });

  it('imports extensions and contacts from CSV; a bad row imports nothing', async () => {
    const good = join(dir, 'ext.csv');
    writeFileSync(good, 'number,firstName,lastName,email,enabled\n201,Ala,Kot,ala@example.com,true\n202,Ola,Pies,,false\n101,Anna,Renamed,,1\n');
    const r = cli(env, 'import', 'extensions', good);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created 2, updated 1/);
    const e = (await (await fetch(`${base}/api/v1/extensions/202`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as { enabled: boolean; firstName: string };
    assert.equal(e.enabled, false);
    assert.equal(e.firstName, 'Ola');
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'number,firstName\n203,Good\nabc,Bad\n');
    const rb = cli(env, 'import', 'extensions', bad);
    assert.equal(rb.code, 1);
    assert.match(rb.stderr, /line 3/);
    assert.equal((await fetch(`${base}/api/v1/extensions/203`, { headers: { authorization: `Bearer ${adminKey}` } })).status, 404);
    const contacts = join(dir, 'contacts.csv');
    writeFileSync(contacts, 'firstName,lastName,company,mobile,email\nJan,Kowalski,ACME,+48600100200,jan@acme.pl\n"Maria, Jr.",Nowak,,+48600300400,\n');
    const rc = cli(env, 'import', 'contacts', contacts);
    assert.equal(rc.code, 0, rc.stderr);
    assert.match(rc.stdout, /contacts created 2/);
    const found = (await (await fetch(`${base}/api/v1/contacts?q=maria`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as { items: { firstName: string }[] };
    assert.equal(found.items[0]?.firstName, 'Maria, Jr.');
  });

  it('a bad setting stops with a message that names it', () => {
    const r = cli({ ...env, SWITCHBOARD_HTTP_PORT: 'eighty' }, 'keys', 'list');
    assert.equal(r.code, 78);
    assert.match(r.stderr, /SWITCHBOARD_HTTP_PORT/);
    const r2 = cli({ ...env, SWITCHBOARD_RTP_PORTS: '30000-20000' }, 'start');
    assert.equal(r2.code, 78);
    assert.match(r2.stderr, /SWITCHBOARD_RTP_PORTS/);
  });

  it('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    assert.equal(await stopped(child), 0);
  });

  it('cert create, then HTTPS on the same port setting', async () => {
    const made = cli(env, 'cert', 'create', '--host', '127.0.0.1', 'localhost');
    assert.equal(made.code, 0, made.stderr);
    const cert = join(dir, 'tls', 'cert.pem');
    const key = join(dir, 'tls', 'key.pem');
    assert.ok(existsSync(cert) && existsSync(key));
    const tls = await startCli({ ...env, SWITCHBOARD_TLS_CERT: cert, SWITCHBOARD_TLS_KEY: key });
    try {
      const port = /Health:\s+https:\/\/[^:]+:(\d+)\/healthz/.exec(tls.banner)?.[1];
      assert.ok(port, tls.banner);
      const body = await new Promise<string>((resolve, reject) => {
        httpsRequest({ host: '127.0.0.1', port: Number(port), path: '/healthz', rejectUnauthorized: false }, (res) => {
          let b = '';
          res.on('data', (d: Buffer) => (b += d.toString()));
          res.on('end', () => resolve(b));
        })
          .on('error', reject)
          .end();
      });
      assert.match(body, /"status":"ok"/);
      assert.doesNotMatch(tls.banner, /Admin API key/, 'the demo is created only on the first run');
    } finally {
      tls.child.kill('SIGTERM');
      await stopped(tls.child);
    }
  });
});
