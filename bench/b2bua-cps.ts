// bench/b2bua-cps: calls per second through the B2BUA. SIPp UAC → Switchboard →
// SIPp UAS (INVITE → 407 → ACK, INVITE with digest → 100/180/200 → ACK → BYE → 200),
// and in the same run the same call through Kamailio as a stateful proxy (the
// reference kamailio-proxy.cfg: tm, record_route, t_relay) to its own SIPp UAS,
// without the 407 round. The rate rises step by step (BENCH_B2BUA_RATES, each step
// BENCH_B2BUA_STEP_SECONDS long) until a step has a failed call or reaches less
// than 95 % of its target rate. Reports the highest clean rate of each, the ratio,
// and CPU per call (utime+stime of the process, all of Kamailio's processes).
//
// The callee: extension 3002, registered with a REGISTER sent from the UAS's own
// port (Switchboard sends the INVITE where the REGISTER came from), then SIPp binds
// that port. The UAS answers Switchboard's OPTIONS qualify (every 30 s) too.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, cpuSeconds, createExtensions, groupMembers, procStat, record, startSwitchboard, stop } from './lib.ts';
import { CALLEE, PASSWORD, SCENARIOS, bestClean, failureCauses, registeredUas, sippStep, startUas, type SippStep } from './sipp-calls.ts';
import { startSipp, type SippRun } from '../test/peers/sipp.ts';
import { Kamailio } from '../test/peers/kamailio.ts';
import { freeUdpPort, LOOPBACK } from '../test/peers/ports.ts';
import { OutputTail } from '../test/peers/process.ts';

export const UAC_AUTH = join(SCENARIOS, 'b2bua-uac-auth.xml');
const UAC_PLAIN = join(SCENARIOS, 'b2bua-uac.xml');
const KAMAILIO_CFG = join(ROOT, '../shared/peers/kamailio-proxy.cfg');
const CALLER = '3001';

interface Step extends SippStep {
  /** Core-milliseconds the measured server used per successful call. */
  cpuMsPerCall: number;
  /** Share of one core the server used during the step. */
  cpuShare: number;
  /** Share of one core the two SIPp processes (UAC and UAS) used. */
  generatorShare: number;
  /** Kernel UDP receive-buffer drops during the step (RcvbufErrors, system-wide: SIPp's sockets too). */
  udpDrops: number;
  /** Of those, on the measured server's SIP socket. */
  serverDrops: number;
  /** Retransmissions the UAC sent (lost or late answers). */
  retransmissions: number;
}

// ---- the steps ----------------------------------------------------------------

function rates(smoke: boolean): number[] {
  if (smoke) return [50];
  const env = process.env.BENCH_B2BUA_RATES;
  if (env) return env.split(',').map((r) => Number(r.trim())).filter((r) => r > 0);
  return [50, 100, 200, 300, 400, 500, 600, 800, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000];
}

/** UDP datagrams the kernel dropped for want of receive buffer (all sockets; the bench is all loopback). */
function udpDrops(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const names = (lines[0] ?? '').split(/\s+/);
    const values = (lines[1] ?? '').split(/\s+/);
    return Number(values[names.indexOf('RcvbufErrors')] ?? 0);
  } catch {
    return 0;
  }
}

/** Datagrams dropped on the sockets bound to a local UDP port (the last column of /proc/net/udp). */
function portDrops(port: number): number {
  try {
    const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    let drops = 0;
    for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(hex)) drops += Number(f[f.length - 1] ?? 0);
    }
    return drops;
  } catch {
    return 0;
  }
}

async function step(o: { scenario: string; target: string; rate: number; seconds: number; holdMs: number; cpu: () => number; uasPid: number | undefined }): Promise<Step> {
  const serverPort = Number(o.target.split(':')[1]);
  const serverDropsBefore = portDrops(serverPort);
  const calls = Math.round(o.rate * o.seconds);
  const cpuBefore = o.cpu();
  const uasBefore = o.uasPid !== undefined ? cpuSeconds(() => [o.uasPid as number]) : 0;
  const dropsBefore = udpDrops();
  const started = Date.now();
  const uac = await startSipp({
    scenarioFile: o.scenario,
    target: o.target,
    rate: o.rate,
    calls,
    timeoutMs: o.seconds * 1000 + 60_000,
    traceErrors: true,
    // -s: the Request-URI user, the dialled extension. -recv_timeout: a call whose answer
    // never comes fails after 8 s instead of hanging on SIPp's retransmission schedule.
    args: ['-s', CALLEE, '-d', String(o.holdMs), '-recv_timeout', '8000'],
  });
  // The generator's own CPU: sampled while it runs (the last sample is ≤ 100 ms before it exits).
  let uacCpu = 0;
  const sampler = setInterval(() => {
    if (uac.pid !== undefined) uacCpu = cpuSeconds(() => [uac.pid as number]) || uacCpu;
  }, 100);
  const result = await uac.done;
  clearInterval(sampler);
  const seconds = (Date.now() - started) / 1000;
  const cpu = o.cpu() - cpuBefore;
  const uasCpu = o.uasPid !== undefined ? cpuSeconds(() => [o.uasPid as number]) - uasBefore : 0;
  const counts = sippStep(o.rate, calls, seconds, result);
  const ok = counts.ok;
  return {
    ...counts,
    cpuMsPerCall: ok > 0 ? (cpu * 1000) / ok : 0,
    cpuShare: cpu / seconds,
    generatorShare: (uacCpu + uasCpu) / seconds,
    udpDrops: udpDrops() - dropsBefore,
    serverDrops: portDrops(serverPort) - serverDropsBefore,
    retransmissions: Number(result.stats?.raw?.['Retransmissions(C)'] ?? 0),
  };
}

function describe(s: Step): string {
  const extra = `${s.retransmissions > 0 ? `, ${s.retransmissions} retrans` : ''}${s.udpDrops > 0 ? `, ${s.udpDrops} udp drops (${s.serverDrops} at the server)` : ''}`;
  return `${String(s.target).padStart(5)}/s × ${s.calls}: ${s.ok} ok, ${s.failed} failed, achieved ${s.achieved.toFixed(0)}/s, cpu ${(s.cpuShare * 100).toFixed(0)} % = ${s.cpuMsPerCall.toFixed(2)} core-ms/call, sipp ${(s.generatorShare * 100).toFixed(0)} %${extra}${s.clean ? '' : '  ← not clean'}`;
}

function why(s: Step, serverLog: string): string {
  const errors = (s.result.errors ?? '').split('\n').slice(0, 60).join('\n');
  const causes = failureCauses(s.result);
  return [
    `    sipp exit ${String(s.result.code)}${s.result.timedOut ? ' (timed out)' : ''}; stderr: ${s.result.stderr.trim().split('\n').slice(-5).join(' | ')}`,
    causes.length > 0 ? `    failures: ${causes.join(', ')}` : '',
    errors !== '' ? `    first unexpected messages (-trace_err):\n${indent(errors)}` : '',
    s.result.screen ? `    last screen:\n${indent(lastScreen(s.result.screen))}` : '',
    serverLog.trim() !== '' ? `    server output (tail):\n${indent(serverLog.trim().split('\n').slice(-30).join('\n'))}` : '',
  ]
    .filter((x) => x !== '')
    .join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
}

/** The last full screen SIPp wrote (the file holds one per dump). */
function lastScreen(screen: string): string {
  const parts = screen.split(/(?=^-+ Scenario Screen -+)/m);
  return (parts[parts.length - 1] ?? screen).trim().split('\n').slice(0, 60).join('\n');
}

/** Rising rate until the first step that is not clean. */
async function climb(
  label: string,
  o: { scenario: string; target: string; rates: number[]; seconds: number; holdMs: number; cpu: () => number; uasPid: number | undefined; log: () => string; settle: () => Promise<void>; lag?: () => Promise<string> },
): Promise<Step[]> {
  const steps: Step[] = [];
  for (const rate of o.rates) {
    await o.lag?.();
    const s = await step({ ...o, rate });
    steps.push(s);
    const lag = o.lag ? `, ${await o.lag()}` : '';
    process.stdout.write(`  ${label.padEnd(11)} ${describe(s)}${lag}\n`);
    if (!s.clean) {
      process.stdout.write(`${why(s, o.log())}\n`);
      break;
    }
    await o.settle();
  }
  return steps;
}

/**
 * The server's event-loop delay since the last scrape (prom-client resets its
 * histogram on every collection): retransmissions at a CPU share well under
 * 100 % mean stalls, and this says how long they were.
 */
async function eventLoopLag(base: string, headers: Record<string, string>): Promise<string> {
  try {
    const text = await (await fetch(`${base}/metrics`, { headers })).text();
    const value = (name: string): string => {
      const m = new RegExp(`^switchboard_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text);
      return m ? (Number(m[1]) * 1000).toFixed(0) : '?';
    };
    return `loop lag p99 ${value('p99')} ms, max ${value('max')} ms`;
  } catch {
    return 'loop lag ?';
  }
}

async function uasReport(label: string, uas: SippRun): Promise<string> {
  const r = await uas.stop();
  const failed = r.stats?.failed ?? 0;
  const line = `  ${label} UAS: ${r.stats?.successful ?? '?'} ok, ${String(failed)} failed (incl. OPTIONS)`;
  if (failed > 0 && r.errors) return `${line}\n${indent(r.errors.split('\n').slice(0, 40).join('\n'))}`;
  return line;
}

// ---- Kamailio: the reference proxy cfg, pointed at our ports --------------------

function proxyCfg(dir: string, kamPort: number, uasPort: number): string {
  const reference = readFileSync(KAMAILIO_CFG, 'utf8');
  const edits: [RegExp, string][] = [
    [/^#!define UAS_URI "sip:127\.0\.0\.1:\d+"$/m, `#!define UAS_URI "sip:${LOOPBACK}:${String(uasPort)}"`],
    [/^listen=udp:127\.0\.0\.1:\d+$/m, `listen=udp:${LOOPBACK}:${String(kamPort)}`],
    [/^alias="127\.0\.0\.1:\d+"$/m, `alias="${LOOPBACK}:${String(kamPort)}"`],
  ];
  let cfg = reference;
  for (const [re, line] of edits) {
    if (!re.test(cfg)) throw new Error(`${KAMAILIO_CFG} changed: no line matches ${String(re)}`);
    cfg = cfg.replace(re, line);
  }
  const file = join(dir, 'kamailio-proxy.cfg');
  writeFileSync(file, cfg);
  return file;
}

// ---- the run ---------------------------------------------------------------------

export async function run(opts: { smoke: boolean }): Promise<void> {
  const ladder = rates(opts.smoke);
  const seconds = opts.smoke ? 4 : Number(process.env.BENCH_B2BUA_STEP_SECONDS ?? 10);
  const holdMs = Number(process.env.BENCH_B2BUA_HOLD_MS ?? 0);
  const settleMs = 1000;
  const settle = () => new Promise<void>((r) => setTimeout(r, settleMs));
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-cps-'));
  process.stdout.write(`bench/b2bua-cps: steps ${ladder.join(', ')} calls/s × ${seconds} s, hold ${holdMs} ms, load average ${loadavg()[0]?.toFixed(2) ?? '?'} at start${opts.smoke ? ' (smoke)' : ''}\n`);

  // Switchboard first, alone on the machine; then Kamailio, with Switchboard stopped.
  let ours: Step[] = [];
  {
    const env = { SWITCHBOARD_DATA_DIR: join(dir, 'data'), SWITCHBOARD_HTTP_PORT: '0', SWITCHBOARD_SIP_PORT: '0', SWITCHBOARD_HOST: LOOPBACK, SWITCHBOARD_LOG_LEVEL: 'warn' };
    const sb = await startSwitchboard(env);
    const sbLog = new OutputTail(64 * 1024);
    sb.child.stdout?.on('data', (d: Buffer) => sbLog.push(d));
    sb.child.stderr?.on('data', (d: Buffer) => sbLog.push(d));
    let uas: SippRun | undefined;
    try {
      const { sipPort, base } = sb;
      const headers = { authorization: `Bearer ${sb.key}`, 'content-type': 'application/json' };
      await createExtensions(sb, [CALLER, CALLEE], PASSWORD);
      uas = await registeredUas({ host: LOOPBACK, port: sipPort });
      const pid = sb.child.pid ?? 0;
      const lag = (): Promise<string> => eventLoopLag(base, headers);
      ours = await climb('switchboard', { scenario: UAC_AUTH, target: `${LOOPBACK}:${String(sipPort)}`, rates: ladder, seconds, holdMs, cpu: () => cpuSeconds(() => [pid]), uasPid: uas.pid, log: () => sbLog.toString(), settle, lag });
      process.stdout.write(`${await uasReport('switchboard', uas)}\n`);
    } finally {
      if (uas) await uas.stop();
      await stop(sb.child);
    }
  }

  let peer: Step[] = [];
  {
    const uas = await startUas();
    let kam: Kamailio | undefined;
    try {
      const kamPort = await freeUdpPort();
      const cfg = proxyCfg(dir, kamPort, uas.localPort);
      kam = await Kamailio.start({ cfg, port: kamPort, listenDefines: false, sharedMemMb: 1024, udpReceiveBuffer: 2_097_152 });
      const pidFile = join(kam.runDir, 'kamailio.pid');
      const mainPid = Number(readFileSync(pidFile, 'utf8').trim());
      const pgrp = procStat(mainPid)?.[0] ?? mainPid;
      const k = kam;
      peer = await climb('kamailio', { scenario: UAC_PLAIN, target: kam.address, rates: ladder, seconds, holdMs, cpu: () => cpuSeconds(() => groupMembers(pgrp)), uasPid: uas.pid, log: () => k.log(), settle });
      process.stdout.write(`${await uasReport('kamailio', uas)}\n`);
    } finally {
      await kam?.stop();
      await uas.stop();
    }
  }
  rmSync(dir, { recursive: true, force: true });

  const a = bestClean(ours);
  const b = bestClean(peer);
  const top = ladder[ladder.length - 1] ?? 0;
  const fmt = (s: Step | undefined, steps: Step[]): string =>
    s === undefined ? 'no clean step' : `${s.target} calls/s clean${steps.every((x) => x.clean) && s.target === top ? ' (top step, limit not reached)' : ''} (${s.cpuMsPerCall.toFixed(2)} core-ms/call, cpu ${(s.cpuShare * 100).toFixed(0)} %, sipp ${(s.generatorShare * 100).toFixed(0)} %)`;
  const firstFail = (steps: Step[]): string => {
    const f = steps.find((s) => !s.clean);
    return f === undefined ? '' : `; first unclean ${f.target}/s: ${f.ok} ok, ${f.failed} failed, ${f.achieved.toFixed(0)}/s`;
  };
  const ratio = a !== undefined && b !== undefined ? a.target / b.target : 0;
  const summary = `switchboard ${fmt(a, ours)}${firstFail(ours)}; kamailio proxy ${fmt(b, peer)}${firstFail(peer)}; hold ${holdMs} ms, ${seconds} s steps`;
  process.stdout.write(`bench/b2bua-cps: ${summary}, ratio ${ratio.toFixed(2)}${opts.smoke ? ' (smoke)' : ''}\n`);
  if (!opts.smoke) record('b2bua-cps', 'npm run bench -- b2bua-cps', summary, ratio);
  if (a === undefined) throw new Error(`Switchboard had failed calls at ${ladder[0] ?? 0} calls/s`);
}
