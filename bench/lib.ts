// Shared by the benchmarks: starting processes (Switchboard among them),
// reading the machine and a process's CPU time, a PostgreSQL admin statement,
// and appending a dated row to bench/RESULTS.md.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const ROOT = join(import.meta.dirname, '..');
export const RESULTS = join(ROOT, 'bench', 'RESULTS.md');

export function machine(): string {
  const c = cpus();
  return `${c.length}× ${c[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
}

/** BENCH_NO_RECORD=1 leaves bench/RESULTS.md alone (exploratory runs, A/B comparisons). */
export function record(bench: string, command: string, result: string, ratio: number): void {
  if (process.env.BENCH_NO_RECORD === '1') return;
  if (!existsSync(RESULTS)) {
    writeFileSync(RESULTS, '# Benchmark results\n\nEach row: one run of one benchmark, against a peer in the same run. Ratios (ours ÷ peer) are what to compare across machines.\n\n| date | bench | command | machine | result | ratio |\n|---|---|---|---|---|---|\n');
  }
  appendFileSync(RESULTS, `| ${new Date().toISOString().slice(0, 16).replace('T', ' ')} | ${bench} | \`${command}\` | ${machine()} | ${result} | ${ratio.toFixed(2)} |\n`);
}

/** Spawns a process and resolves once a line of its output matches `ready`. */
export async function spawnUntil(cmd: string, args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 30_000): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} did not get ready:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${String(code)}:\n${out}`));
    });
  });
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** What Switchboard prints once it listens: its SIP port, the health port (the HTTP API's), and on a first start its admin key. */
const READY = /register to 127\.0\.0\.1:(\d+)[\s\S]*Health:\s+http:\/\/[^:]+:(\d+)\/healthz/;
const READY_WITH_KEY = /register to 127\.0\.0\.1:(\d+)[\s\S]*Health:\s+http:\/\/[^:]+:(\d+)\/healthz[\s\S]*Admin API key[^:]*: (\S+)/;

export interface SwitchboardProcess {
  child: ChildProcess;
  sipPort: number;
  /** http://127.0.0.1:PORT */
  base: string;
  /** The admin key it printed; empty when not waited for. */
  key: string;
}

/**
 * Switchboard as a real process (`bin/switchboard.js start`) with `env`;
 * resolves once it listens (and with `withKey`, once it printed the admin key
 * of a fresh data directory). BENCH_CPU_PROF=DIR: a V8 CPU profile written to
 * DIR when it stops. The caller drains or reads its output.
 */
export async function startSwitchboard(env: Record<string, string>, o: { withKey?: boolean; timeoutMs?: number } = {}): Promise<SwitchboardProcess> {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const withKey = o.withKey ?? true;
  const s = await spawnUntil(process.execPath, [...prof, join(ROOT, 'bin/switchboard.js'), 'start'], env, withKey ? READY_WITH_KEY : READY, o.timeoutMs);
  return { child: s.child, sipPort: Number(s.match[1]), base: `http://127.0.0.1:${s.match[2] ?? ''}`, key: s.match[3] ?? '' };
}

/** Creates each extension with the same SIP password through the admin API; throws on any refusal. */
export async function createExtensions(sb: { base: string; key: string }, numbers: string[], password: string): Promise<void> {
  const headers = { authorization: `Bearer ${sb.key}`, 'content-type': 'application/json' };
  for (const number of numbers) {
    const res = await fetch(`${sb.base}/api/v1/extensions`, { method: 'POST', headers, body: JSON.stringify({ number, authPassword: password }) });
    if (res.status !== 201) throw new Error(`creating ${number}: ${String(res.status)} ${await res.text()}`);
  }
}

/** One statement on its own connection (CREATE / DROP DATABASE cannot run in a transaction). */
export async function pgAdmin(url: string, statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

// ---- CPU from /proc ---------------------------------------------------------

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** [pgrp, utime+stime in ticks] of one process, from /proc/PID/stat (proc(5) fields 5, 14, 15). */
export function procStat(pid: number): [number, number] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return [Number(f[2]), Number(f[11]) + Number(f[12])];
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by the processes `pids()` names (all their threads); a process gone counts 0. */
export function cpuSeconds(pids: () => number[]): number {
  let ticks = 0;
  for (const pid of pids()) ticks += procStat(pid)?.[1] ?? 0;
  return ticks / TICKS;
}

/** Every process in a process group (Kamailio's main process and its workers). */
export function groupMembers(pgrp: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (procStat(Number(name))?.[0] === pgrp) out.push(Number(name));
  }
  return out;
}
