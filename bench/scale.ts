// bench/scale: calls per second with one Switchboard node and with two, both
// behind the Kamailio front (deploy/kamailio/kamailio.cfg): SIPp UAC →
// Kamailio → node → Kamailio (the callee's Path) → SIPp UAS. The nodes are
// real processes on one PostgreSQL database and one NATS JetStream (a
// cluster). The callers are BENCH_SCALE_CALLERS extensions (default 20),
// because the front keeps one node per caller (a hash over the From user).
// Each rate step (BENCH_SCALE_RATES, BENCH_SCALE_STEP_SECONDS each) counts as
// clean with no failed call and ≥ 95 % of the target rate reached. Reports
// the highest clean rate of each set-up, the ratio, and the CPU per call of
// the nodes together and of Kamailio.
//
// First one node (node b not started yet), then node b joins and the front
// is restarted on the same port with both nodes in its list.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { ROOT, cpuSeconds, createExtensions, groupMembers, pgAdmin, procStat, record, startSwitchboard, stop, type SwitchboardProcess } from './lib.ts';
import { CALLEE, PASSWORD, SCENARIOS, bestClean, failureCauses, registeredUas, sippStep, type SippStep } from './sipp-calls.ts';
import { startSipp, type SippRun } from '../test/peers/sipp.ts';
import { Kamailio } from '../test/peers/kamailio.ts';
import { freeUdpPort, LOOPBACK } from '../test/peers/ports.ts';

const UAC = join(SCENARIOS, 'scale-uac-auth.xml');
const FRONT_CFG = join(ROOT, 'deploy', 'kamailio', 'kamailio.cfg');
const PG_URL = process.env.SWITCHBOARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.SWITCHBOARD_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

interface Node extends SwitchboardProcess {
  name: string;
}

interface Step extends SippStep {
  /** Core-ms per successful call of all the nodes together, and of Kamailio. */
  nodesMsPerCall: number;
  kamailioMsPerCall: number;
  /** Share of a core each node used during the step. */
  nodeShares: number[];
}

/** A node as a real process; the first (with the demo directory) prints its admin key, which `withKey` waits for. */
async function startNode(name: string, env: Record<string, string>, withKey: boolean): Promise<Node> {
  const sb = await startSwitchboard({ ...env, SWITCHBOARD_NODE_ID: name }, { withKey, timeoutMs: 60_000 });
  // Keep draining its output (a full pipe would stall the node).
  sb.child.stdout?.resume();
  sb.child.stderr?.resume();
  return { ...sb, name };
}

async function startFront(dir: string, port: number, nodes: Node[]): Promise<{ kam: Kamailio; pgrp: number }> {
  const list = join(dir, `dispatcher-${String(nodes.length)}.list`);
  writeFileSync(list, nodes.map((n) => `1 sip:${LOOPBACK}:${String(n.sipPort)} 0 0 duid=${n.name}\n`).join(''));
  const kam = await Kamailio.start({ cfg: FRONT_CFG, port, defines: { DS_LIST_FILE: `"${list}"`, DS_PING_INTERVAL: '1', FR_TIMER: '2000' }, sharedMemMb: 1024, udpReceiveBuffer: 2_097_152 });
  const mainPid = Number(readFileSync(join(kam.runDir, 'kamailio.pid'), 'utf8').trim());
  // A probe round marks every node active.
  await new Promise((r) => setTimeout(r, 2500));
  return { kam, pgrp: procStat(mainPid)?.[0] ?? mainPid };
}

function callersCsv(count: number): string {
  const lines = Array.from({ length: count }, (_, i) => `${String(4001 + i)};[authentication username=${String(4001 + i)} password=${PASSWORD}]`);
  return `SEQUENTIAL\n${lines.join('\n')}\n`;
}

async function step(o: { front: Kamailio; pgrp: number; nodes: Node[]; rate: number; seconds: number; callers: number }): Promise<Step> {
  const calls = Math.round(o.rate * o.seconds);
  const nodeCpu = () => o.nodes.map((n) => cpuSeconds(() => [n.child.pid ?? 0]));
  const kamCpu = () => cpuSeconds(() => groupMembers(o.pgrp));
  const nodesBefore = nodeCpu();
  const kamBefore = kamCpu();
  const started = Date.now();
  const uac = await startSipp({ scenarioFile: UAC, target: o.front.address, rate: o.rate, calls, timeoutMs: o.seconds * 1000 + 60_000, traceErrors: true, injectionCsv: callersCsv(o.callers), args: ['-s', CALLEE, '-d', '0', '-recv_timeout', '8000', ...(process.env.BENCH_SCALE_TRACE ? ['-trace_msg', '-message_file', process.env.BENCH_SCALE_TRACE] : [])] });
  const result = await uac.done;
  const seconds = (Date.now() - started) / 1000;
  const nodesAfter = nodeCpu();
  const used = nodesAfter.map((c, i) => c - (nodesBefore[i] ?? 0));
  const counts = sippStep(o.rate, calls, seconds, result);
  const ok = counts.ok;
  const total = used.reduce((a, b) => a + b, 0);
  return {
    ...counts,
    nodesMsPerCall: ok > 0 ? (total * 1000) / ok : 0,
    kamailioMsPerCall: ok > 0 ? ((kamCpu() - kamBefore) * 1000) / ok : 0,
    nodeShares: used.map((u) => u / seconds),
  };
}

async function climb(label: string, o: Omit<Parameters<typeof step>[0], 'rate'>, rates: number[]): Promise<Step[]> {
  const steps: Step[] = [];
  for (const rate of rates) {
    const s = await step({ ...o, rate });
    steps.push(s);
    const shares = s.nodeShares.map((x) => `${(x * 100).toFixed(0)} %`).join(' + ');
    process.stdout.write(`  ${label} ${String(rate).padStart(4)}/s × ${String(s.calls)}: ${String(s.ok)} ok, ${String(s.failed)} failed, achieved ${s.achieved.toFixed(0)}/s, nodes ${shares} = ${s.nodesMsPerCall.toFixed(2)} core-ms/call, kamailio ${s.kamailioMsPerCall.toFixed(2)} core-ms/call${s.clean ? '' : '  ← not clean'}\n`);
    if (!s.clean) {
      process.stdout.write(`    sipp exit ${String(s.result.code)}; ${failureCauses(s.result).join(', ')}\n${(s.result.errors ?? '').split('\n').slice(0, 20).join('\n')}\n`);
      process.stdout.write(`    kamailio (tail):\n${o.front.log().trim().split('\n').slice(-15).join('\n')}\n`);
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return steps;
}

/** Share of a core each node uses with no call at all (its fixed cost: NATS, timers, probes, resyncs). */
async function idleShares(nodes: Node[], ms: number): Promise<number[]> {
  const before = nodes.map((n) => cpuSeconds(() => [n.child.pid ?? 0]));
  await new Promise((r) => setTimeout(r, ms));
  return nodes.map((n, i) => (cpuSeconds(() => [n.child.pid ?? 0]) - (before[i] ?? 0)) / (ms / 1000));
}

/** Core-ms per call above the nodes' idle cost. */
function marginal(s: Step, idle: number[], seconds: number): number {
  const used = s.nodeShares.reduce((a, b) => a + b, 0) * seconds;
  const fixed = idle.reduce((a, b) => a + b, 0) * seconds;
  return s.ok > 0 ? ((used - fixed) * 1000) / s.ok : 0;
}

export async function run(opts: { smoke: boolean }): Promise<void> {
  const rates = opts.smoke ? [20] : (process.env.BENCH_SCALE_RATES ?? '25,50,75,100,150,200,250,300,400').split(',').map(Number).filter((r) => r > 0);
  const seconds = opts.smoke ? 3 : Number(process.env.BENCH_SCALE_STEP_SECONDS ?? 10);
  const callers = Number(process.env.BENCH_SCALE_CALLERS ?? 20);
  const t0 = Date.now();
  const load = loadavg()[0]?.toFixed(2) ?? '?';
  process.stdout.write(`bench/scale: steps ${rates.join(', ')} calls/s × ${String(seconds)} s, ${String(callers)} callers, load average ${load} at start${opts.smoke ? ' (smoke)' : ''}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-scale-'));
  const name = `sb_bench_${randomBytes(4).toString('hex')}`;
  const cluster = `bench${randomBytes(4).toString('hex')}`;
  await pgAdmin(PG_URL, `CREATE DATABASE ${name}`);
  const env = {
    SWITCHBOARD_HOST: LOOPBACK,
    SWITCHBOARD_HTTP_PORT: '0',
    SWITCHBOARD_SIP_PORT: '0',
    SWITCHBOARD_LOG_LEVEL: 'warn',
    SWITCHBOARD_DATABASE_URL: PG_URL.replace(/\/[^/]*$/, `/${name}`),
    SWITCHBOARD_NATS_URL: NATS_URL,
    SWITCHBOARD_CLUSTER_NAME: cluster,
  };
  const nodes: Node[] = [];
  let front: { kam: Kamailio; pgrp: number } | undefined;
  let uas: SippRun | undefined;
  let one: Step[] = [];
  let two: Step[] = [];
  let idleOne: number[] = [];
  let idleTwo: number[] = [];
  try {
    const a = await startNode('a', { ...env, SWITCHBOARD_DATA_DIR: join(dir, 'a'), SWITCHBOARD_DEMO: 'true' }, true);
    nodes.push(a);
    await createExtensions(a, [CALLEE, ...Array.from({ length: callers }, (_, i) => String(4001 + i))], PASSWORD);
    const frontPort = await freeUdpPort();
    front = await startFront(dir, frontPort, nodes);
    // The callee registers through the front (Path), from the port its SIPp UAS then binds.
    uas = await registeredUas({ host: LOOPBACK, port: frontPort });

    idleOne = await idleShares(nodes, 5000);
    one = await climb('1 node ', { front: front.kam, pgrp: front.pgrp, nodes: [...nodes], seconds, callers }, rates);
    await front.kam.stop();
    front = undefined;
    nodes.push(await startNode('b', { ...env, SWITCHBOARD_DATA_DIR: join(dir, 'b'), SWITCHBOARD_DEMO: 'false' }, false));
    front = await startFront(dir, frontPort, nodes);
    idleTwo = await idleShares(nodes, 5000);
    two = await climb('2 nodes', { front: front.kam, pgrp: front.pgrp, nodes: [...nodes], seconds, callers }, rates);
  } finally {
    await uas?.stop();
    await front?.kam.stop();
    for (const n of nodes) await stop(n.child);
    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.delete(`SWITCHBOARD_${cluster}_EVENTS`).catch(() => false);
    await nc.close();
    await pgAdmin(PG_URL, `DROP DATABASE IF EXISTS ${name}`);
    rmSync(dir, { recursive: true, force: true });
  }
  const b1 = bestClean(one);
  const b2 = bestClean(two);
  const top = rates[rates.length - 1] ?? 0;
  const fmt = (s: Step | undefined, steps: Step[], idle: number[]): string => {
    if (s === undefined) return 'no clean step';
    const idleText = `idle ${idle.map((x) => `${(x * 100).toFixed(1)} %`).join(' + ')}, ${marginal(s, idle, s.seconds).toFixed(2)} core-ms/call above idle`;
    const limit = steps.every((x) => x.clean) && s.target === top ? ' (top step, limit not reached)' : '';
    const fail = steps.find((x) => !x.clean);
    const next = fail ? `; first unclean ${String(fail.target)}/s: ${String(fail.ok)} ok, ${String(fail.failed)} failed, ${fail.achieved.toFixed(0)}/s, ${fail.nodesMsPerCall.toFixed(2)} core-ms/call, ${marginal(fail, idle, fail.seconds).toFixed(2)} above idle` : '';
    return `${String(s.target)} calls/s clean${limit} (nodes ${s.nodeShares.map((x) => `${(x * 100).toFixed(0)} %`).join(' + ')} of a core, ${s.nodesMsPerCall.toFixed(2)} core-ms/call, ${idleText}; kamailio ${s.kamailioMsPerCall.toFixed(2)} core-ms/call)${next}`;
  };
  const ratio = b1 && b2 ? b2.target / b1.target : 0;
  const summary = `1 node: ${fmt(b1, one, idleOne)}; 2 nodes: ${fmt(b2, two, idleTwo)}; ${String(callers)} callers, ${String(seconds)} s steps, load average ${load} at start`;
  process.stdout.write(`bench/scale: ${summary}, ratio ${ratio.toFixed(2)} (${((Date.now() - t0) / 1000).toFixed(0)} s)${opts.smoke ? ' (smoke)' : ''}\n`);
  if (!opts.smoke && !process.env.BENCH_NO_RECORD) record('scale', 'npm run bench -- scale', summary, ratio);
  if (b1 === undefined || b2 === undefined) throw new Error('a set-up had no clean step');
}
