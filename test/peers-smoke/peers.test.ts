/**
 * The peer drivers against each other, without Switchboard: kamailio as the registrar
 * (digest auth on), two baresip phones calling through it, and SIPp registering.
 * If this fails, a Switchboard test that uses these drivers cannot be trusted.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Baresip } from '../peers/baresip.ts';
import { Kamailio } from '../peers/kamailio.ts';
import { runSipp } from '../peers/sipp.ts';
import { bandRmsRatio, soxStat } from '../peers/audio.ts';
import { missingBinaries, sleep } from '../peers/process.ts';

const REGISTRAR_CFG = '/work/shared/peers/kamailio-registrar.cfg';
const SIPP_REGISTER = '/work/shared/peers/sipp-register-digest.xml';
const missing = missingBinaries(['kamailio', 'baresip', 'sipp', 'sox']);

describe('real peers: kamailio + baresip + sipp', { timeout: 90_000 }, () => {
  it('two baresip phones (UDP and TCP) register with digest, call through kamailio, send DTMF, and the callee records the caller\'s tone', async (t) => {
    if (missing.length > 0) {
      t.skip(`peer binaries not installed: ${missing.join(', ')} (apt: kamailio baresip-core sip-tester sox)`);
      return;
    }
    const kam = await Kamailio.start({ cfg: REGISTRAR_CFG, defines: { WITH_AUTH: true } });
    const phones: Baresip[] = [];
    try {
      const alice = await Baresip.start({ user: 'alice', password: 'secret', registrar: kam.address, toneHz: 1000 });
      phones.push(alice);
      const bob = await Baresip.start({ user: 'bob', password: 'secret', registrar: kam.address, transport: 'tcp', answermode: 'auto', toneHz: 440 });
      phones.push(bob);

      await alice.waitRegistered(5000);
      assert.match(await alice.reginfo(), /\sOK\s/);
      await bob.waitRegistered(5000);
      assert.equal(await bob.registrationState(), 'ok');

      // Arm every wait before the command (PEERS-baresip.md §6). Auto-answer has no CALL_INCOMING.
      const aliceUp = alice.waitForType('CALL_ESTABLISHED', 10_000);
      const bobUp = bob.waitForType('CALL_ESTABLISHED', 10_000);
      const bobRtp = bob.waitForType('CALL_RTPESTAB', 10_000);
      await alice.dial(`sip:bob@${kam.address}`);
      const [a, b] = await Promise.all([aliceUp, bobUp]);
      assert.equal(a.id, b.id, 'both phones see the same Call-ID');
      assert.equal(b.direction, 'incoming');
      await bobRtp;

      // RFC 4733 digits from alice arrive at bob as DTMF events.
      const digits: string[] = [];
      const stopListening = bob.onEvent((e) => {
        if (e.type === 'CALL_DTMF_START' && e.param !== undefined) digits.push(e.param);
      });
      const lastDigit = bob.waitForType('CALL_DTMF_START', 5000, (e) => e.param === '#');
      await alice.sendDtmf('12#');
      await lastDigit;
      stopListening();
      assert.deepEqual(digits, ['1', '2', '#']);

      await sleep(2000);
      const bobClosed = bob.waitForType('CALL_CLOSED', 10_000);
      const aliceClosed = alice.waitForType('CALL_CLOSED', 10_000);
      await alice.hangup();
      assert.equal((await bobClosed).param, 'Connection reset by peer');
      await aliceClosed;
      // The WAV header is written when the call ends (§7).
      await sleep(300);

      const heard = await bob.receivedRecordings();
      assert.equal(heard.length, 1, `bob's recordings: ${(await bob.recordings()).join(', ')}`);
      const stat = await soxStat(heard[0] as string);
      t.diagnostic(`bob heard ${stat.lengthSeconds} s, RMS ${stat.rmsAmplitude}`);
      assert.ok(stat.lengthSeconds > 1.5, `recording is ${stat.lengthSeconds} s long`);
      assert.ok(stat.rmsAmplitude > 0.1, `recording RMS ${stat.rmsAmplitude} is near silence`);
      const ratio = await bandRmsRatio(heard[0] as string, 900, 1100);
      t.diagnostic(`share of bob's recording in 900-1100 Hz: ${ratio.toFixed(3)}`);
      assert.ok(ratio >= 0.8, `bob did not hear alice's 1 kHz tone (band ratio ${ratio})`);
    } finally {
      // Phones before the registrar, or their un-REGISTER waits ~31 s (§5).
      await Promise.all(phones.map((p) => p.stop()));
      await kam.stop();
    }
  });

  it('a wrong password shows ERR in reginfo', async (t) => {
    if (missing.length > 0) {
      t.skip(`peer binaries not installed: ${missing.join(', ')}`);
      return;
    }
    const kam = await Kamailio.start({ cfg: REGISTRAR_CFG, defines: { WITH_AUTH: true } });
    const phone = await Baresip.start({ user: 'carol', password: 'wrong', registrar: kam.address }).catch(async (e: unknown) => {
      await kam.stop();
      throw e;
    });
    try {
      await assert.rejects(phone.waitRegistered(5000), /registration failed/);
      assert.equal(await phone.registrationState(), 'error');
    } finally {
      await phone.stop();
      await kam.stop();
    }
  });

  it('SIPp registers users with digest auth through kamailio', async (t) => {
    if (missing.length > 0) {
      t.skip(`peer binaries not installed: ${missing.join(', ')}`);
      return;
    }
    const kam = await Kamailio.start({ cfg: REGISTRAR_CFG, defines: { WITH_AUTH: true } });
    try {
      const users = Array.from({ length: 5 }, (_, i) => `user${String(i + 1).padStart(4, '0')}`);
      // SIPp 3.6.1 does not expand [field1] inside [authentication …]: the whole keyword is the field.
      const csv = ['SEQUENTIAL', ...users.map((u) => `${u};[authentication username=${u} password=secret]`)].join('\n');
      const r = await runSipp({ scenarioFile: SIPP_REGISTER, target: kam.address, injectionCsv: csv, calls: users.length, rate: 50, timeoutMs: 20_000 });
      t.diagnostic(`sipp exit ${r.code}, ${JSON.stringify({ successful: r.stats?.successful, failed: r.stats?.failed })} in ${r.durationMs} ms`);
      assert.equal(r.timedOut, false, r.stderr);
      assert.equal(r.stats?.successful, users.length, r.screen ?? r.stdout);
      assert.equal(r.stats?.failed, 0);
      assert.equal(r.code, 0);

      // The same with a wrong password: every registration gets a second 401 and fails.
      const bad = ['SEQUENTIAL', 'user0001;[authentication username=user0001 password=nope]'].join('\n');
      const f = await runSipp({ scenarioFile: SIPP_REGISTER, target: kam.address, injectionCsv: bad, calls: 1, timeoutMs: 20_000 });
      assert.equal(f.stats?.successful, 0);
      assert.equal(f.stats?.failed, 1);
      assert.equal(f.code, 1);
    } finally {
      await kam.stop();
    }
  });
});
