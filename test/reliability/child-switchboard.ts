// Switchboard as a real child process (`bin/switchboard.js start`), so a test
// can kill -9 it and start it again on the same data directory or database.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../../bin/switchboard.js');

export interface ChildSwitchboard {
  child: ChildProcess;
  base: string;
  sipPort: number;
  /** The admin key of the first start (printed only then). */
  adminKey: string | undefined;
  output(): string;
  /** SIGKILL, resolved once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (a clean stop), resolved once the process is gone. */
  stop(): Promise<void>;
}

export async function startChild(env: Record<string, string>, timeoutMs = 60_000): Promise<ChildSwitchboard> {
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...process.env, SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_HTTP_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + timeoutMs;
  const banner = /register to [^:\s]+:(\d+)[\s\S]*Health:\s+http:\/\/[^:]+:(\d+)\/healthz/;
  let m: RegExpExecArray | null;
  while (!(m = banner.exec(out))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`no banner:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const key = /Admin API key[^:]*: (\S+)/.exec(out)?.[1];
  return {
    child,
    base: `http://127.0.0.1:${m[2] ?? ''}`,
    sipPort: Number(m[1]),
    adminKey: key,
    output: () => out,
    kill9: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
