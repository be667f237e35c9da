// Starts a real Switchboard on free ports with its own data directory.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { startServer, createLogger, type RunningServer } from '../../src/server.ts';

export interface TestServer {
  server: RunningServer;
  base: string;
  adminKey: string;
  stop(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-srv-'));
  const config = loadConfig({
    SWITCHBOARD_HOST: '127.0.0.1',
    SWITCHBOARD_HTTP_PORT: '0',
    SWITCHBOARD_SIP_PORT: '0',
    SWITCHBOARD_DATA_DIR: dir,
    SWITCHBOARD_LOG_LEVEL: 'warn',
    SWITCHBOARD_DEMO: 'true',
    ...env,
  });
  const server = await startServer(config, createLogger(config));
  if (!server.demo) throw new Error('expected a first run');
  return {
    server,
    base: `http://127.0.0.1:${String(server.ports.http)}`,
    adminKey: server.demo.adminKey,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
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
