// bench/webapi: the TCXWebAPI dialect's all.ext.get (100 extensions) and
// ext.state.get?num=101, key in the path, against a bare Fastify server
// answering the same URLs with the same JSON, loaded by autocannon in the
// same run. Prints requests/s of each and the ratios.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ROOT, record, spawnUntil, stop } from './lib.ts';

async function load(url: string, seconds: number): Promise<{ rps: number; p99: number; errors: number; non2xx: number }> {
  const r = await autocannon({ url, connections: 16, duration: seconds, pipelining: 1 });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

export async function run(opts: { smoke: boolean }): Promise<void> {
  const seconds = opts.smoke ? 2 : 10;
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-webapi-'));
  const env = { SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_HTTP_PORT: '0', SWITCHBOARD_SIP_PORT: '0', SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_LOG_LEVEL: 'warn' };
  // BENCH_CPU_PROF=DIR: a V8 CPU profile of Switchboard, written to DIR when it stops.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const sb = await spawnUntil(process.execPath, [...prof, join(ROOT, 'bin/switchboard.js'), 'start'], env, /Health:\s+http:\/\/[^:]+:(\d+)\/healthz[\s\S]*Admin API key[^:]*: (\S+)/);
  let bare: Awaited<ReturnType<typeof spawnUntil>> | undefined;
  try {
    const base = `http://127.0.0.1:${sb.match[1] ?? ''}`;
    const admin = { authorization: `Bearer ${sb.match[2] ?? ''}`, 'content-type': 'application/json' };
    for (let n = 106; n < 200; n++) {
      const res = await fetch(`${base}/api/v1/extensions`, { method: 'POST', headers: admin, body: JSON.stringify({ number: String(n), firstName: `User${n}`, lastName: 'Bench' }) });
      if (res.status !== 201) throw new Error(`creating ${n}: ${res.status} ${await res.text()}`);
    }
    const keyRes = await fetch(`${base}/api/v1/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ role: 'read', label: 'bench' }) });
    const key = encodeURIComponent(((await keyRes.json()) as { key: string }).key);
    const commands = { 'all.ext.get': '', 'ext.state.get': '?num=101' };
    const docs: Record<string, unknown> = {};
    for (const [command, qs] of Object.entries(commands)) {
      const res = await fetch(`${base}/webapi/${key}/${command}${qs}`);
      if (res.status !== 200) throw new Error(`${command}: ${res.status}`);
      docs[command] = await res.json();
    }
    if ((docs['all.ext.get'] as unknown[]).length !== 100) throw new Error('expected 100 extensions');
    const docFile = join(dir, 'docs.json');
    writeFileSync(docFile, JSON.stringify(docs));
    bare = await spawnUntil(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/webapi-peer.ts'), docFile], {}, /listening (\d+)/);
    const bareBase = `http://127.0.0.1:${bare.match[1] ?? ''}`;
    const parts: string[] = [];
    let worst = Infinity;
    for (const [command, qs] of Object.entries(commands)) {
      const oursUrl = `${base}/webapi/${key}/${command}${qs}`;
      const peerUrl = `${bareBase}/webapi/${key}/${command}${qs}`;
      await load(oursUrl, 1);
      await load(peerUrl, 1);
      const ours = await load(oursUrl, seconds);
      const peer = await load(peerUrl, seconds);
      if (ours.errors + ours.non2xx > 0) throw new Error(`${command}: switchboard had ${ours.errors} errors and ${ours.non2xx} non-2xx answers`);
      const ratio = ours.rps / peer.rps;
      worst = Math.min(worst, ratio);
      parts.push(`${command}: switchboard ${ours.rps.toFixed(0)} req/s (p99 ${ours.p99} ms), bare fastify ${peer.rps.toFixed(0)} req/s (p99 ${peer.p99} ms), ratio ${ratio.toFixed(2)}`);
    }
    const summary = parts.join('; ');
    process.stdout.write(`bench/webapi: ${summary}${opts.smoke ? ' (smoke)' : ''}\n`);
    if (!opts.smoke) record('webapi', 'npm run bench -- webapi', summary, worst);
  } finally {
    await stop(sb.child);
    if (bare) await stop(bare.child);
    rmSync(dir, { recursive: true, force: true });
  }
}
