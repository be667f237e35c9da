// A Call Control client written the way 3CX's own samples are: HTTPS with the
// PBX's (self-signed) certificate, a multipart token request, JSON GETs and
// POSTs with the Bearer token, and the WebSocket over wss:// on the same port.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificate } from '../../src/cli/cert.ts';
import { startTestServer, type TestServer } from './server.ts';
import { Baresip, type BaresipOptions } from '../peers/baresip.ts';

export interface Reply {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** A whole response: its status, headers and body, parsed when it is JSON. */
export function readReply(res: IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
    });
  });
}

/** A self-signed pair for 127.0.0.1, as `switchboard cert create` makes it. */
export async function selfSignedCertificate(): Promise<{ cert: string; key: string; ca: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-cert-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await createCertificate({ cert, key, hosts: ['127.0.0.1', 'localhost'], days: 2 });
  return { cert, key, ca: readFileSync(cert, 'utf8') };
}

export function multipartBody(fields: Record<string, string>): { body: Buffer; contentType: string } {
  const boundary = `----sbtest${String(Date.now())}`;
  const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  return { body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`), contentType: `multipart/form-data; boundary=${boundary}` };
}

interface WsLike {
  on(event: 'message', l: (data: Buffer) => void): void;
  on(event: 'open', l: () => void): void;
  on(event: 'ping', l: () => void): void;
  on(event: 'close', l: (code: number, reason: Buffer) => void): void;
  on(event: 'error' | 'unexpected-response', l: (err: any, res?: any) => void): void;
  close(): void;
}
type WsConstructor = new (url: string, opts: object) => WsLike;
const WebSocket = createRequire(import.meta.url)('ws') as WsConstructor;

export interface Frame {
  sequence: number;
  event: { event_type: number; entity: string; attached_data: Record<string, unknown> };
}

export class FrameLog {
  readonly frames: Frame[] = [];
  pings = 0;
  private waiters: (() => void)[] = [];
  constructor(readonly socket: WsLike) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('ping', () => {
      this.pings += 1;
    });
  }

  /** Resolves with the first frame after index `from` that matches. */
  async waitFor(match: (f: Frame) => boolean, timeoutMs = 10_000, from = 0): Promise<Frame> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.slice(from).find(match);
      if (f) return f;
      if (Date.now() > end) throw new Error(`no matching frame within ${String(timeoutMs)} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

export class CallControlClient {
  token: string | undefined;
  constructor(
    readonly base: string,
    readonly ca: string,
  ) {}

  request(method: string, path: string, opts: { json?: unknown; raw?: { body: Buffer | string; contentType?: string }; token?: string | null; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? this.token : opts.token;
    if (token !== undefined && token !== null) headers.authorization = `Bearer ${token}`;
    let payload: Buffer | string | undefined;
    if (opts.json !== undefined) {
      payload = JSON.stringify(opts.json);
      headers['content-type'] = 'application/json';
    } else if (opts.raw) {
      payload = opts.raw.body;
      if (opts.raw.contentType) headers['content-type'] = opts.raw.contentType;
    }
    return new Promise((resolve, reject) => {
      const req = httpsRequest(`${this.base}${path}`, { method, headers, ca: this.ca }, (res) => void readReply(res).then(resolve, reject));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get(path: string): Promise<Reply> {
    return this.request('GET', path);
  }

  post(path: string, json?: unknown): Promise<Reply> {
    return this.request('POST', path, json === undefined ? {} : { json });
  }

  /** POST /connect/token as multipart/form-data; keeps the access token. */
  async connect(dn: string, secret: string): Promise<Reply> {
    const form = multipartBody({ client_id: dn, client_secret: secret, grant_type: 'client_credentials' });
    const res = await this.request('POST', '/connect/token', { raw: { body: form.body, contentType: form.contentType }, token: null });
    if (res.status === 200) this.token = res.body.access_token as string;
    return res;
  }

  /** Opens wss://…/callcontrol/ws with the token in the header; rejects with the HTTP status when refused. */
  ws(token: string | undefined = this.token): Promise<FrameLog> {
    const url = `${this.base.replace(/^https/, 'wss')}/callcontrol/ws`;
    const socket = new WebSocket(url, { ca: this.ca, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    const log = new FrameLog(socket);
    return new Promise((resolve, reject) => {
      socket.on('open', () => resolve(log));
      socket.on('unexpected-response', (_req: unknown, res: { statusCode: number }) => reject(new Error(`HTTP ${String(res.statusCode)}`)));
      socket.on('error', (err: Error) => reject(err));
    });
  }
}

/** A server serving HTTPS/WSS with a fresh self-signed certificate, and a client that trusts it. */
export async function startHttpsServer(env: Record<string, string> = {}): Promise<{ t: TestServer; client: CallControlClient }> {
  const pair = await selfSignedCertificate();
  const t = await startTestServer({ SWITCHBOARD_TLS_CERT: pair.cert, SWITCHBOARD_TLS_KEY: pair.key, ...env });
  return { t, client: new CallControlClient(`https://127.0.0.1:${String(t.server.ports.http)}`, pair.ca) };
}

/** As helpers/phones.ts registeredPhone, with the SIP password read from the directory (the HTTP port speaks HTTPS here). */
export async function httpsRegisteredPhone(t: TestServer, ext: string, opts: Partial<BaresipOptions> = {}): Promise<Baresip> {
  const row = await t.server.control.directory.extensions.get(ext, { withSecrets: true });
  const phone = await Baresip.start({ user: ext, password: row.authPassword as string, registrar: `127.0.0.1:${String(t.sipPort)}`, regint: 600, ...opts });
  await phone.waitRegistered(5000);
  return phone;
}
