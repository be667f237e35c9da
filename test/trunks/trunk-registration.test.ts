// Trunk registration against SIPp acting as the provider's registrar: digest
// (SIPp verifyauth checks our Authorization), refresh before the granted
// expiry, failure reported with the registrar's code, Expires: 0 on disable.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSipp, sippAvailable, type SippRun } from '../peers/sipp.ts';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/phones.ts';
import type { PbxEvent, TrunkStatus } from '../../src/core/pbx-control.ts';

const SCENARIO = join(import.meta.dirname, 'scenarios/registrar-digest.xml');

/** Arrival times of the REGISTERs SIPp received, from its -trace_msg log. */
function registersAt(log: string): { at: number; text: string }[] {
  // -trace_msg: a dashed line with a timestamp, "UDP message received [n] bytes :", the message.
  const out: { at: number; text: string }[] = [];
  for (const block of log.split(/^-{10,} /m).slice(1)) {
    const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\r?\nUDP message received[^\n]*\n\s*(REGISTER [\s\S]*)$/.exec(block);
    if (m) out.push({ at: Date.parse((m[1] ?? '').replace(' ', 'T').slice(0, 23)), text: m[2] ?? '' });
  }
  // UDP retransmissions (same Call-ID and CSeq) are the same request: keep the first copy.
  const id = (text: string) => `${/^Call-ID: *(\S+)/im.exec(text)?.[1] ?? ''} ${/^CSeq: *(\d+)/im.exec(text)?.[1] ?? ''}`;
  return out.filter((r, i) => out.findIndex((o) => id(o.text) === id(r.text)) === i);
}

function header(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(text);
  return m?.[1]?.trim();
}

describe('trunk registration (SIPp registrar)', { skip: !sippAvailable() && 'sipp not installed' }, () => {
  let t: TestServer;
  let dir: string;
  const events: PbxEvent[] = [];
  before(async () => {
    t = await startTestServer({ SWITCHBOARD_DEMO: 'false' });
    t.server.control.events.subscribe((e) => {
      if (e.type === 'trunk.status') events.push(e);
    });
    dir = mkdtempSync(join(tmpdir(), 'sb-trunkreg-'));
  });
  after(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const trunkStatus = async (id: number) => {
    const res = await api(t.base, t.adminKey, 'GET', '/api/v1/trunks/status');
    assert.equal(res.status, 200);
    return (res.body as TrunkStatus[]).find((s) => s.trunkId === id);
  };

  it('registers with digest, refreshes before expiry, and unregisters when disabled', async () => {
    const log = join(dir, 'ok.log');
    const sipp: SippRun = await startSipp({ scenarioFile: SCENARIO, calls: 1, timeoutMs: 30_000, args: ['-trace_msg', '-message_file', log] });
    try {
      const created = await api(t.base, t.adminKey, 'POST', '/api/v1/trunks', {
        name: 'Provider',
        host: '127.0.0.1',
        port: sipp.localPort,
        transport: 'udp',
        username: 'trunkuser',
        password: 'trunkpass',
        register: true,
        registerExpires: 60,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as number;

      const registered = await eventually(async () => {
        const s = await trunkStatus(id);
        return s?.state === 'registered' ? s : undefined;
      }, 8000, 'trunk registered');
      assert.equal(registered.code, 200);
      assert.equal(registered.reason, 'OK');
      // The registrar granted 4 s (Contact expires=4), not the 60 s asked for.
      const left = Date.parse(registered.expiresAt ?? '') - Date.now();
      assert.ok(left > 0 && left <= 4000, `expires in ${left} ms`);
      // The refresh is planned at half the granted time.
      assert.equal(Date.parse(registered.expiresAt ?? '') - Date.parse(registered.nextAttemptAt ?? ''), 2000);

      // The refresh: SIPp's recv times out after 3.5 s, so it only passes if the refresh came in time.
      await eventually(async () => registersAt(readFileSync(log, 'utf8')).length >= 3 || undefined, 5000, 'a refresh');
      const disabled = await api(t.base, t.adminKey, 'PATCH', `/api/v1/trunks/${String(id)}`, { enabled: false });
      assert.equal(disabled.status, 200);
      const result = await sipp.done;
      assert.equal(result.code, 0, `SIPp scenario failed:\n${result.screen ?? result.stdout}`);
      assert.equal(result.stats?.successful, 1);

      const regs = registersAt(readFileSync(log, 'utf8'));
      assert.equal(regs.length, 4, regs.map((r) => r.text.split('\n')[0]).join(' | '));
      const [first, answer, refresh, unregister] = regs as [typeof regs[0], typeof regs[0], typeof regs[0], typeof regs[0]];
      // §10.2: one Call-ID for the binding, CSeq up by one each time.
      assert.equal(new Set(regs.map((r) => header(r.text, 'Call-ID'))).size, 1);
      assert.deepEqual(regs.map((r) => header(r.text, 'CSeq')), ['1 REGISTER', '2 REGISTER', '3 REGISTER', '4 REGISTER']);
      assert.match(first.text, /^REGISTER sip:127\.0\.0\.1:\d+ SIP\/2\.0/);
      assert.equal(header(first.text, 'Authorization'), undefined);
      assert.match(header(answer.text, 'Authorization') ?? '', /^Digest username="trunkuser", realm="trunk\.test", .*nc=00000001/);
      assert.match(header(refresh.text, 'Authorization') ?? '', /nc=00000002/, 'the refresh reuses the cached challenge');
      assert.match(header(first.text, 'Contact') ?? '', /^<sip:trunkuser@127\.0\.0\.1:\d+>$/);
      assert.equal(header(unregister.text, 'Expires'), '0');
      const gap = refresh.at - answer.at;
      assert.ok(gap > 1800 && gap < 2600, `refresh ${gap} ms after the registration, expected about 2000 (half of 4 s)`);

      const final = await eventually(async () => {
        const s = await trunkStatus(id);
        return s?.state === 'unregistered' ? s : undefined;
      }, 3000, 'trunk unregistered');
      assert.equal(final.code, 200);
      assert.equal(final.nextAttemptAt, null);
      const mine = events.filter((e) => (e.payload as { trunkId: number }).trunkId === id).map((e) => (e.payload as { state: string }).state);
      assert.deepEqual(mine, ['registering', 'registered', 'unregistered']);
    } finally {
      await sipp.stop();
    }
  });

  it('reports failed with the registrar code when the password is wrong', async () => {
    const sipp = await startSipp({ scenarioFile: SCENARIO, calls: 1, timeoutMs: 20_000 });
    try {
      const created = await api(t.base, t.adminKey, 'POST', '/api/v1/trunks', { name: 'Wrong', host: '127.0.0.1', port: sipp.localPort, username: 'trunkuser', password: 'nope', register: true, registerExpires: 60 });
      assert.equal(created.status, 201);
      const id = created.body.id as number;
      const failed = await eventually(async () => {
        const s = await trunkStatus(id);
        return s?.state === 'failed' ? s : undefined;
      }, 8000, 'trunk failed');
      assert.equal(failed.code, 403);
      assert.equal(failed.reason, 'Forbidden');
      assert.equal(failed.expiresAt, null);
      // Retried later with back-off (30 s first), not at once.
      const retry = Date.parse(failed.nextAttemptAt ?? '') - Date.now();
      assert.ok(retry > 25_000 && retry <= 30_000, `retry in ${retry} ms`);
      const ev = events.find((e) => (e.payload as { trunkId: number; state: string }).trunkId === id && (e.payload as { state: string }).state === 'failed');
      assert.ok(ev, 'a trunk.status event says failed');
      assert.deepEqual({ code: (ev.payload as { code: number }).code, name: (ev.payload as { name: string }).name }, { code: 403, name: 'Wrong' });
      const result = await sipp.done;
      assert.equal(result.code, 0, result.screen ?? result.stdout);

      // Deleting the trunk takes it out of the status list; it had no binding to remove.
      assert.equal((await api(t.base, t.adminKey, 'DELETE', `/api/v1/trunks/${String(id)}`)).status, 204);
      await eventually(async () => (await trunkStatus(id)) === undefined || undefined, 3000, 'trunk gone from status');
    } finally {
      await sipp.stop();
    }
  });

  it('a changed trunk moves to a new binding (new Call-ID); a deleted one removes its binding', async () => {
    const log = join(dir, 'change.log');
    const sipp = await startSipp({ scenarioFile: join(import.meta.dirname, 'scenarios/registrar-plain.xml'), calls: 2, timeoutMs: 30_000, args: ['-trace_msg', '-message_file', log] });
    try {
      const created = await api(t.base, t.adminKey, 'POST', '/api/v1/trunks', { name: 'Moving', host: '127.0.0.1', port: sipp.localPort, username: 'trunkuser', password: 'trunkpass', register: true, registerExpires: 60 });
      assert.equal(created.status, 201);
      const id = created.body.id as number;
      const registeredAt = async (expires: number) =>
        eventually(async () => {
          const s = await trunkStatus(id);
          return s?.state === 'registered' && registersAt(readFileSync(log, 'utf8')).some((r) => header(r.text, 'Expires') === String(expires)) ? s : undefined;
        }, 8000, `registered asking ${expires} s`);
      await registeredAt(60);
      // A name change alone keeps the binding.
      assert.equal((await api(t.base, t.adminKey, 'PATCH', `/api/v1/trunks/${String(id)}`, { name: 'Moved' })).status, 200);
      assert.equal((await api(t.base, t.adminKey, 'PATCH', `/api/v1/trunks/${String(id)}`, { registerExpires: 120 })).status, 200);
      const again = await registeredAt(120);
      assert.equal(again.name, 'Moved');
      assert.equal((await api(t.base, t.adminKey, 'DELETE', `/api/v1/trunks/${String(id)}`)).status, 204);
      const result = await sipp.done;
      assert.equal(result.code, 0, result.screen ?? result.stdout);
      assert.equal(result.stats?.successful, 2);

      const all = readFileSync(log, 'utf8');
      const callIds = [...new Set([...all.matchAll(/^Call-ID: *(\S+)/gim)].map((m) => m[1]))];
      assert.equal(callIds.length, 2, 'two bindings, two Call-IDs');
      for (const [i, callId] of callIds.entries()) {
        const mine = all.split(/^-{10,} /m).filter((b) => /UDP message received/.test(b) && b.includes(`Call-ID: ${String(callId)}`));
        const expires = [...new Set(mine.map((b) => /^Expires: *(\d+)/im.exec(b)?.[1]))];
        assert.deepEqual(expires, [i === 0 ? '60' : '120', '0'], `binding ${i + 1}: asked, then removed`);
      }
      await eventually(async () => (await trunkStatus(id)) === undefined || undefined, 3000, 'gone from the status list');
      const states = events.filter((e) => (e.payload as { trunkId: number }).trunkId === id).map((e) => (e.payload as { state: string }).state);
      assert.deepEqual(states, ['registering', 'registered', 'unregistered', 'registering', 'registered', 'unregistered']);
    } finally {
      await sipp.stop();
    }
  });

  it('a trunk that does not register is listed as notRegistering; read keys may see the status', async () => {
    const created = await api(t.base, t.adminKey, 'POST', '/api/v1/trunks', { name: 'Static', host: '192.0.2.1', register: false, inboundIps: ['192.0.2.1'] });
    assert.equal(created.status, 201);
    const readKey = (await t.server.control.keys.create('read', 'trunks')).key;
    const res = await api(t.base, readKey, 'GET', '/api/v1/trunks/status');
    assert.equal(res.status, 200);
    const s = await eventually(async () => (await trunkStatus(created.body.id as number)) ?? undefined, 3000, 'status listed');
    assert.deepEqual(s, { trunkId: created.body.id, name: 'Static', state: 'notRegistering', code: null, reason: '', expiresAt: null, nextAttemptAt: null });
  });
});
