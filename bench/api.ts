// bench/api: GET /api/v1/extensions with 100 extensions, authenticated with a
// read key, against a bare Fastify route returning the same JSON, both loaded
// by autocannon in the same run. Prints requests/s of each and the ratio.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ROOT, record, spawnUntil, stop } from './lib.ts';

interface Options {
  smoke: boolean;
}

async function load(url: string, headers: Record<string, string>, seconds: number): Promise<{ rps: number; p99: number; errors: number; non2xx: number }> {
  const r = await autocannon({ url, headers, connections: 16, duration: seconds, pipelining: 1 });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

export async function run(opts: Options): Promise<void> {
  const seconds = opts.smoke ? 2 : 15;
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-api-'));
  const env = { SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_HTTP_PORT: '0', SWITCHBOARD_SIP_PORT: '0', SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_LOG_LEVEL: 'warn' };
  const sb = await spawnUntil(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'start'], env, /Health:\s+http:\/\/[^:]+:(\d+)\/healthz[\s\S]*Admin API key[^:]*: (\S+)/);
  let bare: Awaited<ReturnType<typeof spawnUntil>> | undefined;
  try {
    const base = `http://127.0.0.1:${sb.match[1] ?? ''}`;
    const admin = { authorization: `Bearer ${sb.match[2] ?? ''}`, 'content-type': 'application/json' };
    for (let n = 106; n < 200; n++) {
      const res = await fetch(`${base}/api/v1/extensions`, { method: 'POST', headers: admin, body: JSON.stringify({ number: String(n), firstName: `User${n}`, lastName: 'Bench', email: `u${n}@example.com` }) });
      if (res.status !== 201) throw new Error(`creating ${n}: ${res.status} ${await res.text()}`);
    }
    const keyRes = await fetch(`${base}/api/v1/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ role: 'read', label: 'bench' }) });
    const readKey = ((await keyRes.json()) as { key: string }).key;
    const headers = { authorization: `Bearer ${readKey}` };
    const docRes = await fetch(`${base}/api/v1/extensions`, { headers });
    const doc = (await docRes.json()) as { total: number };
    if (doc.total !== 100) throw new Error(`expected 100 extensions, got ${doc.total}`);
    const docFile = join(dir, 'doc.json');
    writeFileSync(docFile, JSON.stringify(doc));
    bare = await spawnUntil(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/bare-fastify.ts'), docFile], {}, /listening (\d+)/);
    const bareUrl = `http://127.0.0.1:${bare.match[1] ?? ''}/api/v1/extensions`;

    await load(`${base}/api/v1/extensions`, headers, 1);
    await load(bareUrl, {}, 1);
    const ours = await load(`${base}/api/v1/extensions`, headers, seconds);
    const peer = await load(bareUrl, {}, seconds);
    if (ours.errors + ours.non2xx > 0) throw new Error(`switchboard had ${ours.errors} errors and ${ours.non2xx} non-2xx answers`);
    const ratio = ours.rps / peer.rps;
    const summary = `switchboard ${ours.rps.toFixed(0)} req/s (p99 ${ours.p99} ms), bare fastify ${peer.rps.toFixed(0)} req/s (p99 ${peer.p99} ms)`;
    process.stdout.write(`bench/api: ${summary}, ratio ${ratio.toFixed(2)}${opts.smoke ? ' (smoke)' : ''}\n`);
    if (!opts.smoke) record('api', 'npm run bench -- api', summary, ratio);
  } finally {
    await stop(sb.child);
    if (bare) await stop(bare.child);
    rmSync(dir, { recursive: true, force: true });
  }
}
