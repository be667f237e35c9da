// The recordings directory fills up during a recorded call (issue 13): it is
// a 64 KiB tmpfs (4 s of 8 kHz 16-bit WAV), mounted by the test (we run as
// root; skipped, saying why, where mounting is not permitted). The call goes
// on with audio both ways, a `system.alarm` (reason disk_full, component
// recordings) is in the event log once, /metrics shows the alarm and the
// failed writes, the process stays up and the call gets its CDR. Once space
// is freed, the next recorded call is stored and the alarm is cleared.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { tonePhones, eventually, audioFlowsBothWays } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function mountTinyTmpfs(dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `mount -t tmpfs is not permitted here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  }
}

async function metricsText(t: TestServer): Promise<string> {
  return (await fetch(`${t.base}/metrics`, { headers: { authorization: `Bearer ${t.adminKey}` } })).text();
}

describe('recordings directory full during a recorded call', () => {
  let dir: string;
  let recordings: string;
  let skip: string | undefined;
  let t: TestServer | undefined;
  let phones: Record<string, Baresip> = {};
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-diskfull-'));
    recordings = join(dir, 'data', 'recordings');
    mkdirSync(recordings, { recursive: true });
    skip = mountTinyTmpfs(recordings);
    if (skip) return;
    t = await startTestServer({}, { dataDir: join(dir, 'data') });
    phones = await tonePhones(t, { '101': 500, '102': 1000 }, dir);
  });
  after(async () => {
    for (const p of Object.values(phones)) await p.stop();
    await t?.stop();
    if (!skip) execFileSync('umount', ['-l', recordings]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(): Promise<string> {
    const up = Promise.all([phones['101']!.waitForType('CALL_ESTABLISHED', 15_000), phones['102']!.waitForType('CALL_ESTABLISHED', 15_000)]);
    await phones['101']!.dial(`sip:102@127.0.0.1:${String(t!.sipPort)}`);
    await up;
    const calls = (await api(t!.base, t!.adminKey, 'GET', '/api/v1/calls')).body as any[];
    assert.equal(calls.length, 1);
    return calls[0].id as string;
  }

  async function hangUp(): Promise<void> {
    const closed = Promise.all([phones['101']!.waitForType('CALL_CLOSED', 10_000), phones['102']!.waitForType('CALL_CLOSED', 10_000)]);
    await phones['101']!.hangup();
    await closed;
  }

  async function eventsSince(seq: number): Promise<any[]> {
    return (await api(t!.base, t!.adminKey, 'GET', `/api/v1/events?since=${String(seq)}&limit=1000`)).body.events as any[];
  }

  it('keeps the call, raises a disk_full alarm and a metric, then clears it when space is back', { timeout: 120_000 }, async (ctx) => {
    if (skip || !t) return ctx.skip(skip);
    const server = t;
    assert.equal((await api(server.base, server.adminKey, 'PATCH', '/api/v1/extensions/102', { recording: 'all' })).status, 200);
    const seq0 = (await api(server.base, server.adminKey, 'GET', '/api/v1/events?limit=1')).body.lastSeq as number;

    const callId = await call();
    const alarm = await eventually(async () => (await eventsSince(seq0)).find((e) => e.type === 'system.alarm'), 30_000, 'a system.alarm event');
    assert.deepEqual({ reason: alarm.payload.reason, state: alarm.payload.state, component: alarm.payload.component, path: alarm.payload.path }, { reason: 'disk_full', state: 'raised', component: 'recordings', path: recordings });
    assert.match(alarm.payload.detail, /ENOSPC/);

    // The call does not notice: audio both ways after the disk filled, the call still listed.
    await audioFlowsBothWays(server, callId, 'audio both ways with the disk full');
    await sleep(2000);
    assert.equal(((await api(server.base, server.adminKey, 'GET', '/api/v1/calls')).body as any[])[0]?.id, callId);
    const during = await metricsText(server);
    assert.match(during, /^switchboard_alarm\{reason="disk_full",component="recordings"\} 1$/m);
    const failures = Number(/^switchboard_disk_write_failures\{reason="disk_full",component="recordings"\} (\d+)$/m.exec(during)?.[1]);
    assert.ok(failures >= 1, `write failures counted: ${String(failures)}`);
    assert.equal((await fetch(`${server.base}/healthz`)).status, 200);

    await hangUp();
    const cdr = await eventually(async () => ((await api(server.base, server.adminKey, 'GET', '/api/v1/cdr')).body as any[]).find((c) => c.src === '101' && c.dst === '102'), 10_000, 'the CDR');
    assert.equal(cdr.disposition, 'ANSWERED');
    // Raised once, however many writes failed.
    await sleep(1000);
    assert.equal((await eventsSince(seq0)).filter((e) => e.type === 'system.alarm').length, 1);

    // An operator frees space; the next recorded call is stored whole and the alarm clears.
    for (const day of readdirSync(recordings)) rmSync(join(recordings, day), { recursive: true, force: true });
    const seq1 = (await api(server.base, server.adminKey, 'GET', '/api/v1/events?limit=1')).body.lastSeq as number;
    await sleep(1100); // baresip names its recordings by the second
    const second = await call();
    await audioFlowsBothWays(server, second);
    await sleep(1000);
    await hangUp();
    const cleared = await eventually(async () => {
      const list = await eventsSince(seq1);
      return list.some((e) => e.type === 'recording.ready' && e.payload.recording.callId === second) ? list.find((e) => e.type === 'system.alarm') : undefined;
    }, 30_000, 'the second recording stored');
    assert.equal(cleared?.payload.state, 'cleared');
    assert.equal(cleared?.payload.reason, 'disk_full');
    assert.doesNotMatch(await metricsText(server), /^switchboard_alarm\{/m);
  });
});
