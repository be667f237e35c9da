/**
 * Shared plumbing for the peer drivers: finding binaries, keeping the tail of a
 * child's output for error messages, waiting for exit, and killing leftovers if the
 * test process dies first.
 */
import { accessSync, constants, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';

/** Whether an executable is on PATH (or in /usr/sbin, where Debian puts kamailio). */
export function hasBinary(name: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** The full path of a binary, falling back to the bare name. */
export function binaryPath(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return name;
}

export function missingBinaries(names: readonly string[]): string[] {
  return names.filter((n) => !hasBinary(n));
}

/** Whether the peer's temp dir should survive stop(), for debugging. */
export function keepPeerDirs(): boolean {
  return process.env.KEEP_PEER_DIRS === '1';
}

/** Keeps the last `limit` characters written to it. */
export class OutputTail {
  #text = '';
  constructor(private readonly limit = 64 * 1024) {}
  push(chunk: Buffer | string): void {
    this.#text += chunk.toString();
    if (this.#text.length > this.limit * 2) this.#text = this.#text.slice(-this.limit);
  }
  toString(): string {
    return this.#text.slice(-this.limit);
  }
  lastLines(n = 30): string {
    return this.toString().split('\n').slice(-n).join('\n');
  }
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Resolves with the exit once the child has exited (at once if it already has). */
export function exitOf(child: ChildProcess): Promise<ExitInfo> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Resolves true if the child exits within `ms`, false otherwise. */
export async function exitsWithin(child: ChildProcess, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const r = await Promise.race([exitOf(child).then(() => true as const), timeout]);
  clearTimeout(timer);
  return r;
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// If the test process exits with peers still running (a failed assertion before a
// finally, a crash), kill them so no orphan keeps a port, and drop their temp dirs.
const live = new Map<ChildProcess, { dir: string | undefined; group: boolean }>();
let hooked = false;

/**
 * Registers a child for the exit hook. `group`: the child was spawned `detached` and
 * leads its own process group, which is killed as a whole (kamailio's workers).
 */
export function track(child: ChildProcess, tempDir?: string, options: { group?: boolean } = {}): void {
  live.set(child, { dir: tempDir, group: options.group === true });
  if (hooked) return;
  hooked = true;
  // A signal ends the process without 'exit': clean up, then die of the same signal.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      process.removeListener(sig, onSignal);
      killAll();
      // Someone else handles this signal: leave the decision to them.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
  process.once('exit', killAll);
}

function killAll(): void {
  for (const [c, { dir, group }] of live) {
    if (group && c.pid !== undefined) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        // gone
      }
    } else if (isRunning(c)) c.kill('SIGKILL');
    if (dir !== undefined && !keepPeerDirs()) rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

/** Called by a driver's stop() once the child is gone and its dir cleaned up. */
export function untrack(child: ChildProcess): void {
  live.delete(child);
}
