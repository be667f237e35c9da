// bench/register-storm: 10,000 devices register with digest and then all
// re-register (what a PBX sees after a network outage or its own restart),
// against Switchboard and against Kamailio's registrar (in-memory usrloc, the
// reference cfg with -A WITH_AUTH) in the same run. The extensions are created
// in bulk by `switchboard import extensions` (the CLI, through the store,
// while the server runs). SIPp cycles twice through an injection CSV of the
// users and their passwords: one "call" = REGISTER → 401 → REGISTER → 200.
// Afterwards every one of the devices must be listed by GET /api/v1/registrations.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, record, spawnUntil, stop } from './lib.ts';
import { runSipp, type SippResult } from '../test/peers/sipp.ts';
import { Kamailio } from '../test/peers/kamailio.ts';

const SCENARIO = join(ROOT, '../shared/peers/sipp-register-digest.xml');
const KAMAILIO_CFG = join(ROOT, '../shared/peers/kamailio-registrar.cfg');
const FIRST = 20000;
/** SIPp passes over the user list: the first registers every device, the second re-registers it. */
const PASSES = 2;

function usersCsv(users: number, password: (n: number) => string): string {
  const lines = ['SEQUENTIAL'];
  for (let i = 0; i < users; i++) lines.push(`${FIRST + i};[authentication username=${FIRST + i} password=${password(FIRST + i)}]`);
  return `${lines.join('\n')}\n`;
}

async function storm(target: string, csv: string, opts: { rate: number; calls: number }): Promise<{ rate: number; ok: number; failed: number; seconds: number; result: SippResult }> {
  const started = Date.now();
  const result = await runSipp({ scenarioFile: SCENARIO, target, injectionCsv: csv, rate: opts.rate, calls: opts.calls, timeoutMs: 300_000 });
  const seconds = (Date.now() - started) / 1000;
  const ok = result.stats?.successful ?? 0;
  return { rate: ok / seconds, ok, failed: result.stats?.failed ?? 0, seconds, result };
}

export async function run(opts: { smoke: boolean }): Promise<void> {
  const users = opts.smoke ? 500 : Number(process.env.BENCH_STORM_DEVICES ?? 10_000);
  const rate = opts.smoke ? 250 : Number(process.env.BENCH_STORM_RATE ?? 4000);
  const calls = users * PASSES;
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-storm-'));
  const env = { SWITCHBOARD_DATA_DIR: join(dir, 'data'), SWITCHBOARD_HTTP_PORT: '0', SWITCHBOARD_SIP_PORT: '0', SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_LOG_LEVEL: 'warn' };
  // BENCH_CPU_PROF=DIR: a V8 CPU profile of Switchboard, written to DIR when it stops.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const sb = await spawnUntil(process.execPath, [...prof, join(ROOT, 'bin/switchboard.js'), 'start'], env, /register to 127\.0\.0\.1:(\d+)[\s\S]*Health:\s+http:\/\/[^:]+:(\d+)\/healthz[\s\S]*Admin API key[^:]*: (\S+)/);
  let kam: Kamailio | undefined;
  try {
    const sipPort = sb.match[1] ?? '';
    const base = `http://127.0.0.1:${sb.match[2] ?? ''}`;
    const headers = { authorization: `Bearer ${sb.match[3] ?? ''}` };
    // Each device its own password, as a real deployment has.
    const password = (n: number): string => `pw-${String(n * 7919)}`;
    const csvFile = join(dir, 'extensions.csv');
    const rows = ['number,authPassword'];
    for (let i = 0; i < users; i++) rows.push(`${FIRST + i},${password(FIRST + i)}`);
    writeFileSync(csvFile, `${rows.join('\n')}\n`);
    const importStarted = Date.now();
    // The import is idempotent (existing rows are updated), so a try that met the
    // server's own writes ("database is locked": a deferred SQLite transaction
    // cannot wait to upgrade to a writer) is simply run again.
    for (let attempt = 1; ; attempt++) {
      try {
        execFileSync(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'import', 'extensions', csvFile], { env: { ...process.env, ...env }, stdio: 'pipe' });
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
        process.stderr.write(`bench/register-storm: import attempt ${String(attempt)} failed (${String((err as { stderr?: Buffer }).stderr ?? err).split('\n')[0] ?? ''}); again\n`);
      }
    }
    const importSeconds = (Date.now() - importStarted) / 1000;
    kam = await Kamailio.start({ cfg: KAMAILIO_CFG, defines: { WITH_AUTH: true }, sharedMemMb: 1024, udpReceiveBuffer: 2_097_152 });

    const ours = await storm(`127.0.0.1:${sipPort}`, usersCsv(users, password), { rate, calls });
    const peer = await storm(kam.address, usersCsv(users, () => 'secret'), { rate, calls });
    const listed = (await (await fetch(`${base}/api/v1/registrations`, { headers })).json()) as { extension: string }[];
    const registered = new Set(listed.map((d) => d.extension).filter((e) => Number(e) >= FIRST && Number(e) < FIRST + users)).size;
    const ratio = ours.rate / peer.rate;
    const summary =
      `${String(users)} devices × ${String(PASSES)} (register, re-register), target ${String(rate)}/s: ` +
      `switchboard ${ours.rate.toFixed(0)} reg/s (${String(ours.ok)} ok, ${String(ours.failed)} failed, ${String(registered)} listed), ` +
      `kamailio ${peer.rate.toFixed(0)} reg/s (${String(peer.ok)} ok, ${String(peer.failed)} failed); import ${importSeconds.toFixed(1)} s`;
    process.stdout.write(`bench/register-storm: ${summary}, ratio ${ratio.toFixed(2)}${opts.smoke ? ' (smoke)' : ''}\n`);
    if (!opts.smoke && process.env.BENCH_NO_RECORD !== '1') record('register-storm', 'npm run bench -- register-storm', summary, ratio);
    if (ours.ok === 0) throw new Error(`no registration succeeded against Switchboard:\n${ours.result.stderr}\n${ours.result.screen ?? ''}`);
    if (ours.failed > 0) throw new Error(`${String(ours.failed)} registrations failed against Switchboard`);
    if (registered !== users) throw new Error(`${String(registered)} of ${String(users)} devices listed as registered`);
  } finally {
    await kam?.stop();
    await stop(sb.child);
    rmSync(dir, { recursive: true, force: true });
  }
}
