// A routing advisor (the CRM's reply to NOTIFY_START, seed 002) is asked
// about every new call before it rings: it may name the caller and redirect
// the call to another number of ours. Past its time limit, or on an error,
// the call goes on as dialled.
import type { Logger } from 'pino';
import type { CallInfo } from '../../core/calls.ts';
import type { Call } from './call.ts';

/** What a routing advisor may change about a new call. */
export interface RoutingAdvice {
  /** Display name shown to the callee for the caller. */
  callerName?: string;
  /** An internal number to ring instead of the one dialled. */
  destination?: string;
}

export type RoutingAdvisor = (call: CallInfo) => Promise<RoutingAdvice | undefined>;

export class RoutingAdvisorSlot {
  private advisor: { advise: RoutingAdvisor; timeoutMs: number } | undefined;

  constructor(
    private readonly logger: Logger,
    /** Whether a redirect names a number of ours (anything else is ignored). */
    private readonly isOurs: (number: string) => Promise<boolean>,
  ) {}

  set(advise: RoutingAdvisor, timeoutMs: number): void {
    this.advisor = { advise, timeoutMs };
  }

  /** The advice for this call, its redirect kept only when it names a number of ours. */
  async advise(call: Call): Promise<{ callerName?: string; redirect?: string } | undefined> {
    const advice = await this.ask(call);
    if (!advice) return undefined;
    const d = advice.destination;
    const redirect = d !== undefined && (await this.isOurs(d)) ? d : undefined;
    return { ...(advice.callerName !== undefined ? { callerName: advice.callerName } : {}), ...(redirect !== undefined ? { redirect } : {}) };
  }

  private async ask(call: Call): Promise<RoutingAdvice | undefined> {
    const a = this.advisor;
    if (!a) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), a.timeoutMs)));
    try {
      return await Promise.race([a.advise(call.info()), late]);
    } catch (err) {
      this.logger.warn({ err, call: call.id }, 'routing advisor failed: routing as dialled');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
