// bench/callcontrol-ws: latency from a SIP state change to the Call Control
// WebSocket frame, with 200 clients connected. The state change is a phone's
// registration (a fresh contact each time: one `device.registered` event);
// the clock starts as its first REGISTER leaves (so the 401 round trip is
// included) and stops as each client's frame for that device arrives. The
// same registrations are then measured through the native /api/v1/events
// WebSocket with 200 clients: the ratio is our p50 ÷ the native stream's.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, record, spawnUntil, stop } from './lib.ts';
import { SipUa } from '../test/helpers/sip-ua.ts';

interface Options {
  smoke: boolean;
}

interface Ws {
  on(event: 'message', l: (data: Buffer) => void): void;
  on(event: 'open', l: () => void): void;
  on(event: 'error', l: (err: Error) => void): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string, opts: object) => Ws;

const CLIENTS = 200;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function openAll(url: string, headers: Record<string, string>, onFrame: (text: string, at: number) => void): Promise<Ws[]> {
  const sockets: Ws[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const ws = new WebSocket(url, { headers });
    ws.on('message', (d) => onFrame(d.toString(), performance.now()));
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    });
    sockets.push(ws);
  }
  return sockets;
}

/** Registers fresh contacts one by one; returns, per registration, every client's latency in ms. */
async function measure(
  sip: { host: string; port: number },
  phones: { user: string; password: string }[],
  samples: number,
  contactOf: (text: string) => string | undefined,
  url: string,
  headers: Record<string, string>,
): Promise<{ latencies: number[]; missing: number; registered: number[] }> {
  const pending = new Map<string, { t0: number; got: number[] }>();
  const sockets = await openAll(url, headers, (text, at) => {
    const contact = contactOf(text);
    const p = contact === undefined ? undefined : pending.get(contact);
    if (p) p.got.push(at - p.t0);
  });
  const latencies: number[] = [];
  const registered: number[] = [];
  let missing = 0;
  try {
    for (let i = 0; i < samples; i++) {
      const phone = phones[i % phones.length];
      if (!phone) throw new Error('no phones');
      const ua = await new SipUa(sip, phone.user, phone.password).open();
      const port = (ua as unknown as { port: number }).port;
      const contact = `sip:${phone.user}@127.0.0.1:${String(port)}`;
      const entry = { t0: performance.now(), got: [] as number[] };
      pending.set(contact, entry);
      const res = await ua.register();
      registered.push(performance.now() - entry.t0);
      if (res.status !== 200) throw new Error(`REGISTER ${phone.user}: ${String(res.status)}`);
      const end = Date.now() + 5000;
      while (entry.got.length < CLIENTS && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      latencies.push(...entry.got);
      missing += CLIENTS - entry.got.length;
      pending.delete(contact);
      ua.close();
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    for (const s of sockets) s.close();
  }
  return { latencies: latencies.sort((a, b) => a - b), missing, registered: registered.sort((a, b) => a - b) };
}

export async function run(opts: Options): Promise<void> {
  const samples = opts.smoke ? 3 : 100;
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-ccws-'));
  const env = { SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_HTTP_PORT: '0', SWITCHBOARD_SIP_PORT: '0', SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_LOG_LEVEL: 'warn' };
  const sb = await spawnUntil(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'start'], env, /Health:\s+http:\/\/[^:]+:(\d+)\/healthz[\s\S]*Admin API key[^:]*: (\S+)/);
  try {
    const base = `http://127.0.0.1:${sb.match[1] ?? ''}`;
    const admin = { authorization: `Bearer ${sb.match[2] ?? ''}`, 'content-type': 'application/json' };
    const health = (await (await fetch(`${base}/healthz`)).json()) as { ports: { sip?: { udp: number } } };
    const sip = { host: '127.0.0.1', port: health.ports.sip?.udp ?? 0 };
    const phones: { user: string; password: string }[] = [];
    for (const n of ['100', '101', '102', '103', '104']) {
      const ext = (await (await fetch(`${base}/api/v1/extensions/${n}`, { headers: admin })).json()) as { authPassword: string };
      phones.push({ user: n, password: ext.authPassword });
    }
    const key = ((await (await fetch(`${base}/api/v1/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ role: 'read', label: 'bench' }) })).json()) as { key: string }).key;
    const form = new URLSearchParams({ client_id: '100', client_secret: key, grant_type: 'client_credentials' });
    const token = ((await (await fetch(`${base}/connect/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })).json()) as { access_token: string }).access_token;

    const wsBase = base.replace(/^http/, 'ws');
    const ours = await measure(sip, phones, samples, (text) => {
      const f = JSON.parse(text) as { event: { event_type: number; entity: string } };
      const m = /^\/callcontrol\/[^/]+\/devices\/(.+)$/.exec(f.event.entity);
      return f.event.event_type === 0 && m?.[1] ? decodeURIComponent(m[1]) : undefined;
    }, `${wsBase}/callcontrol/ws`, { authorization: `Bearer ${token}` });
    const native = await measure(sip, phones, samples, (text) => {
      const f = JSON.parse(text) as { type?: string; payload?: { contact?: string } };
      return f.type === 'device.registered' ? f.payload?.contact : undefined;
    }, `${wsBase}/api/v1/events`, { authorization: `Bearer ${key}` });

    const describe = (r: typeof ours) =>
      `p50 ${percentile(r.latencies, 50).toFixed(1)} ms, p99 ${percentile(r.latencies, 99).toFixed(1)} ms (${String(r.latencies.length)} frames, ${String(r.missing)} missing; REGISTER→200 p50 ${percentile(r.registered, 50).toFixed(1)} ms)`;
    const ratio = percentile(ours.latencies, 50) / percentile(native.latencies, 50);
    const summary = `${String(CLIENTS)} clients × ${String(samples)} registrations: callcontrol ${describe(ours)}; native /api/v1/events ${describe(native)}`;
    process.stdout.write(`bench/callcontrol-ws: ${summary}, ratio ${ratio.toFixed(2)}${opts.smoke ? ' (smoke)' : ''}\n`);
    if (ours.missing > 0) throw new Error(`${String(ours.missing)} call control frames never arrived`);
    if (!opts.smoke) record('callcontrol-ws', 'npm run bench -- callcontrol-ws', summary, ratio);
  } finally {
    await stop(sb.child);
    rmSync(dir, { recursive: true, force: true });
  }
}
