// Shared by the benchmarks: starting processes, reading the machine, and
// appending a dated row to bench/RESULTS.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

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
