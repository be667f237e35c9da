// bench/sip-register: REGISTER with digest (REGISTER → 401 → REGISTER → 200)
// at a fixed SIPp rate against Switchboard and against Kamailio's registrar
// (in-memory usrloc, the reference cfg with -A WITH_AUTH), same scenario, same
// run. Each "call" is one full registration of one of 1,000 users. Reports the
// achieved registrations/s of each and the ratio.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, record, spawnUntil, stop } from './lib.ts';
import { runSipp, type SippResult } from '../test/peers/sipp.ts';
import { Kamailio } from '../test/peers/kamailio.ts';

const SCENARIO = join(ROOT, '../shared/peers/sipp-register-digest.xml');
const KAMAILIO_CFG = join(ROOT, '../shared/peers/kamailio-registrar.cfg');
const USERS = 1000;

function usersCsv(password: string, first: number): string {
  const lines = ['SEQUENTIAL'];
  for (let i = 0; i < USERS; i++) lines.push(`${first + i};[authentication username=${first + i} password=${password}]`);
  return `${lines.join('\n')}\n`;
}

async function load(target: string, csv: string, opts: { rate: number; calls: number }): Promise<{ rate: number; ok: number; failed: number; result: SippResult }> {
  const started = Date.now();
  const result = await runSipp({ scenarioFile: SCENARIO, target, injectionCsv: csv, rate: opts.rate, calls: opts.calls, timeoutMs: 120_000 });
  const seconds = (Date.now() - started) / 1000;
  const ok = result.stats?.successful ?? 0;
  return { rate: ok / seconds, ok, failed: result.stats?.failed ?? 0, result };
}

export async function run(opts: { smoke: boolean }): Promise<void> {
  const rate = opts.smoke ? 200 : Number(process.env.BENCH_REGISTER_RATE ?? 8000);
  const calls = opts.smoke ? 400 : rate * 10;
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-reg-'));
  const env = { SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_HTTP_PORT: '0', SWITCHBOARD_SIP_PORT: '0', SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_LOG_LEVEL: 'warn' };
  const sb = await spawnUntil(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'start'], env, /register to 127\.0\.0\.1:(\d+)[\s\S]*Health:\s+http:\/\/[^:]+:(\d+)\/healthz[\s\S]*Admin API key[^:]*: (\S+)/);
  let kam: Kamailio | undefined;
  try {
    const sipPort = sb.match[1] ?? '';
    const base = `http://127.0.0.1:${sb.match[2] ?? ''}`;
    const headers = { authorization: `Bearer ${sb.match[3] ?? ''}`, 'content-type': 'application/json' };
    for (let i = 0; i < USERS; i++) {
      const res = await fetch(`${base}/api/v1/extensions`, { method: 'POST', headers, body: JSON.stringify({ number: String(2000 + i), authPassword: 'secret-pass' }) });
      if (res.status !== 201) throw new Error(`creating ${2000 + i}: ${res.status} ${await res.text()}`);
    }
    kam = await Kamailio.start({ cfg: KAMAILIO_CFG, defines: { WITH_AUTH: true }, sharedMemMb: 1024, udpReceiveBuffer: 2_097_152 });

    const ours = await load(`127.0.0.1:${sipPort}`, usersCsv('secret-pass', 2000), { rate, calls });
    const peer = await load(kam.address, usersCsv('secret', 2000), { rate, calls });
    if (ours.ok === 0) throw new Error(`no registration succeeded against Switchboard:\n${ours.result.stderr}\n${ours.result.screen ?? ''}`);
    const ratio = ours.rate / peer.rate;
    const summary = `target ${rate}/s × ${calls}: switchboard ${ours.rate.toFixed(0)} reg/s (${ours.ok} ok, ${ours.failed} failed), kamailio ${peer.rate.toFixed(0)} reg/s (${peer.ok} ok, ${peer.failed} failed)`;
    process.stdout.write(`bench/sip-register: ${summary}, ratio ${ratio.toFixed(2)}${opts.smoke ? ' (smoke)' : ''}\n`);
    if (!opts.smoke) record('sip-register', 'npm run bench -- sip-register', summary, ratio);
    if (ours.failed > 0) throw new Error(`${ours.failed} registrations failed against Switchboard`);
  } finally {
    await kam?.stop();
    await stop(sb.child);
    rmSync(dir, { recursive: true, force: true });
  }
}
