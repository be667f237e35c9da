// Digest for the INVITEs we place (a trunk's provider challenges them): a UacLeg
// over a real SIP stack calls a SIPp UAS that answers 401 or 407; the leg
// re-sends the INVITE with credentials (RFC 3261 §22.2). On 401 SIPp checks them
// with verifyauth before it answers 200 (or 403 for a wrong password); on 407
// (verifyauth reads only Authorization) the test recomputes the digest itself.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { startSipp, sippAvailable } from '../peers/sipp.ts';
import { SipStack } from '../../src/sip/sip-stack.ts';
import { AuthFailureGuard } from '../../src/sip/security/auth-failure-guard.ts';
import { LegContext } from '../../src/engine/b2bua/leg-context.ts';
import { DialogRouter } from '../../src/engine/b2bua/dialog-router.ts';
import { UacLeg } from '../../src/engine/b2bua/uac-leg.ts';

const SCENARIO_401 = join(import.meta.dirname, 'scenarios/uas-challenge-invite-401.xml');
const SCENARIO_407 = join(import.meta.dirname, 'scenarios/uas-challenge-invite-407.xml');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

/** The INVITEs SIPp received, from its -trace_msg log. */
function invites(log: string): string[] {
  return log
    .split(/^-{10,} /m)
    .map((b) => /UDP message received[^\n]*\n\s*(INVITE [\s\S]*)$/.exec(b)?.[1])
    .filter((x): x is string => x !== undefined)
    // UDP retransmissions (same CSeq) are the same request: keep the first copy.
    .filter((x, i, all) => all.findIndex((o) => /CSeq: *(\d+)/.exec(o)?.[1] === /CSeq: *(\d+)/.exec(x)?.[1]) === i);
}

const header = (text: string, name: string): string | undefined => new RegExp(`^${name}:\\s*(.*?)\\r?$`, 'im').exec(text)?.[1];

describe('UacLeg answers a digest challenge to its INVITE (SIPp UAS)', { skip: !sippAvailable() && 'sipp not installed' }, () => {
  let stack: SipStack;
  let ctx: LegContext;
  let dir: string;
  before(async () => {
    stack = new SipStack({ host: '127.0.0.1', port: 0, guard: new AuthFailureGuard(), timers: { T1: 200 } });
    await stack.start();
    ctx = new LegContext(stack, new DialogRouter(), '127.0.0.1', { T1: 200 });
    dir = mkdtempSync(join(tmpdir(), 'sb-uacauth-'));
  });
  after(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (password: string, log: string, scenarioFile = SCENARIO_401) => {
    const sipp = await startSipp({ scenarioFile, calls: 1, timeoutMs: 15_000, args: ['-trace_msg', '-message_file', log] });
    const leg = new UacLeg(ctx, {
      target: { uri: `sip:0123456789@127.0.0.1:${String(sipp.localPort)}`, flow: stack.udp.flowTo('127.0.0.1', sipp.localPort) },
      from: '"Anna" <sip:101@pbx.test>',
      to: '<sip:0123456789@provider.test>',
      sdp: SDP,
      credentials: { username: 'pbx', password },
    });
    const outcome = new Promise<{ answered: boolean; status: number }>((resolve) => {
      leg.once('answered', (res) => resolve({ answered: true, status: res.status }));
      leg.once('failed', (status) => resolve({ answered: false, status }));
    });
    leg.start();
    return { sipp, leg, outcome: await outcome };
  };

  it('answers a 401: re-sends the INVITE once with Authorization, CSeq+1 and a new branch, and is answered', async () => {
    const log = join(dir, 'ok.log');
    const { sipp, leg, outcome } = await call('s3cret', log);
    assert.deepEqual(outcome, { answered: true, status: 200 });
    leg.bye();
    const result = await sipp.done;
    assert.equal(result.code, 0, result.screen ?? result.stdout);

    const [first, second, ...more] = invites(readFileSync(log, 'utf8'));
    assert.ok(first !== undefined && second !== undefined, 'two INVITEs');
    assert.equal(more.length, 0, 'no third INVITE');
    assert.equal(header(first, 'CSeq'), '1 INVITE');
    assert.equal(header(second, 'CSeq'), '2 INVITE');
    assert.equal(header(first, 'Authorization'), undefined);
    assert.match(header(second, 'Authorization') ?? '', /^Digest username="pbx", realm="provider\.test", nonce="\d+inv1", uri="sip:0123456789@127\.0\.0\.1:\d+", response="[0-9a-f]{32}", algorithm=MD5, cnonce="[^"]+", qop=auth, nc=00000001$/);
    assert.equal(header(second, 'Call-ID'), header(first, 'Call-ID'));
    assert.equal(header(second, 'From'), header(first, 'From'));
    const branch = (t: string) => /branch=([^;\s]+)/.exec(header(t, 'Via') ?? '')?.[1];
    assert.notEqual(branch(second), branch(first));
    assert.equal(second.split('\r\n\r\n')[1]?.trim(), SDP.trim(), 'the same offer');
  });

  it('fails with the provider answer when the password is wrong, without a third try', async () => {
    const log = join(dir, 'bad.log');
    const { sipp, outcome } = await call('wrong', log);
    assert.deepEqual(outcome, { answered: false, status: 403 });
    const result = await sipp.done;
    assert.equal(result.code, 0, result.screen ?? result.stdout);
    assert.equal(invites(readFileSync(log, 'utf8')).length, 2);
  });

  it('answers a 407 with Proxy-Authorization whose digest is right', async () => {
    const log = join(dir, 'proxy.log');
    const { sipp, leg, outcome } = await call('s3cret', log, SCENARIO_407);
    assert.deepEqual(outcome, { answered: true, status: 200 });
    leg.bye();
    const result = await sipp.done;
    assert.equal(result.code, 0, result.screen ?? result.stdout);
    const [first, second] = invites(readFileSync(log, 'utf8'));
    assert.ok(first !== undefined && second !== undefined, 'two INVITEs');
    assert.equal(header(second, 'CSeq'), '2 INVITE');
    assert.equal(header(second, 'Authorization'), undefined);
    const value = header(second, 'Proxy-Authorization') ?? '';
    const p = Object.fromEntries([...value.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)].map((m) => [m[1], m[2] ?? m[3]]));
    assert.equal(p.realm, 'provider.test');
    assert.equal(p.uri, /^INVITE (\S+) /.exec(second)?.[1], 'digest-uri is the Request-URI');
    // RFC 2617 §3.2.2.1 with qop=auth: KD(H(A1), nonce:nc:cnonce:qop:H(A2)).
    const expected = md5(`${md5('pbx:provider.test:s3cret')}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${md5(`INVITE:${p.uri}`)}`);
    assert.equal(p.response, expected);
  });
});
