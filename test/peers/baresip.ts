/**
 * baresip 1.0.0 as a scripted test phone, driven over ctrl_tcp (netstring JSON).
 * Every rule here comes from /work/shared/design/PEERS-baresip.md; the section is
 * cited where it matters. Starting one (config, ports, process) is baresip-launch.ts.
 *
 *   const phone = await Baresip.start({ user: 'alice', password: 'secret', registrar: '127.0.0.1:5070' });
 *   await phone.waitRegistered();
 *   const up = phone.waitForEvent((e) => e.type === 'CALL_ESTABLISHED');   // arm first (§6)
 *   await phone.dial('sip:bob@127.0.0.1:5070');
 *   await up;
 *   await phone.stop();                                                     // before the registrar (§5)
 */
import type { ChildProcess } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBaresip, type LaunchedBaresip } from './baresip-launch.ts';
import { LOOPBACK } from './ports.ts';
import { exitOf, exitsWithin, isRunning, keepPeerDirs, sleep, untrack, type OutputTail } from './process.ts';

export interface BaresipOptions {
  readonly user: string;
  /** Sets auth_user and auth_pass together: auth_user alone makes baresip prompt on stdin (§8.4). */
  readonly password?: string;
  /** 'host:port' of the registrar/proxy; also the account's domain. */
  readonly registrar: string;
  readonly transport?: 'udp' | 'tcp' | 'tls';
  /** REGISTER interval in seconds; 0 = never register (direct calls only). Default 60. */
  readonly regint?: number;
  /** Default 'manual' (baresip's default): CALL_INCOMING, then accept(). */
  readonly answermode?: 'auto' | 'manual' | 'early';
  /** Extra `;name=value` account parameters, e.g. 'audio_codecs=pcmu'. */
  readonly accountParams?: readonly string[];
  /** A 16-bit PCM 8 kHz mono WAV to send. Default: a generated sine of `toneHz`. */
  readonly audioFile?: string;
  readonly toneHz?: number;
  /** Length of the generated tone: the longest a call can last (§7). Default 120 s. */
  readonly toneSeconds?: number;
  /** [first, last] RTP port; default a free range of 20. */
  readonly rtpPorts?: readonly [number, number];
  /** baresip `-t`: it quits by itself after this long. Default 300 s. */
  readonly lifetimeSeconds?: number;
  /** `-s`: full SIP trace in the log. */
  readonly sipTrace?: boolean;
  /** Extra config lines appended verbatim. */
  readonly extraConfig?: readonly string[];
  /** Connect timeout for ctrl_tcp. Default 5 s. */
  readonly startTimeoutMs?: number;
}

/** An event frame: `{"event":true,"type":"CALL_ESTABLISHED","class":"call",...}` (§6). */
export interface BaresipEvent {
  readonly type: string;
  readonly class?: string;
  readonly accountaor?: string;
  readonly direction?: string;
  readonly peeruri?: string;
  /** The SIP Call-ID, the same on both phones. */
  readonly id?: string;
  readonly param?: string;
  readonly [key: string]: unknown;
}

export interface CommandResult {
  readonly ok: boolean;
  /** Human-oriented text, ANSI colours stripped. */
  readonly data: string;
}

export type RegistrationState = 'ok' | 'error' | 'pending' | 'unknown';

interface Pending {
  resolve: (r: CommandResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface Waiter {
  predicate: (e: BaresipEvent) => boolean;
  resolve: (e: BaresipEvent) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const ANSI = /\x1b\[[0-9;]*m/g;

export class Baresip {
  readonly user: string;
  readonly dir: string;
  readonly sipPort: number;
  readonly ctrlPort: number;
  readonly rtpPorts: readonly [number, number];
  /** The account's address of record, e.g. sip:alice@127.0.0.1:5070. */
  readonly aor: string;
  /** Every event received so far, oldest first. */
  readonly events: BaresipEvent[] = [];

  readonly #child: ChildProcess;
  readonly #socket: Socket;
  readonly #output: OutputTail;
  readonly #logFile: WriteStream;
  readonly #pending = new Map<string, Pending>();
  readonly #waiters = new Set<Waiter>();
  readonly #listeners = new Set<(e: BaresipEvent) => void>();
  #buffer: Buffer = Buffer.alloc(0);
  #tokens = 0;
  #closed = false;
  #stopping: Promise<void> | undefined;

  private constructor(init: LaunchedBaresip & { user: string; dir: string }) {
    this.user = init.user;
    this.dir = init.dir;
    this.sipPort = init.sipPort;
    this.ctrlPort = init.ctrlPort;
    this.rtpPorts = init.rtpPorts;
    this.aor = init.aor;
    this.#child = init.child;
    this.#socket = init.socket;
    this.#output = init.output;
    this.#logFile = init.logFile;
    this.#socket.on('data', (d: Buffer) => this.#onData(d));
    this.#socket.on('close', () => this.#onClose(new Error(`baresip ${this.user}: ctrl_tcp connection closed`)));
    this.#socket.on('error', () => undefined);
    this.#child.once('exit', (code, signal) => this.#onClose(new Error(`baresip ${this.user} exited (code ${code}, signal ${signal})\n${this.#output.lastLines()}`)));
  }

  /** The SIP contact address of this phone, host:port. */
  get sipAddress(): string {
    return `${LOOPBACK}:${this.sipPort}`;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return isRunning(this.#child);
  }

  /** The tail of baresip's stdout/stderr. */
  log(): string {
    return this.#output.toString();
  }

  static async start(options: BaresipOptions): Promise<Baresip> {
    const dir = await mkdtemp(join(tmpdir(), `sb-baresip-${options.user.replace(/[^A-Za-z0-9]/g, '')}-`));
    try {
      return new Baresip({ user: options.user, dir, ...(await launchBaresip(dir, options)) });
    } catch (e) {
      if (!keepPeerDirs()) await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Sends `{"command":cmd,"params":params,"token":t}` and resolves with the matching
   * response. `ok` only means the command ran (§6): watch the events for the outcome.
   */
  command(cmd: string, params?: string, timeoutMs = 5000): Promise<CommandResult> {
    if (this.#closed) return Promise.reject(new Error(`baresip ${this.user} is closed`));
    const token = `t${++this.#tokens}`;
    const body = Buffer.from(JSON.stringify(params === undefined ? { command: cmd, token } : { command: cmd, params, token }));
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(token);
        reject(new Error(`baresip ${this.user}: no response to "${cmd}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(token, { resolve: resolvePromise, reject, timer });
      this.#socket.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
    });
  }

  /**
   * Resolves with the first event matching `predicate` that arrives after this call.
   * Events often come before a command's response (§6), so call this *before* the
   * command and await it after. Rejects on timeout or when the phone stops.
   */
  waitForEvent(predicate: (e: BaresipEvent) => boolean, timeoutMs = 10_000): Promise<BaresipEvent> {
    if (this.#closed) return Promise.reject(new Error(`baresip ${this.user} is closed`));
    const p = new Promise<BaresipEvent>((resolvePromise, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: resolvePromise,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          const seen = this.events.slice(-10).map((e) => `${e.type}(${e.param ?? ''})`).join(', ');
          reject(new Error(`baresip ${this.user}: no matching event within ${timeoutMs} ms; last events: ${seen}`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
    // A wait armed before a command that then throws must not become an unhandled rejection.
    p.catch(() => undefined);
    return p;
  }

  /** Shorthand for waiting on an event type, optionally with a predicate on the rest. */
  waitForType(type: string, timeoutMs = 10_000, also: (e: BaresipEvent) => boolean = () => true): Promise<BaresipEvent> {
    return this.waitForEvent((e) => e.type === type && also(e), timeoutMs);
  }

  /** Every event, as it arrives. Returns the unsubscribe function. */
  onEvent(listener: (e: BaresipEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async reginfo(): Promise<string> {
    return (await this.command('reginfo')).data;
  }

  /** From reginfo: `OK` registered, `ERR` failed, `zzz` registering (§6). */
  async registrationState(): Promise<RegistrationState> {
    const text = await this.reginfo();
    if (/\sOK\s/.test(text)) return 'ok';
    if (/\sERR\s/.test(text)) return 'error';
    if (/\szzz\s/.test(text)) return 'pending';
    return 'unknown';
  }

  /**
   * Polls reginfo until it shows ` OK ` (REGISTER_OK fires before we can connect, §6).
   * Rejects at once on ` ERR ` unless `allowErrors`, since baresip retries only much later.
   */
  async waitRegistered(timeoutMs = 5000, allowErrors = false): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.reginfo();
      if (/\sOK\s/.test(last)) return;
      if (!allowErrors && /\sERR\s/.test(last)) throw new Error(`baresip ${this.user}: registration failed:${last}`);
      await sleep(100);
    }
    throw new Error(`baresip ${this.user}: not registered after ${timeoutMs} ms:${last}`);
  }

  /** `dial` takes a full URI or a bare user (completed with the account's domain). */
  async dial(uri: string): Promise<CommandResult> {
    return this.#mustSucceed('dial', uri);
  }

  /** Answers an incoming call (answermode manual). */
  async accept(): Promise<CommandResult> {
    return this.#mustSucceed('accept');
  }

  /** Ends the current call, or rejects a ringing one with 486; a no-op without a call. */
  async hangup(): Promise<CommandResult> {
    return this.#mustSucceed('hangup');
  }

  /**
   * RFC 4733 telephone-events (PT 101), about 240 ms per digit (§6). The command only
   * exists while a call exists.
   */
  async sendDtmf(digits: string): Promise<CommandResult> {
    return this.#mustSucceed('sndcode', digits);
  }

  async hold(): Promise<CommandResult> {
    return this.#mustSucceed('hold');
  }

  async resume(): Promise<CommandResult> {
    return this.#mustSucceed('resume');
  }

  /** Blind transfer (REFER) of the current call. */
  async transfer(uri: string): Promise<CommandResult> {
    return this.#mustSucceed('transfer', uri);
  }

  async setAnswermode(mode: 'auto' | 'manual' | 'early'): Promise<CommandResult> {
    return this.#mustSucceed('answermode', mode);
  }

  /**
   * Absolute paths of the sndfile recordings, sorted: `dump-<time>-dec.wav` is what this
   * phone received, `-enc.wav` what it sent. Final only after the call closed (§7).
   */
  async recordings(): Promise<string[]> {
    const rec = join(this.dir, 'rec');
    const names = await readdir(rec).catch(() => [] as string[]);
    return names
      .filter((n) => n.endsWith('.wav'))
      .sort()
      .map((n) => join(rec, n));
  }

  /** The recordings of what this phone heard. */
  async receivedRecordings(): Promise<string[]> {
    return (await this.recordings()).filter((p) => p.endsWith('-dec.wav'));
  }

  /**
   * Stops the phone: `quit`, then SIGTERM, then a second SIGTERM (immediate, §5), then
   * SIGKILL. Idempotent. Removes the temp dir unless KEEP_PEER_DIRS=1. Stop phones
   * before their registrar, or the graceful un-REGISTER waits ~31 s.
   */
  /** Kills the phone outright (SIGKILL): no BYE, no un-REGISTER — a phone that died. */
  kill(): void {
    this.#child.kill('SIGKILL');
  }

  stop(graceMs = 3000): Promise<void> {
    this.#stopping ??= this.#stop(graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<void> {
    const child = this.#child;
    if (isRunning(child) && !this.#closed) {
      const body = Buffer.from(JSON.stringify({ command: 'quit', token: 'quit' }));
      this.#socket.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
    }
    if (!(await exitsWithin(child, graceMs)) && isRunning(child)) {
      child.kill('SIGTERM');
      if (!(await exitsWithin(child, 500)) && isRunning(child)) {
        child.kill('SIGTERM');
        if (!(await exitsWithin(child, 2000)) && isRunning(child)) child.kill('SIGKILL');
      }
    }
    await exitOf(child);
    this.#onClose(new Error(`baresip ${this.user} stopped`));
    this.#socket.destroy();
    child.stdout?.destroy();
    child.stderr?.destroy();
    await new Promise<void>((res) => this.#logFile.end(res));
    if (!keepPeerDirs()) await rm(this.dir, { recursive: true, force: true });
    untrack(child);
  }

  async #mustSucceed(cmd: string, params?: string): Promise<CommandResult> {
    const r = await this.command(cmd, params);
    if (!r.ok) throw new Error(`baresip ${this.user}: "${cmd}${params === undefined ? '' : ` ${params}`}" failed: ${r.data.trim()}`);
    return r;
  }

  // Netstring framing: <decimal byte length>:<JSON>, (§6).
  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const colon = this.#buffer.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(this.#buffer.subarray(0, colon).toString());
      if (!Number.isInteger(len) || len < 0) {
        this.#buffer = Buffer.alloc(0);
        return;
      }
      if (this.#buffer.length < colon + 1 + len + 1) return;
      const json = this.#buffer.subarray(colon + 1, colon + 1 + len).toString();
      this.#buffer = this.#buffer.subarray(colon + 1 + len + 1);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(json) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (msg.event === true) this.#onEvent(msg as unknown as BaresipEvent);
      else if (msg.response === true) this.#onResponse(msg);
    }
  }

  #onResponse(msg: Record<string, unknown>): void {
    const token = typeof msg.token === 'string' ? msg.token : undefined;
    if (token === undefined) return;
    const p = this.#pending.get(token);
    if (p === undefined) return;
    this.#pending.delete(token);
    clearTimeout(p.timer);
    p.resolve({ ok: msg.ok === true, data: typeof msg.data === 'string' ? msg.data.replace(ANSI, '') : '' });
  }

  #onEvent(e: BaresipEvent): void {
    this.events.push(e);
    for (const l of this.#listeners) l(e);
    for (const w of [...this.#waiters]) {
      if (!w.predicate(e)) continue;
      this.#waiters.delete(w);
      clearTimeout(w.timer);
      w.resolve(e);
    }
  }

  #onClose(reason: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    this.#pending.clear();
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.reject(reason);
    }
    this.#waiters.clear();
  }
}
