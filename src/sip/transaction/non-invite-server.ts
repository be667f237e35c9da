// RFC 3261 §17.2.2 — Non-INVITE Server Transaction.
//
//                                   |Request received
//                                   |pass to TU
//                                   V
//                             +-----------+
//                             |           |
//                             | Trying    |-------------+
//                             |           |             |
//                             +-----------+             |200-699 from TU
//                                   |                   |send response
//                                   |1xx from TU        |
//                                   |send response      |
//                                   |                   |
//                Request            V      1xx from TU  |
//                send response+-----------+send response|
//                    +--------|           |--------+    |
//                    |        | Proceeding|        |    |
//                    +------->|           |<-------+    |
//             +<--------------|           |             |
//             |Trnsprt Err    +-----------+             |
//             |Inform TU            |                   |
//             |                     |                   |
//             |                     |200-699 from TU    |
//             |                     |send response      |
//             |  Request            V                   |
//             |  send response+-----------+             |
//             |      +--------|           |             |
//             |      |        | Completed |<------------+
//             |      +------->|           |
//             +<--------------|           |
//             |Trnsprt Err    +-----------+
//             |Inform TU            |
//             |                     |Timer J fires
//             |                     |-
//             |                     |
//             |                     V
//             |               +-----------+
//             |               |           |
//             +-------------->| Terminated|
//                             |           |
//                             +-----------+

import type { SipRequest, SipResponse } from '../message/index.ts';
import type { Flow } from '../transport/flow.ts';
import { ServerTransaction } from './server-transaction.ts';
import type { TransactionContext } from './transaction.ts';

export class NonInviteServerTransaction extends ServerTransaction {
  readonly kind = 'non-invite-server' as const;

  /**
   * §17.2.2 — "The state machine is initialized in the "Trying" state and is passed
   * a request other than INVITE or ACK when initialized. This request is passed up
   * to the TU."
   */
  constructor(ctx: TransactionContext, key: string, request: SipRequest, flow: Flow) {
    super(ctx, key, request, flow, 'trying');
  }

  start(): void {
    // Nothing is sent and no timer runs until the TU responds.
  }

  receiveRequest(_request: SipRequest): void {
    switch (this.state) {
      case 'trying':
        // §17.2.2 — "Once in the "Trying" state, any further request
        // retransmissions are discarded."
        return;
      case 'proceeding':
        // §17.2.2 — "If a retransmission of the request is received while in the
        // "Proceeding" state, the most recently sent provisional response MUST be
        // passed to the transport layer for retransmission."
        this.resend();
        return;
      case 'completed':
        // §17.2.2 — "While in the "Completed" state, the server transaction MUST
        // pass the final response to the transport layer for retransmission
        // whenever a retransmission of the request is received."
        this.resend();
        return;
      default:
        return;
    }
  }

  respond(response: SipResponse): boolean {
    this.checkStatus(response);
    if (this.state !== 'trying' && this.state !== 'proceeding') return false;
    if (response.status < 200) {
      // §17.2.2 — "While in the "Trying" state, if the TU passes a provisional
      // response to the server transaction, the server transaction MUST enter the
      // "Proceeding" state. The response MUST be passed to the transport layer for
      // transmission. Any further provisional responses that are received from the
      // TU while in the "Proceeding" state MUST be passed to the transport layer
      // for transmission."
      this.setState('proceeding');
      this.send(response);
      return true;
    }
    // §17.2.2 — "If the TU passes a final response (status codes 200-699) to the
    // server while in the "Proceeding" state, the transaction MUST enter the
    // "Completed" state, and the response MUST be passed to the transport layer
    // for transmission." (Likewise from "Trying".) "When the server transaction
    // enters the "Completed" state, it MUST set Timer J to fire in 64*T1 seconds
    // for unreliable transports, and zero seconds for reliable transports."
    this.setState('completed');
    this.send(response);
    this.startTimer('J', this.ctx.timers.J(this.reliable), () => this.timerJ());
    return true;
  }

  /**
   * §17.2.2 — "The server transaction remains in this state until Timer J fires, at
   * which point it MUST transition to the "Terminated" state."
   */
  private timerJ(): void {
    if (this.state === 'completed') this.terminate();
  }

  /**
   * §17.2.4 — "the server transaction SHOULD inform the TU that a failure has
   * occurred, and SHOULD transition to the terminated state."
   */
  transportError(): void {
    if (this.state === 'terminated') return;
    this.terminate();
    this.informTransportError();
  }
}
