/**
 * Starting a baresip test phone: its config and accounts files in its own
 * directory, free ports for SIP, ctrl_tcp and RTP, the process, and the
 * ctrl_tcp connection, retried on other ports when a port was taken between
 * the check and the bind. PEERS-baresip.md §3, §5, §7, §8 (cited where it matters).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { makeToneWav } from './audio.ts';
import type { BaresipOptions } from './baresip.ts';
import { arePortsFree, freePortRange, freeTcpPort, isTcpPortFree, LOOPBACK } from './ports.ts';
import { exitOf, isRunning, OutputTail, sleep, track, untrack } from './process.ts';

const SPAWN_ATTEMPTS = 3;

/** A baresip process up and listening on ctrl_tcp, and where it is. */
export interface LaunchedBaresip {
  sipPort: number;
  ctrlPort: number;
  rtpPorts: readonly [number, number];
  aor: string;
  child: ChildProcess;
  socket: Socket;
  output: OutputTail;
  logFile: WriteStream;
}

export async function launchBaresip(dir: string, o: BaresipOptions): Promise<LaunchedBaresip> {
  await mkdir(join(dir, 'rec'));
  // aufile needs 16-bit PCM at the codec's rate; a wrong format closes the call with "No such device" (§7).
  const source = join(dir, 'source.wav');
  if (o.audioFile !== undefined) await copyFile(resolve(o.audioFile), source);
  else await makeToneWav(source, { hz: o.toneHz ?? 440, seconds: o.toneSeconds ?? 120 });

  const transport = o.transport ?? 'udp';
  const uriParams = transport === 'udp' ? '' : `;transport=${transport}`;
  const aor = `sip:${o.user}@${o.registrar}`;
  const params: string[] = [];
  if (o.password !== undefined) params.push(`auth_user=${o.user}`, `auth_pass=${o.password}`);
  params.push(`regint=${o.regint ?? 60}`);
  if (o.answermode !== undefined) params.push(`answermode=${o.answermode}`);
  params.push(...(o.accountParams ?? []));
  // ";transport=tcp" goes inside the <...> (§3).
  await writeFile(join(dir, 'accounts'), `<${aor}${uriParams}>;${params.join(';')}\n`);

  const lastError: string[] = [];
  for (let attempt = 0; attempt < SPAWN_ATTEMPTS; attempt++) {
    // Two SIP ports: baresip also binds TLS on sip_listen+1 (§8.2).
    const sipPort = await freePortRange(2);
    const ctrlPort = await freeTcpPort();
    const rtpPorts: readonly [number, number] = o.rtpPorts ?? (await freePortRange(20, { udp: true, tcp: false }).then((b) => [b, b + 19] as const));
    await writeFile(join(dir, 'config'), configText({ sipPort, ctrlPort, rtpPorts, extra: o.extraConfig ?? [] }));

    // A ctrl port held by an old baresip would silently answer for it (§5): check right before spawning.
    if (!(await arePortsFree(sipPort, 1)) || !(await isTcpPortFree(sipPort + 1)) || !(await isTcpPortFree(ctrlPort))) {
      lastError.push('ports taken before spawn');
      continue;
    }

    const output = new OutputTail();
    const logFile = createWriteStream(join(dir, 'baresip.log'));
    const args = ['-f', dir, '-t', String(o.lifetimeSeconds ?? 300)];
    if (o.sipTrace === true) args.push('-s');
    // No `timeout` wrapper: it defeats the immediate second SIGTERM (§5). child.pid is baresip's own PID.
    const child = spawn('baresip', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child, dir);
    const onOut = (d: Buffer): void => {
      output.push(d);
      logFile.write(d);
    };
    child.stdout?.on('data', onOut);
    child.stderr?.on('data', onOut);
    const spawnError = new Promise<Error>((res) => child.on('error', res));

    const socket = await connectWithRetry(ctrlPort, child, o.startTimeoutMs ?? 5000, spawnError);
    if (socket instanceof Error) {
      // A failed spawn (ENOENT) never emits 'exit'.
      if (child.pid !== undefined) {
        if (isRunning(child)) child.kill('SIGKILL');
        await exitOf(child);
      }
      untrack(child);
      logFile.end();
      const exit = child.exitCode;
      lastError.push(`${socket.message}\n${output.lastLines()}`);
      // 98 = EADDRINUSE: someone took a port between our check and the bind; try other ports.
      if (exit === 98) continue;
      break;
    }
    return { sipPort, ctrlPort, rtpPorts, aor, child, socket, output, logFile };
  }
  throw new Error(`baresip ${o.user} did not start: ${lastError.join('\n---\n')}`);
}

function configText(c: { sipPort: number; ctrlPort: number; rtpPorts: readonly [number, number]; extra: readonly string[] }): string {
  // PEERS-baresip.md §3. No audio_player/alert modules: received audio is only decoded
  // and recorded by sndfile, so no sound device is ever opened.
  return [
    'poll_method\t\tepoll',
    `sip_listen\t\t${LOOPBACK}:${c.sipPort}`,
    // Without net_interface, SDP c= and RTP use the default-route address (§8.1).
    `net_interface\t\t${LOOPBACK}`,
    'call_local_timeout\t120',
    'call_max_calls\t\t4',
    'audio_source\t\taufile,source.wav',
    'audio_buffer\t\t20-160',
    `rtp_ports\t\t${c.rtpPorts[0]}-${c.rtpPorts[1]}`,
    'module_path\t\t/usr/lib/baresip/modules',
    'module\t\t\tg711.so',
    'module\t\t\taufile.so',
    'module\t\t\tsndfile.so',
    'module_tmp\t\taccount.so',
    'module_app\t\tmenu.so',
    'module_app\t\tctrl_tcp.so',
    `ctrl_tcp_listen\t\t${LOOPBACK}:${c.ctrlPort}`,
    'snd_path\t\trec',
    'statmode_default\toff',
    'menu_bell\t\tno',
    'ringback_disabled\tyes',
    ...c.extra,
    '',
  ].join('\n');
}

/** ctrl_tcp listens ~15 ms after spawn (§5); retry every 100 ms until the deadline. */
async function connectWithRetry(port: number, child: ChildProcess, timeoutMs: number, spawnError: Promise<Error>): Promise<Socket | Error> {
  const deadline = Date.now() + timeoutMs;
  let failure: Error | undefined;
  void spawnError.then((e) => (failure = e));
  while (Date.now() < deadline) {
    if (failure !== undefined) return new Error(`spawn failed: ${failure.message}`);
    if (!isRunning(child)) return new Error(`exited with code ${child.exitCode} before ctrl_tcp was up`);
    const socket = await new Promise<Socket | undefined>((res) => {
      const s = connect(port, LOOPBACK);
      s.once('connect', () => res(s));
      s.once('error', () => {
        s.destroy();
        res(undefined);
      });
    });
    if (socket !== undefined) {
      socket.setNoDelay(true);
      return socket;
    }
    await sleep(100);
  }
  return new Error(`ctrl_tcp on port ${port} not reachable within ${timeoutMs} ms`);
}
