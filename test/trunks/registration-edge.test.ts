// The harder paths of one trunk registration, driven directly over a real SIP
// stack against SIPp registrars: 423 Min-Expires (RFC 3261 §10.2.8), expiry
// granted by the Expires header, a re-challenge of cached credentials on
// unregister, Retry-After on a 503, and a registrar that never answers (408).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSipp, sippAvailable } from '../peers/sipp.ts';
import { freeUdpPort } from '../peers/ports.ts';
import { SipStack } from '../../src/sip/sip-stack.ts';
import { AuthFailureGuard } from '../../src/sip/security/auth-failure-guard.ts';
import { TrunkRegistration, type RegistrationConfig } from '../../src/engine/trunks/trunk-registration.ts';
import type { TrunkStatus } from '../../src/core/trunk-status.ts';
import { eventually } from '../helpers/phones.ts';

const T1 = 50;

function registers(log: string): { at: number; text: string }[] {
  const out: { at: number; text: string }[] = [];
  for (const block of log.split(/^-{10,} /m).slice(1)) {
    const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\r?\nUDP message received[^\n]*\n\s*(REGISTER [\s\S]*)$/.exec(block);
    if (m) out.push({ at: Date.parse((m[1] ?? '').replace(' ', 'T').slice(0, 23)), text: m[2] ?? '' });
  }
  // UDP retransmissions (same Call-ID and CSeq) are the same request: keep the first copy.
  const id = (text: string) => `${/^Call-ID: *(\S+)/im.exec(text)?.[1] ?? ''} ${/^CSeq: *(\d+)/im.exec(text)?.[1] ?? ''}`;
  return out.filter((r, i) => out.findIndex((o) => id(o.text) === id(r.text)) === i);
}
const header = (text: string, name: string): string | undefined => new RegExp(`^${name}:\\s*(.*?)\\r?$`, 'im').exec(text)?.[1];

describe('trunk registration edge cases', { skip: !sippAvailable() && 'sipp not installed' }, () => {
  let stack: SipStack;
  let dir: string;
  before(async () => {
    stack = new SipStack({ host: '127.0.0.1', port: 0, guard: new AuthFailureGuard(), timers: { T1 } });
    await stack.start();
    dir = mkdtempSync(join(tmpdir(), 'sb-trunkedge-'));
  });
  after(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const registration = (port: number, statuses: TrunkStatus[], retryMinMs = 60_000) => {
    const config: RegistrationConfig = { trunkId: 7, name: 'Edge', host: '127.0.0.1', port, transport: 'udp', username: 'trunkuser', authId: '', password: 'trunkpass', expires: 60 };
    return new TrunkRegistration(config, { stack, host: '127.0.0.1', timing: { retryMinMs, retryMaxMs: 600_000, unregisterTimeoutMs: 2000 }, onStatus: (s) => statuses.push(s) });
  };

  it('raises Expires to Min-Expires on 423, takes the Expires header, answers a new challenge on unregister', async () => {
    const log = join(dir, '423.log');
    const sipp = await startSipp({ scenarioFile: join(import.meta.dirname, 'scenarios/registrar-423.xml'), calls: 1, timeoutMs: 15_000, args: ['-trace_msg', '-message_file', log] });
    const statuses: TrunkStatus[] = [];
    const reg = registration(sipp.localPort, statuses);
    try {
      reg.start();
      const s = await eventually(async () => (reg.status.state === 'registered' ? reg.status : undefined), 5000, 'registered');
      assert.equal(s.code, 200);
      const granted = Date.parse(s.expiresAt ?? '') - Date.parse(s.nextAttemptAt ?? '');
      assert.equal(granted, 60_000, 'refresh at half of the 120 s granted by the Expires header');
      await reg.stop();
      assert.equal(reg.status.state, 'unregistered');
      assert.equal(reg.status.code, 200);
      const result = await sipp.done;
      assert.equal(result.code, 0, result.screen ?? result.stdout);
      const regs = registers(readFileSync(log, 'utf8'));
      assert.deepEqual(regs.map((r) => header(r.text, 'Expires')), ['60', '120', '120', '0', '0']);
      assert.deepEqual(regs.map((r) => header(r.text, 'CSeq')), ['1 REGISTER', '2 REGISTER', '3 REGISTER', '4 REGISTER', '5 REGISTER']);
      assert.match(header(regs[3]?.text ?? '', 'Authorization') ?? '', /nonce="\d+a1".*nc=00000002/, 'unregister first tries the cached credentials');
      assert.match(header(regs[4]?.text ?? '', 'Authorization') ?? '', /nonce="\d+b1".*nc=00000001/, 'then answers the new challenge');
      assert.deepEqual(statuses.map((x) => x.state), ['registering', 'registered', 'unregistered']);
    } finally {
      await reg.stop();
      await sipp.stop();
    }
  });

  it('honours Retry-After on a 503, then registers', async () => {
    const log = join(dir, '503.log');
    const sipp = await startSipp({ scenarioFile: join(import.meta.dirname, 'scenarios/registrar-503.xml'), calls: 1, timeoutMs: 15_000, args: ['-trace_msg', '-message_file', log] });
    const statuses: TrunkStatus[] = [];
    const reg = registration(sipp.localPort, statuses);
    try {
      reg.start();
      const failed = await eventually(async () => (reg.status.state === 'failed' ? reg.status : undefined), 3000, 'failed');
      assert.equal(failed.code, 503);
      assert.equal(failed.reason, 'Service Unavailable');
      await eventually(async () => reg.status.state === 'registered' || undefined, 4000, 'registered after the retry');
      await reg.stop();
      const result = await sipp.done;
      assert.equal(result.code, 0, result.screen ?? result.stdout);
      const regs = registers(readFileSync(log, 'utf8'));
      assert.equal(regs.length, 4);
      const gap = (regs[1]?.at ?? 0) - (regs[0]?.at ?? 0);
      assert.ok(gap >= 950 && gap < 1500, `retried ${gap} ms after the 503 (Retry-After: 1), not after the 60 s back-off`);
      assert.deepEqual(statuses.map((x) => `${x.state}:${String(x.code)}`), ['registering:null', 'failed:503', 'registered:200', 'unregistered:200']);
    } finally {
      await reg.stop();
      await sipp.stop();
    }
  });

  it('a registrar that never answers gives failed 408 and a back-off retry', async () => {
    const port = await freeUdpPort();
    const statuses: TrunkStatus[] = [];
    const reg = registration(port, statuses, 30_000);
    try {
      reg.start();
      // Timer F = 64*T1 = 3.2 s.
      const failed = await eventually(async () => (reg.status.state === 'failed' ? reg.status : undefined), 6000, 'failed');
      assert.equal(failed.code, 408);
      const retry = Date.parse(failed.nextAttemptAt ?? '') - Date.now();
      assert.ok(retry > 28_000 && retry <= 30_000, `retry in ${retry} ms`);
      await reg.stop();
      assert.equal(reg.status.state, 'notRegistering', 'nothing to unregister');
    } finally {
      await reg.stop();
    }
  });
});
