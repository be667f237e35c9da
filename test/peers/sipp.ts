/**
 * SIPp 3.6.1 runs from tests. Facts from PEERS-sipp-kamailio.md:
 * - the built-in `-sn uac` aborts calls when a 180 arrives after the 200 (any
 *   multi-process proxy in between): through a proxy use /work/shared/peers/sipp-uac-txn.xml;
 * - `[field1]` is not expanded inside `[authentication …]`: put the whole keyword in the
 *   injection CSV (see sipp-register-digest.xml);
 * - SIPp falls behind a target rate silently: check the achieved rate in `stats`.
 *
 * Each run gets its own temp dir (cwd) for the stat/screen/error files, binds 127.0.0.1
 * on a free port (`-i`, `-p`, and a free media port `-mp`), never uses `-bg`, and
 * passes `-nostdin`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePortPair, freePortRange, freeUdpPort, LOOPBACK } from './ports.ts';
import { exitOf, exitsWithin, hasBinary, isRunning, keepPeerDirs, OutputTail, track, untrack } from './process.ts';

export interface SippOptions {
  /** An XML scenario (`-sf`). Exactly one of scenarioFile / builtin. */
  readonly scenarioFile?: string;
  /** A built-in scenario (`-sn`). */
  readonly builtin?: 'uac' | 'uas' | 'regexp' | 'branchc' | 'branchs' | 'uac_pcap';
  /** 'host:port' to send to. Required for client scenarios. */
  readonly target?: string;
  /** Extra arguments, appended last. */
  readonly args?: readonly string[];
  /** Kill SIPp (SIGTERM, then SIGKILL) after this long; the result has `timedOut`. */
  readonly timeoutMs: number;
  /** `-m`: stop after this many calls. */
  readonly calls?: number;
  /** `-r`: calls per second. */
  readonly rate?: number;
  /** `-l`: concurrent calls limit. */
  readonly concurrent?: number;
  /** `-t`: u1 (UDP, one socket, the default), un, t1, tn. */
  readonly transport?: 'u1' | 'un' | 't1' | 'tn';
  /** `-p`; default a free port (UDP and TCP). */
  readonly localPort?: number;
  /** Content of an `-inf` CSV, written to the run dir (first line SEQUENTIAL/RANDOM/USER). */
  readonly injectionCsv?: string;
  /** `-trace_screen`: keep the final screens in `result.screen`. Default true. */
  readonly traceScreen?: boolean;
  /** `-trace_err`: keep unexpected messages in `result.errors`. Default false. */
  readonly traceErrors?: boolean;
}

export interface SippStats {
  readonly successful: number;
  readonly failed: number;
  /** Total calls created. */
  readonly created?: number;
  /** Cumulative call rate reached, calls/s. */
  readonly callRate?: number;
  /** Every column of the last row of the `-trace_stat` CSV. */
  readonly raw?: Readonly<Record<string, string>>;
}

export interface SippResult {
  /**
   * SIPp's exit code: 0 all calls succeeded, 1 at least one failed, 97 stopped by an
   * internal command, 99 normal exit without calls processed, 255/254 fatal errors
   * (socket bind). null if killed.
   */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly stats?: SippStats;
  readonly screen?: string;
  readonly errors?: string;
  readonly localPort: number;
  readonly durationMs: number;
}

export interface SippRun {
  readonly localPort: number;
  readonly pid: number | undefined;
  /** Resolves when SIPp exits (or is killed at the timeout). */
  readonly done: Promise<SippResult>;
  /** Ends the run early (SIGTERM, then SIGKILL). */
  stop(): Promise<SippResult>;
}

export function sippAvailable(): boolean {
  return hasBinary('sipp');
}

/** Runs SIPp to completion. */
export async function runSipp(options: SippOptions): Promise<SippResult> {
  return (await startSipp(options)).done;
}

/** Starts SIPp and returns at once, e.g. a UAS that must be up before a test dials it. */
export async function startSipp(o: SippOptions): Promise<SippRun> {
  if ((o.scenarioFile === undefined) === (o.builtin === undefined)) throw new Error('runSipp: give exactly one of scenarioFile and builtin');
  const dir = await mkdtemp(join(tmpdir(), 'sb-sipp-'));
  const transport = o.transport ?? 'u1';
  const localPort = o.localPort ?? (transport.startsWith('t') ? await freePortPair() : await freeUdpPort());
  // SIPp's media ports default to 6000 and up for every instance: give each its own.
  const mediaPort = await freePortRange(4, { udp: true, tcp: false });

  const args: string[] = [];
  if (o.scenarioFile !== undefined) args.push('-sf', resolve(o.scenarioFile));
  else args.push('-sn', o.builtin as string);
  if (o.target !== undefined) args.push(o.target);
  args.push('-i', LOOPBACK, '-p', String(localPort), '-mp', String(mediaPort), '-t', transport, '-nostdin');
  if (o.calls !== undefined) args.push('-m', String(o.calls));
  if (o.rate !== undefined) args.push('-r', String(o.rate));
  if (o.concurrent !== undefined) args.push('-l', String(o.concurrent));
  if (o.injectionCsv !== undefined) {
    await writeFile(join(dir, 'inject.csv'), o.injectionCsv.endsWith('\n') ? o.injectionCsv : `${o.injectionCsv}\n`);
    args.push('-inf', join(dir, 'inject.csv'));
  }
  args.push('-trace_stat', '-stf', join(dir, 'stat.csv'));
  if (o.traceScreen !== false) args.push('-trace_screen', '-screen_file', join(dir, 'screen.log'));
  if (o.traceErrors === true) args.push('-trace_err', '-error_file', join(dir, 'errors.log'));
  args.push(...(o.args ?? []));

  const stdout = new OutputTail(256 * 1024);
  const stderr = new OutputTail(256 * 1024);
  const started = Date.now();
  const child: ChildProcess = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child, dir);
  child.stdout?.on('data', (d: Buffer) => stdout.push(d));
  child.stderr?.on('data', (d: Buffer) => stderr.push(d));
  let timedOut = false;
  let spawnError: Error | undefined;
  const spawnFailed = new Promise<void>((res) =>
    child.on('error', (e) => {
      spawnError = e;
      res();
    }),
  );

  const kill = async (): Promise<void> => {
    if (child.pid === undefined || !isRunning(child)) return;
    child.kill('SIGTERM');
    if (!(await exitsWithin(child, 2000)) && isRunning(child)) child.kill('SIGKILL');
  };
  const timer = setTimeout(() => {
    timedOut = true;
    void kill();
  }, o.timeoutMs);

  const done = (async (): Promise<SippResult> => {
    const exit = await Promise.race([exitOf(child), spawnFailed.then(() => ({ code: null, signal: null }))]);
    clearTimeout(timer);
    const statCsv = await readFile(join(dir, 'stat.csv'), 'utf8').catch(() => '');
    const screen = await readFile(join(dir, 'screen.log'), 'utf8').catch(() => undefined);
    const errors = o.traceErrors === true ? await readFile(join(dir, 'errors.log'), 'utf8').catch(() => '') : undefined;
    const out = stdout.toString();
    const stats = parseStatCsv(statCsv) ?? parseScreen(screen ?? '') ?? parseScreen(out);
    if (!keepPeerDirs()) await rm(dir, { recursive: true, force: true });
    untrack(child);
    return {
      code: exit.code,
      signal: exit.signal,
      timedOut,
      stdout: out,
      stderr: spawnError !== undefined ? `${stderr.toString()}\nspawn failed: ${spawnError.message}` : stderr.toString(),
      stats,
      screen,
      errors,
      localPort,
      durationMs: Date.now() - started,
    };
  })();

  return {
    localPort,
    pid: child.pid,
    done,
    stop: async () => {
      await kill();
      return done;
    },
  };
}

/**
 * The `-trace_stat` file: a header row of `;`-separated names such as
 * `SuccessfulCall(C)` and `FailedCall(C)` ((C) = cumulative), one row per dump,
 * the last written at exit.
 */
export function parseStatCsv(text: string): SippStats | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return undefined;
  const names = (lines[0] as string).split(';');
  const values = (lines[lines.length - 1] as string).split(';');
  const raw: Record<string, string> = {};
  names.forEach((n, i) => {
    if (n !== '') raw[n] = values[i] ?? '';
  });
  const successful = Number(raw['SuccessfulCall(C)']);
  const failed = Number(raw['FailedCall(C)']);
  if (!Number.isFinite(successful) || !Number.isFinite(failed)) return undefined;
  const created = Number(raw.TotalCallCreated);
  const callRate = Number(raw['CallRate(C)']);
  return {
    successful,
    failed,
    created: Number.isFinite(created) ? created : undefined,
    callRate: Number.isFinite(callRate) ? callRate : undefined,
    raw,
  };
}

/** The statistics screen: `Successful call | <periodic> | <cumulative>`. */
export function parseScreen(text: string): SippStats | undefined {
  const cumulative = (label: string): number | undefined => {
    const re = new RegExp(`${label}\\s*\\|[^|\\n]*\\|\\s*(\\d+)`, 'g');
    let last: number | undefined;
    for (const m of text.matchAll(re)) last = Number(m[1]);
    return last;
  };
  const successful = cumulative('Successful call');
  const failed = cumulative('Failed call');
  if (successful === undefined || failed === undefined) return undefined;
  return { successful, failed, created: cumulative('Total Calls created') };
}
