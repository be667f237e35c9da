// RFC 3261 §17.1.2 — Non-INVITE Client Transaction.
//
//                                    |Request from TU
//                                    |send request
//                Timer E             V
//                send request  +-----------+
//                    +---------|           |-------------------+
//                    |         |  Trying   |  Timer F          |
//                    +-------->|           |  or Transport Err.|
//                              +-----------+  inform TU        |
//                 200-699         |  |                         |
//                 resp. to TU     |  |1xx                      |
//                 +---------------+  |resp. to TU              |
//                 |                  |                         |
//                 |   Timer E        V       Timer F           |
//                 |   send req +-----------+ or Transport Err. |
//                 |  +---------|           | inform TU         |
//                 |  |         |Proceeding |------------------>|
//                 |  +-------->|           |-----+             |
//                 |            +-----------+     |1xx          |
//                 |              |      ^        |resp to TU   |
//                 | 200-699      |      +--------+             |
//                 | resp. to TU  |                             |
//                 |              |                             |
//                 |              V                             |
//                 |            +-----------+                   |
//                 |            |           |                   |
//                 |            | Completed |                   |
//                 |            |           |                   |
//                 |            +-----------+                   |
//                 |              ^   |                         |
//                 |              |   | Timer K                 |
//                 +--------------+   | -                       |
//                                    |                         |
//                                    V                         |
//              NOTE:           +-----------+                   |
//                              |           |                   |
//          transitions         | Terminated|<------------------+
//          labeled with        |           |
//          the event           +-----------+
//          over the action
//          to take

import type { SipRequest, SipResponse } from '../message/index.ts';
import type { Flow } from '../transport/flow.ts';
import { ClientTransaction, type ClientTransactionHandlers } from './client-transaction.ts';
import type { TransactionContext } from './transaction.ts';

export class NonInviteClientTransaction extends ClientTransaction {
  readonly kind = 'non-invite-client' as const;
  /** Timer E's current interval. */
  private retransmitInterval: number;

  constructor(ctx: TransactionContext, key: string, request: SipRequest, flow: Flow, handlers: ClientTransactionHandlers) {
    super(ctx, key, request, flow, 'trying', handlers);
    this.retransmitInterval = ctx.timers.E;
  }

  /**
   * §17.1.2.2 — "The "Trying" state is entered when the TU initiates a new client
   * transaction with a request. When entering this state, the client transaction
   * SHOULD set timer F to fire in 64*T1 seconds. The request MUST be passed to the
   * transport layer for transmission. If an unreliable transport is in use, the
   * client transaction MUST set timer E to fire in T1 seconds."
   */
  start(): void {
    this.startTimer('F', this.ctx.timers.F, () => this.timerF());
    if (!this.reliable) this.startTimer('E', this.retransmitInterval, () => this.timerE());
    this.transmit(this.request);
  }

  /**
   * §17.1.2.2 — "If timer E fires while still in this state, the timer is reset,
   * but this time with a value of MIN(2*T1, T2). When the timer fires again, it is
   * reset to a MIN(4*T1, T2). This process continues so that retransmissions occur
   * with an exponentially increasing interval that caps at T2. ... If Timer E
   * fires while in the "Proceeding" state, the request MUST be passed to the
   * transport layer for retransmission, and Timer E MUST be reset with a value of
   * T2 seconds."
   */
  private timerE(): void {
    if (this.state === 'trying') {
      this.retransmitInterval = Math.min(2 * this.retransmitInterval, this.ctx.timers.T2);
    } else if (this.state === 'proceeding') {
      this.retransmitInterval = this.ctx.timers.T2;
    } else {
      return;
    }
    this.startTimer('E', this.retransmitInterval, () => this.timerE());
    this.transmit(this.request);
  }

  /**
   * §17.1.2.2 — "If Timer F fires while the client transaction is still in the
   * "Trying" state, the client transaction SHOULD inform the TU about the timeout,
   * and then it SHOULD enter the "Terminated" state. ... If timer F fires while in
   * the "Proceeding" state, the TU MUST be informed of a timeout, and the client
   * transaction MUST transition to the terminated state."
   */
  private timerF(): void {
    if (this.state === 'trying' || this.state === 'proceeding') this.timeout();
  }

  /**
   * §17.1.2.2 — "If Timer K fires while in this state, the client transaction MUST
   * transition to the "Terminated" state."
   */
  private timerK(): void {
    if (this.state === 'completed') this.terminate();
  }

  receiveResponse(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') {
      // §17.1.2.2 — "The "Completed" state exists to buffer any additional response
      // retransmissions that may be received (which is why the client transaction
      // remains there only for unreliable transports)." They are absorbed.
      return;
    }
    if (response.status < 200) {
      // §17.1.2.2 — "If a provisional response is received while in the "Trying"
      // state, the response MUST be passed to the TU, and then the client
      // transaction SHOULD move to the "Proceeding" state. ... If a provisional
      // response is received while in the "Proceeding" state, it MUST be passed to
      // the TU."
      this.setState('proceeding');
      this.handlers.onResponse(response);
      return;
    }
    // §17.1.2.2 — "If a final response (status codes 200-699) is received while the
    // client transaction is in the "Trying" state, the response MUST be passed to
    // the TU, and the client transaction MUST transition to the "Completed" state.
    // ... If a final response (status codes 200-699) is received while in the
    // "Proceeding" state, the response MUST be passed to the TU, and the client
    // transaction MUST transition to the "Completed" state. Once the client
    // transaction enters the "Completed" state, it MUST set Timer K to fire in T4
    // seconds for unreliable transports, and zero seconds for reliable transports."
    this.stopTimer('E');
    this.stopTimer('F');
    this.setState('completed');
    this.handlers.onResponse(response);
    this.startTimer('K', this.ctx.timers.K(this.reliable), () => this.timerK());
  }
}
