/**
 * kamailio as a test registrar/proxy. Facts from PEERS-baresip.md §4 and
 * PEERS-sipp-kamailio.md ("Kamailio pitfalls seen").
 *
 *   const kam = await Kamailio.start({ cfg: '/work/shared/peers/kamailio-registrar.cfg', defines: { WITH_AUTH: true } });
 *   // kam.address === '127.0.0.1:<free port>'
 *   await kam.stop();
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { arePortsFree, freePortPair, LOOPBACK } from './ports.ts';
import { binaryPath, exitOf, exitsWithin, hasBinary, isRunning, keepPeerDirs, OutputTail, sleep, track, untrack } from './process.ts';

const run = promisify(execFile);

export interface KamailioOptions {
  /** The kamailio.cfg to load. */
  readonly cfg: string;
  /**
   * `-A NAME` / `-A NAME=value` defines. Values are not quoted: `listen="udp:…"` would be
   * read as a host name.
   */
  readonly defines?: Readonly<Record<string, string | true>>;
  /** SIP port (UDP and TCP). Default: a free one. */
  readonly port?: number;
  /**
   * Which defines carry the listen addresses (the names used by
   * kamailio-registrar.cfg). Set to false for a cfg that hard-codes its listen.
   */
  readonly listenDefines?: { readonly udp?: string; readonly tcp?: string } | false;
  /** `-m` shared memory in MiB (default 256; 1024 for load tests) and `-M` private (default 16). */
  readonly sharedMemMb?: number;
  readonly privateMemMb?: number;
  /** `-b` UDP receive buffer; the default 256 KiB drops bursts above ~2,500 calls/s. */
  readonly udpReceiveBuffer?: number;
  readonly extraArgs?: readonly string[];
  /** Readiness timeout. Default 10 s. */
  readonly startTimeoutMs?: number;
}

export class Kamailio {
  readonly port: number;
  readonly runDir: string;

  readonly #child: ChildProcess;
  readonly #output: OutputTail;
  readonly #logFile: WriteStream;
  #stopping: Promise<void> | undefined;

  private constructor(port: number, runDir: string, child: ChildProcess, output: OutputTail, logFile: WriteStream) {
    this.port = port;
    this.runDir = runDir;
    this.#child = child;
    this.#output = output;
    this.#logFile = logFile;
  }

  static available(): boolean {
    return hasBinary('kamailio');
  }

  /** 'host:port' of the SIP listener. */
  get address(): string {
    return `${LOOPBACK}:${this.port}`;
  }

  get running(): boolean {
    return isRunning(this.#child);
  }

  log(): string {
    return this.#output.toString();
  }

  static async start(o: KamailioOptions): Promise<Kamailio> {
    const port = o.port ?? (await freePortPair());
    // kamailio binds UDP with SO_REUSEADDR: a second one on a taken port starts without
    // error and steals packets. Refuse to start on a port anything else holds.
    if (!(await isSipPortFree(port))) throw new Error(`kamailio: port ${port} is already in use`);

    const runDir = await mkdtemp(join(tmpdir(), 'sb-kamailio-'));
    const pidFile = join(runDir, 'kamailio.pid');
    const args = ['-f', resolve(o.cfg), '-DD', '-E', '-Y', runDir, '-P', pidFile, '-m', String(o.sharedMemMb ?? 256), '-M', String(o.privateMemMb ?? 16)];
    if (o.udpReceiveBuffer !== undefined) args.push('-b', String(o.udpReceiveBuffer));
    const defines: Record<string, string | true> = { ...(o.defines ?? {}) };
    if (o.listenDefines !== false) {
      const names = { udp: 'KAM_LISTEN', tcp: 'KAM_LISTEN_TCP', ...(o.listenDefines ?? {}) };
      defines[names.udp] = `udp:${LOOPBACK}:${port}`;
      defines[names.tcp] = `tcp:${LOOPBACK}:${port}`;
    }
    for (const [name, value] of Object.entries(defines)) args.push('-A', value === true ? name : `${name}=${value}`);
    args.push(...(o.extraArgs ?? []));

    const output = new OutputTail();
    const logFile = createWriteStream(join(runDir, 'kamailio.log'));
    // Its own process group, so stop() can SIGKILL the workers too (see #stop).
    const child = spawn(binaryPath('kamailio'), args, { cwd: runDir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    track(child, runDir, { group: true });
    let spawnError: Error | undefined;
    child.on('error', (e) => (spawnError = e));
    const onOut = (d: Buffer): void => {
      output.push(d);
      logFile.write(d);
    };
    child.stdout?.on('data', onOut);
    child.stderr?.on('data', onOut);

    const kam = new Kamailio(port, runDir, child, output, logFile);
    const deadline = Date.now() + (o.startTimeoutMs ?? 10_000);
    while (Date.now() < deadline) {
      if (spawnError !== undefined || !isRunning(child)) break;
      if (await sipProbe(port, 200)) return kam;
    }
    const why = spawnError?.message ?? (isRunning(child) ? 'no answer to OPTIONS' : `exited with code ${child.exitCode}`);
    await kam.stop();
    throw new Error(`kamailio did not start on port ${port}: ${why}\n${output.lastLines(40)}`);
  }

  /**
   * SIGTERM to the main process (its workers exit with it), then SIGKILL to the whole
   * process group after the grace, and once more for any worker left behind. Waits until
   * the port is free again. Idempotent.
   *
   * Measured here: now and then a SIGTERM leaves kamailio 5.6.3 processes deadlocked in
   * their signal handler (futex wait). Killing only the main process then orphans the
   * workers, which keep the SIP port and our stderr pipe, so the test process never
   * exits. Hence the process group (spawned `detached`) and the group-wide SIGKILL.
   */
  stop(graceMs = 3000): Promise<void> {
    this.#stopping ??= this.#stop(graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<void> {
    const child = this.#child;
    const pgid = child.pid;
    const fromFile = Number((await readFile(join(this.runDir, 'kamailio.pid'), 'utf8').catch(() => '')).trim());
    const send = (target: number, sig: NodeJS.Signals): void => {
      try {
        process.kill(target, sig);
      } catch {
        // already gone
      }
    };
    if (pgid !== undefined) {
      if (isRunning(child)) {
        send(pgid, 'SIGTERM');
        // The pidfile names the main process; with spawn it is our child, but if the two differ signal both.
        if (Number.isInteger(fromFile) && fromFile > 0 && fromFile !== pgid) send(fromFile, 'SIGTERM');
        if (!(await exitsWithin(child, graceMs))) send(-pgid, 'SIGKILL');
      }
      await exitOf(child);
      // Workers normally follow the main process within milliseconds; give them a moment,
      // then kill whatever of the group is left (a no-op when nothing is).
      const settle = Date.now() + 1000;
      while (Date.now() < settle && !(await isSipPortFree(this.port))) await sleep(50);
      send(-pgid, 'SIGKILL');
    }
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && !(await isSipPortFree(this.port))) await sleep(100);
    // A leftover holding the pipe must not keep the test process alive.
    child.stdout?.destroy();
    child.stderr?.destroy();
    await new Promise<void>((res) => this.#logFile.end(res));
    if (!keepPeerDirs()) await rm(this.runDir, { recursive: true, force: true });
    untrack(child);
  }
}

/** Free for UDP and TCP by a bind test, and not listed by `ss` (the check PEERS-baresip.md §4 gives). */
export async function isSipPortFree(port: number): Promise<boolean> {
  if (!(await arePortsFree(port, 1))) return false;
  if (!hasBinary('ss')) return true;
  try {
    const { stdout } = await run('ss', ['-Hlnut', `( sport = :${port} )`]);
    return stdout.trim() === '';
  } catch {
    return true;
  }
}

/**
 * Sends an OPTIONS with Max-Forwards: 0 over UDP and resolves true on any response.
 * Any cfg that checks Max-Forwards (both reference cfgs do) answers 483 at once
 * without routing anywhere, so this works for a registrar and a proxy alike.
 */
export function sipProbe(port: number, timeoutMs: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const s = createSocket('udp4');
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        s.close();
      } catch {
        // already closed
      }
      resolvePromise(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    s.on('error', () => finish(false));
    s.on('message', (m) => {
      if (m.toString('latin1').startsWith('SIP/2.0 ')) finish(true);
    });
    s.bind(0, LOOPBACK, () => {
      const local = s.address().port;
      const branch = `z9hG4bK-probe-${Math.random().toString(36).slice(2)}`;
      const msg = [
        `OPTIONS sip:${host}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${LOOPBACK}:${local};branch=${branch};rport`,
        'Max-Forwards: 0',
        `From: <sip:probe@${LOOPBACK}>;tag=${branch.slice(-8)}`,
        `To: <sip:${host}:${port}>`,
        `Call-ID: ${branch}@${LOOPBACK}`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      s.send(msg, port, host, (err) => {
        if (err) finish(false);
      });
    });
  });
}
