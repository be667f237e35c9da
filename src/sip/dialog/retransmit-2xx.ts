// RFC 3261 §13.3.1.4 — The INVITE is Accepted: the UAS core, not the INVITE
// server transaction, makes the 2xx reliable (RFC 6026 §7.1: "RFC 3261 requires
// the TU to periodically retransmit the 2xx response until it receives an ACK.
// The server transaction MUST NOT generate 2xx retransmissions on its own.").
//
// "The 2xx response is passed to the transport with an interval that starts at
// T1 seconds and doubles for each retransmission until it reaches T2 seconds
// (T1 and T2 are defined in Section 17). Response retransmissions cease when an
// ACK request for the response is received. This is independent of whatever
// transport protocols are used to send the response."
//
// So it runs over TCP as well: the 2xx travels end to end, through proxies that
// may use UDP on the next hop.

import { type Clock, type TimerConfig, type TimerHandle, Timers, realClock } from '../transaction/timers.ts';

export interface Retransmit2xxOptions {
  clock?: Clock;
  timers?: Timers | Partial<TimerConfig>;
  /**
   * Passes the 2xx to the transport once more — typically
   * `() => serverTransaction.respond(response)`, which the INVITE server
   * transaction sends while "Accepted" (RFC 6026 §8.7).
   */
  retransmit(): void;
  /**
   * §13.3.1.4 — "If the server retransmits the 2xx response for 64*T1 seconds
   * without receiving an ACK, the dialog is confirmed, but the session SHOULD be
   * terminated. This is accomplished with a BYE".
   */
  onTimeout(): void;
}

export interface Retransmission2xx {
  /** The ACK arrived: stop. Idempotent. */
  acknowledge(): void;
  /** Stop without an ACK (the call was torn down). Idempotent. */
  stop(): void;
  /** True until acknowledged, stopped or timed out. */
  readonly active: boolean;
}

/**
 * Starts retransmitting a 2xx the TU has just sent: again at T1, then at
 * intervals doubling up to T2, until acknowledge() or stop(), or until 64*T1 after
 * the start, when onTimeout runs.
 */
export function retransmit2xxUntilAck(options: Retransmit2xxOptions): Retransmission2xx {
  const clock = options.clock ?? realClock;
  const timers = options.timers instanceof Timers ? options.timers : new Timers(options.timers);
  let active = true;
  let interval = timers.T1;
  let retransmitTimer: TimerHandle | undefined;

  const stop = (): void => {
    if (!active) return;
    active = false;
    if (retransmitTimer !== undefined) clock.clearTimeout(retransmitTimer);
    clock.clearTimeout(giveUpTimer);
  };

  const schedule = (): void => {
    retransmitTimer = clock.setTimeout(() => {
      retransmitTimer = undefined;
      if (!active) return;
      interval = Math.min(2 * interval, timers.T2);
      schedule();
      options.retransmit();
    }, interval);
  };

  const giveUpTimer = clock.setTimeout(() => {
    if (!active) return;
    stop();
    options.onTimeout();
  }, 64 * timers.T1);
  schedule();

  return {
    acknowledge: stop,
    stop,
    get active() {
      return active;
    },
  };
}
