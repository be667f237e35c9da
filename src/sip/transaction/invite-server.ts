// RFC 3261 §17.2.1 — INVITE Server Transaction, as corrected by RFC 6026 §7.1
// and §8.5–§8.8 (the "Accepted" state).
//
//                                    |INVITE
//                                    |pass INV to TU
//                 INVITE             V send 100 if TU won't in 200ms
//                 send response+-----------+
//                     +--------|           |--------+101-199 from TU
//                     |        | Proceeding|        |send response
//                     +------->|           |<-------+
//                              |           |          Transport Err.
//                              |           |          Inform TU
//                              |           |--------------->+
//                              +-----------+                |
//                 300-699 from TU |     |2xx from TU        |
//                 send response   |     |send response      |
//                                 |     +------------------>+
//                                 |                         |
//                 INVITE          V          Timer G fires  |
//                 send response+-----------+ send response  |
//                     +--------|           |--------+       |
//                     |        | Completed |        |       |
//                     +------->|           |<-------+       |
//                              +-----------+                |
//                                 |     |                   |
//                             ACK |     |                   |
//                             -   |     +------------------>+
//                                 |        Timer H fires    |
//                                 V        or Transport Err.|
//                              +-----------+  Inform TU     |
//                              |           |                |
//                              | Confirmed |                |
//                              |           |                |
//                              +-----------+                |
//                                    |                      |
//                                    |Timer I fires         |
//                                    |-                     |
//                                    |                      |
//                                    V                      |
//                              +-----------+                |
//                              |           |                |
//                              | Terminated|<---------------+
//                              |           |
//                              +-----------+
//
// RFC 6026 §8.5 sends the "2xx from TU" arrow into "Accepted", which absorbs
// INVITE retransmissions, passes 2xx retransmissions from the TU to the
// transport and ACKs to the TU, and ends on Timer L.
//
// 2xx retransmission is not done here. §13.3.1.4 gives it to the UAS core: "The
// 2xx response is passed to the transport with an interval that starts at T1
// seconds and doubles for each retransmission until it reaches T2 seconds.
// Response retransmissions cease when an ACK request for the response is
// received." `retransmit2xxUntilAck` in src/sip/dialog does that; it passes each
// retransmission to respond() while this transaction is "Accepted".

import { type SipRequest, type SipResponse, createResponse } from '../message/index.ts';
import type { Flow } from '../transport/flow.ts';
import { ServerTransaction } from './server-transaction.ts';
import type { TransactionContext } from './transaction.ts';

export interface InviteServerContext extends TransactionContext {
  /** RFC 6026 §7.1: an ACK that matched the transaction in "Accepted", for the TU. */
  passAck(ack: SipRequest, flow: Flow): void;
}

export class InviteServerTransaction extends ServerTransaction {
  readonly kind = 'invite-server' as const;
  protected declare readonly ctx: InviteServerContext;
  /** Timer G's current interval. */
  private retransmitInterval: number;

  constructor(ctx: InviteServerContext, key: string, request: SipRequest, flow: Flow) {
    super(ctx, key, request, flow, 'proceeding');
    this.retransmitInterval = ctx.timers.G;
  }

  /**
   * §17.2.1 — "When a server transaction is constructed for a request, it enters
   * the "Proceeding" state. The server transaction MUST generate a 100 (Trying)
   * response unless it knows that the TU will generate a provisional or final
   * response within 200 ms, in which case it MAY generate a 100 (Trying)
   * response." The TU is given those 200 ms.
   */
  start(): void {
    this.startTimer('trying', this.ctx.timers.trying, () => {
      if (this.state === 'proceeding' && this.lastResponse === undefined) this.send(createResponse(this.request, 100));
    });
  }

  receiveRequest(request: SipRequest): void {
    if (request.method === 'ACK') {
      this.receiveAck(request);
      return;
    }
    switch (this.state) {
      case 'proceeding':
        // §17.2.1 — "If a request retransmission is received while in the
        // "Proceeding" state, the most recent provisional response that was
        // received from the TU MUST be passed to the transport layer for
        // retransmission."
        this.resend();
        return;
      case 'completed':
        // §17.2.1 — "while in the "Completed" state, if a request retransmission is
        // received, the server SHOULD pass the response to the transport for
        // retransmission."
        this.resend();
        return;
      default:
        // RFC 6026 §7.1 — "While in the "Accepted" state, any retransmissions of
        // the INVITE received will match this transaction state machine and will
        // be absorbed by the machine without changing its state. These
        // retransmissions are not passed onto the TU." §17.2.1: the "Confirmed"
        // state likewise absorbs them.
        return;
    }
  }

  private receiveAck(ack: SipRequest): void {
    switch (this.state) {
      case 'completed':
        // §17.2.1 — "If an ACK is received while the server transaction is in the
        // "Completed" state, the server transaction MUST transition to the
        // "Confirmed" state. As Timer G is ignored in this state, any
        // retransmissions of the response will cease. ... When this state is
        // entered, timer I is set to fire in T4 seconds for unreliable transports,
        // and zero seconds for reliable transports."
        this.stopTimer('G');
        this.stopTimer('H');
        this.setState('confirmed');
        this.startTimer('I', this.ctx.timers.I(this.reliable), () => this.timerI());
        return;
      case 'accepted':
        // RFC 6026 §7.1 — "Any ACKs received from the network while in the
        // "Accepted" state MUST be passed directly to the TU and not absorbed."
        this.ctx.passAck(ack, this.flow);
        return;
      default:
        // §17.2.1 — "The purpose of the "Confirmed" state is to absorb any
        // additional ACK messages that arrive, triggered from retransmissions of
        // the final response." An ACK before any final response acknowledges
        // nothing and is dropped too.
        return;
    }
  }

  respond(response: SipResponse): boolean {
    this.checkStatus(response);
    const status = response.status;
    if (this.state === 'accepted') {
      // RFC 6026 §8.7 — "Any retransmission of the 2xx response passed from the TU
      // to the transaction while in the "Accepted" state MUST be passed to the
      // transport layer for transmission."
      if (status < 200 || status >= 300) return false;
      this.send(response);
      return true;
    }
    if (this.state !== 'proceeding') return false;
    this.stopTimer('trying');
    if (status < 200) {
      // §17.2.1 — "The TU passes any number of provisional responses to the server
      // transaction. So long as the server transaction is in the "Proceeding"
      // state, each of these MUST be passed to the transport layer for
      // transmission. They are not sent reliably by the transaction layer (they
      // are not retransmitted by it) and do not cause a change in the state of the
      // server transaction."
      this.send(response);
      return true;
    }
    if (status < 300) {
      // RFC 6026 §8.5 — "If, while in the "Proceeding" state, the TU passes a 2xx
      // response to the server transaction, the server transaction MUST pass this
      // response to the transport layer for transmission. It is not retransmitted
      // by the server transaction; retransmissions of 2xx responses are handled by
      // the TU. The server transaction MUST then transition to the "Accepted"
      // state." §8.7: "Timer L ... MUST be set to fire in 64*T1".
      this.setState('accepted');
      this.startTimer('L', this.ctx.timers.L, () => this.timerL());
      this.send(response);
      return true;
    }
    // §17.2.1 — "While in the "Proceeding" state, if the TU passes a response with
    // status code from 300 to 699 to the server transaction, the response MUST be
    // passed to the transport layer for transmission, and the state machine MUST
    // enter the "Completed" state. For unreliable transports, timer G is set to
    // fire in T1 seconds, and is not set to fire for reliable transports. ... When
    // the "Completed" state is entered, timer H MUST be set to fire in 64*T1
    // seconds for all transports."
    this.setState('completed');
    if (!this.reliable) this.startTimer('G', this.retransmitInterval, () => this.timerG());
    this.startTimer('H', this.ctx.timers.H, () => this.timerH());
    this.send(response);
    return true;
  }

  /**
   * §17.2.1 — "If timer G fires, the response is passed to the transport layer once
   * more for retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds.
   * From then on, when timer G fires, the response is passed to the transport
   * again for transmission, and timer G is reset with a value that doubles, unless
   * that value exceeds T2, in which case it is reset with the value of T2."
   */
  private timerG(): void {
    if (this.state !== 'completed') return;
    this.retransmitInterval = Math.min(2 * this.retransmitInterval, this.ctx.timers.T2);
    this.startTimer('G', this.retransmitInterval, () => this.timerG());
    this.resend();
  }

  /**
   * §17.2.1 — "If timer H fires while in the "Completed" state, it implies that the
   * ACK was never received. In this case, the server transaction MUST transition
   * to the "Terminated" state, and MUST indicate to the TU that a transaction
   * failure has occurred."
   */
  private timerH(): void {
    if (this.state !== 'completed') return;
    this.terminate();
    this.informTimeout();
  }

  /** §17.2.1 — "Once timer I fires, the server MUST transition to the "Terminated" state." */
  private timerI(): void {
    if (this.state === 'confirmed') this.terminate();
  }

  /**
   * RFC 6026 §8.7 — "If Timer L fires while the INVITE server transaction is in the
   * "Accepted" state, the transaction MUST transition to the "Terminated" state."
   */
  private timerL(): void {
    if (this.state === 'accepted') this.terminate();
  }

  /**
   * §17.2.4 — "the server transaction SHOULD inform the TU that a failure has
   * occurred, and SHOULD transition to the terminated state." RFC 6026 §8.8, for
   * "Accepted": "the server transaction SHOULD inform the TU that a failure has
   * occurred, and MUST remain in the current state."
   */
  transportError(): void {
    if (this.state === 'terminated') return;
    if (this.state !== 'accepted') this.terminate();
    this.informTransportError();
  }
}
