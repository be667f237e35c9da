// What the SIPp call benchmarks (b2bua-cps, scale, soak) share: the callee —
// extension 3002 registered by a REGISTER sent from the port a SIPp UAS then
// binds (Switchboard sends the INVITE where the REGISTER came from) — and how
// one rate step is counted: clean is no failed call, every call done, at
// least 95 % of the target rate reached, SIPp not timed out.
import { join } from 'node:path';
import { ROOT } from './lib.ts';
import { startSipp, type SippResult, type SippRun } from '../test/peers/sipp.ts';
import { freeUdpPort, isUdpPortFree } from '../test/peers/ports.ts';
import { registerFrom } from '../test/helpers/sip-register.ts';

export const CALLEE = '3002';
export const PASSWORD = 'secret-pass';
export const SCENARIOS = join(ROOT, 'bench', 'scenarios');
const UAS = join(SCENARIOS, 'b2bua-uas.xml');
const MIN_ACHIEVED = 0.95;

// ---- the callee ------------------------------------------------------------------

/** A free UDP port, registered as the callee at `server` (Switchboard, or a front before it), then a SIPp UAS bound to it. */
export async function registeredUas(server: { host: string; port: number }): Promise<SippRun> {
  const port = await freeUdpPort();
  await registerFrom(port, server, CALLEE, PASSWORD);
  // Someone could take the port between our REGISTER and SIPp's bind: then SIPp exits.
  if (!(await isUdpPortFree(port))) throw new Error(`UDP port ${String(port)} was taken right after the REGISTER`);
  return startUas(port);
}

export async function startUas(port?: number): Promise<SippRun> {
  const run = await startSipp({ scenarioFile: UAS, ...(port !== undefined ? { localPort: port } : {}), timeoutMs: 3_600_000, traceErrors: true, traceScreen: true });
  // SIPp binds at once; give it a moment, and fail loudly if it exited (port taken).
  await new Promise((r) => setTimeout(r, 300));
  const early = await Promise.race([run.done, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10))]);
  if (early !== undefined) throw new Error(`SIPp UAS exited at start (${String(early.code)}): ${early.stderr}`);
  return run;
}

// ---- a rate step -------------------------------------------------------------------

export interface SippStep {
  /** The rate asked for, calls/s. */
  target: number;
  calls: number;
  ok: number;
  failed: number;
  /** Successful calls per second of wall time (SIPp start to exit). */
  achieved: number;
  seconds: number;
  clean: boolean;
  result: SippResult;
}

/** The counts of a step of `calls` at `target` calls/s that took `seconds`. */
export function sippStep(target: number, calls: number, seconds: number, result: SippResult): SippStep {
  const ok = result.stats?.successful ?? 0;
  const failed = result.stats?.failed ?? 0;
  const achieved = ok / seconds;
  const clean = failed === 0 && ok === calls && achieved >= MIN_ACHIEVED * target && !result.timedOut;
  return { target, calls, ok, failed, achieved, seconds, clean, result };
}

/** The last clean step of a rising climb: the highest clean rate. */
export function bestClean<S extends SippStep>(steps: S[]): S | undefined {
  let best: S | undefined;
  for (const s of steps) if (s.clean) best = s;
  return best;
}

/** SIPp's own account of the failed calls: `FailedTimeoutOnRecv 3`, `FailedUnexpectedMessage 1`… */
export function failureCauses(result: SippResult): string[] {
  return Object.entries(result.stats?.raw ?? {})
    .filter(([name, value]) => name.startsWith('Failed') && name.endsWith('(C)') && name !== 'FailedCall(C)' && Number(value) > 0)
    .map(([name, value]) => `${name.slice(0, -3)} ${String(value)}`);
}
