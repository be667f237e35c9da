// UDP retransmission against SIPp: SIPp sends an INVITE and never ACKs our
// final response, so the INVITE server transaction must retransmit it on
// Timer G and stop at Timer H (RFC 3261 §17.2.1), then be gone.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSipp } from '../peers/sipp.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const T1 = 100;

function receivedAt(log: string): number[] {
  // -trace_msg: a dashed line with a timestamp, then "UDP message received".
  const out: number[] = [];
  const re = /-{10,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\r?\nUDP message received[^\n]*\n\s*\nSIP\/2\.0 407/g;
  for (let m = re.exec(log); m; m = re.exec(log)) out.push(Date.parse(`${(m[1] ?? '').replace(' ', 'T').slice(0, 23)}`));
  return out;
}

describe('UDP retransmission of a final response (SIPp)', () => {
  let t: TestServer;
  let dir: string;
  before(async () => {
    t = await startTestServer({ SWITCHBOARD_SIP_T1_MS: String(T1) });
    dir = mkdtempSync(join(tmpdir(), 'sb-retx-'));
  });
  after(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retransmits on Timer G until Timer H, then forgets the transaction', async () => {
    const log = join(dir, 'messages.log');
    const r = await runSipp({
      scenarioFile: join(import.meta.dirname, 'scenarios/invite-no-ack.xml'),
      target: `127.0.0.1:${String(t.sipPort)}`,
      calls: 1,
      timeoutMs: 30_000,
      args: ['-trace_msg', '-message_file', log],
    });
    assert.equal(r.timedOut, false, 'SIPp did not finish');
    assert.equal(r.code, 0, `SIPp failed (an 8th copy, or too few):\n${r.screen ?? r.stdout}`);
    const times = receivedAt(readFileSync(log, 'utf8'));
    assert.equal(times.length, 7, `got ${times.length} copies`);
    const gaps = times.slice(1).map((v, i) => v - (times[i] ?? 0));
    const expected = [1, 2, 4, 8, 16, 32].map((k) => Math.min(k * T1, 4000));
    gaps.forEach((g, i) => {
      const want = expected[i] ?? 0;
      assert.ok(Math.abs(g - want) <= 40 + want * 0.1, `gap ${i + 1} was ${g} ms, expected ${want} ms (gaps ${gaps.join(', ')})`);
    });
    // Timer H (64*T1) has fired by now: the transaction is gone.
    assert.equal(t.server.sip.stack.transactions.size, 0);
  });
});
