// Starts a real Switchboard on free ports with its own data directory.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import type { Logger } from 'pino';
import { startServer, createLogger, type RunningServer } from '../../src/server.ts';

export interface TestServer {
  server: RunningServer;
  dataDir: string;
  base: string;
  sipPort: number;
  adminKey: string;
  stop(): Promise<void>;
}

/** Starts a server; with `dataDir` it reuses that directory (a restart) and keeps it on stop. */
export async function startTestServer(env: Record<string, string> = {}, opts: { dataDir?: string; logger?: Logger } = {}): Promise<TestServer> {
  const dir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'sb-srv-'));
  const config = loadConfig({
    SWITCHBOARD_HOST: '127.0.0.1',
    SWITCHBOARD_HTTP_PORT: '0',
    SWITCHBOARD_SIP_PORT: '0',
    SWITCHBOARD_DATA_DIR: dir,
    SWITCHBOARD_LOG_LEVEL: 'warn',
    SWITCHBOARD_DEMO: 'true',
    ...env,
  });
  const server = await startServer(config, opts.logger ?? createLogger(config));
  const adminKey = server.demo?.adminKey ?? (await server.control.keys.create('admin', 'test')).key;
  return {
    server,
    dataDir: dir,
    base: `http://127.0.0.1:${String(server.ports.http)}`,
    sipPort: server.ports.sip?.udp ?? 0,
    adminKey,
    stop: async () => {
      await server.stop();
      if (opts.dataDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function api(base: string, key: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
