// kill -9 of a loaded Switchboard, and what must be true after the restart
// (issue 13, chaos). Shared by the SQLite and PostgreSQL tests and by
// `npm run bench -- chaos`. Before the kill:
// - N calls SIPp UAC (3001) → Switchboard → SIPp UAS (3002) are talking,
// - one SIPp call (3001 → 103) rings a baresip phone that does not answer,
// - one call between two baresip phones (101 → 102) is talking and recorded
//   (102's policy `all`), with 101 sending a 1 kHz tone,
// - a webhook subscription to `call.*` has its receiver down, so every call
//   event waits in the outbox,
// - an SMS is accepted while the SMSC is not up.
// After the restart (same SIP port, same data directory or database), with
// the receiver and the SMSC up:
// - every call has exactly one CDR: ANSWERED with its end within a heartbeat of
//   the kill, or FAILED for one call still ringing (3001 → 103, not answered),
// - every call's call.created and call.ended reach the webhook receiver,
// - the SMS reaches the SMSC,
// - the phones' registrations are back: a new SIPp call to 3002 completes, and
//   101 and 102 are listed as registered, none of them having registered again,
// - the recording is stored: its WAV (header fixed) is the 1 kHz tone for about
//   the talk time, per sox.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type ChildSwitchboard } from './child-switchboard.ts';
import { api } from '../helpers/server.ts';
import { eventually } from '../helpers/phones.ts';
import { registerFrom } from '../helpers/sip-register.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { Smsc } from '../peers/smsc.ts';
import { startSipp, type SippRun } from '../peers/sipp.ts';
import { Baresip } from '../peers/baresip.ts';
import { freeTcpPort, freeUdpPort, isTcpPortFree, LOOPBACK } from '../peers/ports.ts';
import { bandRmsRatio, makeSilenceWav, soxStat } from '../peers/audio.ts';

const SCENARIOS = join(import.meta.dirname, '../../bench/scenarios');
const PASSWORD = 'secret-pass'; // the one written into b2bua-uac-auth.xml
/** The journal's heartbeat is 2 s; a loaded machine may run it late. */
const END_SLACK_MS = 4500;

export interface CrashFigures {
  calls: number;
  cdrs: number;
  /** kill -9 → the restarted process listens (its recovery done). */
  recoveryMs: number;
  /** The same after a clean stop (SIGTERM) with nothing to recover: the peer figure. */
  cleanRestartMs: number;
  /** From the first recovered CDR to the end of the recovery (CDRs, call.ended events, the recording's MP3). */
  recoveryWorkMs: number | undefined;
  webhookEvents: number;
  recordingMs: number;
}

async function sipPortFree(): Promise<number> {
  for (;;) {
    const p = await freeUdpPort();
    if (await isTcpPortFree(p)) return p;
  }
}

export async function crashScenario(o: { calls: number; env?: Record<string, string>; log?: (line: string) => void }): Promise<CrashFigures> {
  const t0 = Date.now();
  const log = (line: string): void => o.log?.(`${String(Date.now() - t0).padStart(6)} ms  ${line}`);
  const dir = mkdtempSync(join(tmpdir(), 'sb-crash-'));
  const receiver = new WebhookReceiver();
  await receiver.start();
  const hookPort = receiver.port;
  const smppPort = await freeTcpPort();
  const sipPort = await sipPortFree();
  const env = {
    SWITCHBOARD_DATA_DIR: join(dir, 'data'),
    SWITCHBOARD_SIP_PORT: String(sipPort),
    SWITCHBOARD_LOG_LEVEL: 'warn',
    SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
    SWITCHBOARD_WEBHOOK_BACKOFF: Array(20).fill('1').join(','),
    SWITCHBOARD_SMPP_URL: `smpp://sb:s3cret@127.0.0.1:${String(smppPort)}`,
    SWITCHBOARD_RTP_TIMEOUT: '600',
    ...o.env,
  };
  const runs: SippRun[] = [];
  const phones: Baresip[] = [];
  let smsc: Smsc | undefined;
  let sb: ChildSwitchboard | undefined;
  try {
    sb = await startChild(env);
    const key = sb.adminKey ?? '';
    assert.notEqual(key, '', 'the first start prints an admin key');
    const call = (method: string, path: string, body?: unknown) => api((sb as ChildSwitchboard).base, key, method, path, body);
    for (const number of ['3001', '3002']) assert.equal((await call('POST', '/api/v1/extensions', { number, authPassword: PASSWORD })).status, 201);
    assert.equal((await call('PATCH', '/api/v1/extensions/102', { recording: 'all' })).status, 200);
    assert.equal((await call('POST', '/api/v1/webhooks', { url: receiver.url, events: ['call.*'] })).status, 201);
    await receiver.stop();
    log('started, directory ready');

    const server = { host: LOOPBACK, port: sipPort };
    const uasPort = await freeUdpPort();
    await registerFrom(uasPort, server, '3002', PASSWORD);
    const uas = await startSipp({ scenarioFile: join(SCENARIOS, 'b2bua-uas.xml'), localPort: uasPort, timeoutMs: 600_000 });
    runs.push(uas);
    const silence = join(dir, 'silence.wav');
    await makeSilenceWav(silence);
    const registrar = `127.0.0.1:${String(sipPort)}`;
    for (const [ext, opts] of [['101', { toneHz: 1000 }], ['102', { audioFile: silence, answermode: 'auto' as const }], ['103', { answermode: 'manual' as const }]] as const) {
      const password = (await call('GET', `/api/v1/extensions/${ext}`)).body.authPassword as string;
      const phone = await Baresip.start({ user: ext, password, registrar, regint: 600, ...opts });
      phones.push(phone);
      await phone.waitRegistered(10_000);
    }
    log('phones registered');
    const [p101, p102, p103] = phones as [Baresip, Baresip, Baresip];

    const sms = await fetch(`${sb.base}/sendSMS`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'to=600100200&body=survives+a+crash' });
    assert.equal(sms.status, 200);
    assert.equal(((await sms.json()) as any).responseStatus, 'QUEUE');

    runs.push(await startSipp({ scenarioFile: join(SCENARIOS, 'b2bua-uac-auth.xml'), target: `${LOOPBACK}:${String(sipPort)}`, rate: Math.min(o.calls, 50), calls: o.calls, concurrent: o.calls, timeoutMs: 600_000, args: ['-s', '3002', '-d', '600000', '-recv_timeout', '10000'] }));
    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 15_000), p102.waitForType('CALL_ESTABLISHED', 15_000)]);
    await p101.dial(`sip:102@${registrar}`);
    await up;
    const live = await eventually(async () => {
      const calls = (await call('GET', '/api/v1/calls')).body as any[];
      return calls.length === o.calls + 1 && calls.every((c) => c.state === 'Talking') ? calls : undefined;
    }, 60_000, `${o.calls + 1} talking calls`);
    log(`${live.length} calls talking`);
    // And one still ringing at the kill: 3001 calls 103, whose phone does not answer.
    const ringing = p103.waitForType('CALL_INCOMING', 15_000);
    runs.push(await startSipp({ scenarioFile: join(SCENARIOS, 'b2bua-uac-auth.xml'), target: `${LOOPBACK}:${String(sipPort)}`, calls: 1, timeoutMs: 600_000, args: ['-s', '103', '-d', '600000', '-recv_timeout', '60000'] }));
    await ringing;
    // Talk long enough for a few heartbeats and a recording worth checking.
    await new Promise((r) => setTimeout(r, 4000));

    const killedAt = Date.now();
    await sb.kill9();
    sb = await startChild(env);
    const recoveryMs = Date.now() - killedAt;
    // The restarted process logs (at warn) when its recovery is done: how much of the restart that was.
    const recoveredLine = sb
      .output()
      .split('\n')
      .find((l) => l.includes('"recovered from a crash"'));
    const recoveredAt = recoveredLine ? (JSON.parse(recoveredLine) as { time: number }).time : undefined;
    const cutLines = sb.output().split('\n').filter((l) => l.includes('"call cut by a crash')).map((l) => (JSON.parse(l) as { time: number }).time);
    const recoveryWork = recoveredAt !== undefined && cutLines.length > 0 ? recoveredAt - Math.min(...cutLines) : undefined;
    log(`restarted ${recoveryMs} ms after the kill; recovery done ${recoveredAt !== undefined ? recoveredAt - killedAt : '?'} ms after the kill, of which ~${String(recoveryWork ?? '?')} ms writing CDRs, events and the recording`);
    await receiver.start(hookPort);
    smsc = new Smsc({ systemId: 'sb', password: 's3cret' });
    await smsc.start(smppPort);

    // Every call has one CDR: answered and ended at the crash, or FAILED for the one still ringing.
    // The SMS has a CDR row of its own (seed 003: its responseId is a uniqueid); these are the calls'.
    const all = (await call('GET', '/api/v1/cdr')).body as any[];
    assert.equal(all.filter((c) => c.lastapp === 'SMS').length, 1, 'the SMS accepted before the kill has its row');
    const cdrs = all.filter((c) => c.lastapp !== 'SMS');
    assert.equal(cdrs.length, o.calls + 2, 'one CDR per call');
    assert.equal(new Set(cdrs.map((c) => c.callId)).size, o.calls + 2);
    assert.deepEqual(cdrs.map((c) => c.dst).sort(), ['102', '103', ...Array<string>(o.calls).fill('3002')].sort());
    const unanswered = cdrs.find((c) => c.dst === '103');
    assert.equal(unanswered.disposition, 'FAILED', 'the call ringing at the kill');
    assert.equal(unanswered.billsec, 0);
    assert.equal(unanswered.answeredAt, null);
    for (const c of cdrs.filter((x) => x !== unanswered)) {
      assert.equal(c.disposition, 'ANSWERED', `call ${String(c.callId)} was talking`);
      const ended = Date.parse(c.endedAt);
      assert.ok(ended <= killedAt + 500 && ended >= killedAt - END_SLACK_MS, `call ${String(c.callId)} ended at ${String(c.endedAt)}, the kill was at ${new Date(killedAt).toISOString()}`);
      assert.ok(c.billsec >= 2, `call ${String(c.callId)}: billsec ${String(c.billsec)}`);
    }
    assert.deepEqual((await call('GET', '/api/v1/calls')).body, [], 'no call survives a crash');

    log('CDRs checked');
    // Every call event queued before the kill, and each recovered end, is delivered.
    const ids = cdrs.map((c) => String(c.callId)).sort();
    const seen = (type: string): string[] => [...new Set(receiver.received.map((r) => JSON.parse(r.body) as any).filter((b) => b.type === type).map((b) => String(b.data.call.id)))].sort();
    await receiver.until(() => seen('call.ended').length >= ids.length && seen('call.created').length >= ids.length, 60_000, 'call.created and call.ended of every call');
    assert.deepEqual(seen('call.created'), ids);
    assert.deepEqual(seen('call.ended'), ids);

    log('webhooks delivered');
    // The SMS accepted before the kill reaches the SMSC.
    await eventually(async () => smsc?.submitted.some((s) => s.destination === '48600100200'), 30_000, 'the SMS at the SMSC');

    log('SMS delivered');
    // Registrations are back without a REGISTER: a new call reaches the SIPp UAS, and baresip's phones are listed.
    const registered = ((await call('GET', '/api/v1/registrations')).body as any[]).map((d) => String(d.extension));
    for (const ext of ['101', '102', '103', '3002']) assert.ok(registered.includes(ext), `${ext} registered after the restart (${registered.join(', ')})`);
    const again = await startSipp({ scenarioFile: join(SCENARIOS, 'b2bua-uac-auth.xml'), target: `${LOOPBACK}:${String(sipPort)}`, calls: 1, timeoutMs: 30_000, args: ['-s', '3002', '-d', '500', '-recv_timeout', '10000'] });
    const result = await again.done;
    assert.equal(result.stats?.successful, 1, `a call to 3002 after the restart: ${result.stderr}`);

    log('new call after restart done');
    // The recording cut by the kill is stored, tied to its CDR, and plays the tone.
    const recorded = cdrs.find((c) => c.dst === '102');
    const rec = await eventually(async () => ((await call('GET', '/api/v1/recordings')).body as any[])[0], 30_000, 'the recovered recording');
    assert.equal(rec.cdrUniqueid, recorded.uniqueid);
    const wav = await fetch(`${sb.base}${String(rec.link).replace(/\.mp3$/, '.wav')}`);
    assert.equal(wav.status, 200);
    const file = join(dir, 'recovered.wav');
    writeFileSync(file, Buffer.from(await wav.arrayBuffer()));
    const stat = await soxStat(file);
    assert.ok(stat.lengthSeconds >= 2 && stat.lengthSeconds <= recorded.billsec + 2, `recording of ${String(stat.lengthSeconds)} s for a talk time of ${String(recorded.billsec)} s`);
    assert.ok((await bandRmsRatio(file, 900, 1100)) >= 0.6, 'the recording is the 1 kHz tone');
    const mp3 = await fetch(`${sb.base}${String(rec.link)}`);
    assert.equal(mp3.status, 200);
    assert.equal(mp3.headers.get('content-type'), 'audio/mpeg');
    assert.ok((await mp3.arrayBuffer()).byteLength > 1000);
    // The peer figure: a clean stop and start of the same installation, nothing to recover.
    await sb.stop();
    const stoppedAt = Date.now();
    sb = await startChild(env);
    const cleanRestartMs = Date.now() - stoppedAt;
    log(`clean restart ${cleanRestartMs} ms`);
    return { calls: o.calls + 2, cdrs: cdrs.length, recoveryMs, cleanRestartMs, recoveryWorkMs: recoveryWork, webhookEvents: receiver.received.length, recordingMs: Math.round(stat.lengthSeconds * 1000) };
  } finally {
    for (const r of runs) await r.stop().catch(() => undefined);
    for (const p of phones) await p.stop().catch(() => undefined);
    await sb?.kill9();
    await smsc?.stop();
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
