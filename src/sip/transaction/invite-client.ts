// RFC 3261 §17.1.1 — INVITE Client Transaction, as corrected by RFC 6026 §8.4
// (the "Accepted" state).
//
//                                |INVITE from TU
//              Timer A fires     |INVITE sent
//              Reset A,          V                      Timer B fires
//              INVITE sent +-----------+                or Transport Err.
//                +---------|           |---------------+inform TU
//                |         |  Calling  |               |
//                +-------->|           |-------------->|
//                          +-----------+ 2xx           |
//                             |  |       2xx to TU     |
//                             |  |1xx                  |
//     300-699 +---------------+  |1xx to TU            |
//    ACK sent |                  |                     |
// resp. to TU |  1xx             V                     |
//             |  1xx to TU  -----------+               |
//             |  +---------|           |               |
//             |  |         |Proceeding |-------------->|
//             |  +-------->|           | 2xx           |
//             |            +-----------+ 2xx to TU     |
//             |       300-699    |                     |
//             |       ACK sent,  |                     |
//             |       resp. to TU|                     |
//             |                  |                     |      NOTE:
//             |  300-699         V                     |
//             |  ACK sent  +-----------+Transport Err. |  transitions
//             |  +---------|           |Inform TU      |  labeled with
//             |  |         | Completed |-------------->|  the event
//             |  +-------->|           |               |  over the action
//             |            +-----------+               |  to take
//             |              ^   |                     |
//             |              |   | Timer D fires       |
//             +--------------+   | -                   |
//                                |                     |
//                                V                     |
//                          +-----------+               |
//                          |           |               |
//                          | Terminated|<--------------+
//                          |           |
//                          +-----------+
//
// RFC 6026 §8.4 replaces both "2xx to TU" arrows into Terminated with arrows into
// "Accepted", where 2xx responses keep being passed to the TU until Timer M fires.

import { Headers, SipRequest, type SipResponse, cloneUri, stringifyCSeq } from '../message/index.ts';
import type { Flow } from '../transport/flow.ts';
import { createCancel } from './cancel.ts';
import { ClientTransaction, type ClientTransactionHandlers } from './client-transaction.ts';
import type { TransactionContext } from './transaction.ts';

export interface InviteClientContext extends TransactionContext {
  /** Sends a CANCEL in its own non-INVITE client transaction over `flow` (§9.1). */
  startCancel(cancel: SipRequest, flow: Flow): void;
}

export class InviteClientTransaction extends ClientTransaction {
  readonly kind = 'invite-client' as const;
  protected declare readonly ctx: InviteClientContext;
  /** The ACK sent for the non-2xx final response, resent for its retransmissions. */
  private ack: SipRequest | undefined;
  /** Timer A's current interval. */
  private retransmitInterval: number;
  private cancelRequested: { reason?: string } | undefined;
  private cancelSent = false;

  constructor(ctx: InviteClientContext, key: string, request: SipRequest, flow: Flow, handlers: ClientTransactionHandlers) {
    super(ctx, key, request, flow, 'calling', handlers);
    this.retransmitInterval = ctx.timers.A;
  }

  /**
   * §17.1.1.2 — "The initial state, "calling", MUST be entered when the TU
   * initiates a new client transaction with an INVITE request. The client
   * transaction MUST pass the request to the transport layer for transmission.
   * If an unreliable transport is being used, the client transaction MUST start
   * timer A with a value of T1. If a reliable transport is being used, the client
   * transaction SHOULD NOT start timer A (Timer A controls request
   * retransmissions). For any transport, the client transaction MUST start timer
   * B with a value of 64*T1 seconds (Timer B controls transaction timeouts)."
   */
  start(): void {
    if (!this.reliable) this.startTimer('A', this.retransmitInterval, () => this.timerA());
    this.startTimer('B', this.ctx.timers.B, () => this.timerB());
    this.transmit(this.request);
  }

  /**
   * §17.1.1.2 — "When timer A fires, the client transaction MUST retransmit the
   * request by passing it to the transport layer, and MUST reset the timer with a
   * value of 2*T1. ... When timer A fires 2*T1 seconds later, the request MUST be
   * retransmitted again (assuming the client transaction is still in this state).
   * This process MUST continue so that the request is retransmitted with intervals
   * that double after each transmission."
   */
  private timerA(): void {
    if (this.state !== 'calling') return;
    this.retransmitInterval *= 2;
    this.startTimer('A', this.retransmitInterval, () => this.timerA());
    this.transmit(this.request);
  }

  /**
   * §17.1.1.2 — "If the client transaction is still in the "Calling" state when
   * timer B fires, the client transaction SHOULD inform the TU that a timeout has
   * occurred. The client transaction MUST NOT generate an ACK."
   */
  private timerB(): void {
    if (this.state === 'calling') this.timeout();
  }

  /**
   * §17.1.1.2 (RFC 6026 §8.4) — "If Timer D fires while the client transaction is
   * in the "Completed" state, the client transaction MUST move to the
   * "Terminated" state."
   */
  private timerD(): void {
    if (this.state === 'completed') this.terminate();
  }

  /**
   * RFC 6026 §8.4 — "If Timer M fires while the client transaction is in the
   * "Accepted" state, the client transaction MUST move to the "Terminated" state."
   */
  private timerM(): void {
    if (this.state === 'accepted') this.terminate();
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          // §17.1.1.2 — "If the client transaction receives a provisional response
          // while in the "Calling" state, it transitions to the "Proceeding" state.
          // In the "Proceeding" state, the client transaction SHOULD NOT retransmit
          // the request any longer. Furthermore, the provisional response MUST be
          // passed to the TU. Any further provisional responses MUST be passed up to
          // the TU while in the "Proceeding" state."
          if (this.state === 'calling') {
            this.stopTimer('A');
            // Timer B only limits the "Calling" state.
            this.stopTimer('B');
            this.setState('proceeding');
            this.sendPendingCancel();
          }
          this.handlers.onResponse(response);
          return;
        }
        if (status < 300) {
          // RFC 6026 §8.4 — "When a 2xx response is received while in either the
          // "Calling" or "Proceeding" states, the client transaction MUST transition
          // to the "Accepted" state, and Timer M MUST be started with a value of
          // 64*T1. The 2xx response MUST be passed up to the TU. The client
          // transaction MUST NOT generate an ACK to the 2xx response -- its handling
          // is delegated to the TU."
          this.enterFinalState();
          this.setState('accepted');
          this.startTimer('M', this.ctx.timers.M, () => this.timerM());
          this.handlers.onResponse(response);
          return;
        }
        // §17.1.1.2 (RFC 6026 §8.4) — "When in either the "Calling" or "Proceeding"
        // states, reception of a response with status code from 300-699 MUST cause
        // the client transaction to transition to "Completed". The client
        // transaction MUST pass the received response up to the TU, and the client
        // transaction MUST generate an ACK request, even if the transport is
        // reliable ... The ACK MUST be sent to the same address, port, and transport
        // to which the original request was sent. The client transaction MUST start
        // Timer D when it enters the "Completed" state, with a value of at least 32
        // seconds for unreliable transports, and a value of zero seconds for reliable
        // transports."
        this.enterFinalState();
        this.setState('completed');
        this.ack = createNon2xxAck(this.request, response);
        this.transmit(this.ack);
        // The TU hears of the response before Timer D can end the transaction,
        // which over a reliable transport is at once.
        this.handlers.onResponse(response);
        this.startTimer('D', this.ctx.timers.D(this.reliable), () => this.timerD());
        return;
      case 'completed':
        // §17.1.1.2 — "Any retransmissions of the final response that are received
        // while in the "Completed" state MUST cause the ACK to be re-passed to the
        // transport layer for retransmission, but the newly received response MUST
        // NOT be passed up to the TU."
        if (status >= 300 && this.ack) this.transmit(this.ack);
        return;
      case 'accepted':
        // RFC 6026 §8.4 — "Any 2xx responses that match this client transaction and
        // that are received while in the "Accepted" state MUST be passed up to the
        // TU. The client transaction MUST NOT generate an ACK to the 2xx response.
        // The client transaction takes no further action."
        if (status >= 200 && status < 300) this.handlers.onResponse(response);
        return;
      default:
        return;
    }
  }

  /**
   * §9.1 — cancels the INVITE. "If no provisional response has been received, the
   * CANCEL request MUST NOT be sent; rather, the client MUST wait for the arrival
   * of a provisional response before sending the request. If the original request
   * has generated a final response, the CANCEL SHOULD NOT be sent, as it is an
   * effective no-op". Returns false when a final response has already arrived.
   *
   * `reason` becomes a Reason header (RFC 3326), e.g. `SIP;cause=200;text="Call completed elsewhere"`.
   */
  override cancel(reason?: string): boolean {
    if (this.state !== 'calling' && this.state !== 'proceeding') return false;
    if (this.cancelRequested) return true;
    this.cancelRequested = reason === undefined ? {} : { reason };
    if (this.state === 'proceeding') this.sendPendingCancel();
    return true;
  }

  private sendPendingCancel(): void {
    if (!this.cancelRequested || this.cancelSent) return;
    this.cancelSent = true;
    const reason = this.cancelRequested.reason;
    this.ctx.startCancel(createCancel(this.request, reason === undefined ? [] : [['Reason', reason]]), this.flow);
    // §9.1 — "If there is no final response for the original request in 64*T1
    // seconds ..., the client SHOULD then consider the original transaction
    // cancelled and SHOULD destroy the client transaction handling the original
    // request."
    this.startTimer('cancel', 64 * this.ctx.timers.T1, () => {
      if (this.state === 'proceeding') this.timeout();
    });
  }

  private enterFinalState(): void {
    this.stopTimer('A');
    this.stopTimer('B');
    this.stopTimer('cancel');
  }
}

/**
 * §17.1.1.3 — Construction of the ACK Request for a non-2xx final response.
 *
 * "The ACK request constructed by the client transaction MUST contain values for
 * the Call-ID, From, and Request-URI that are equal to the values of those header
 * fields in the request passed to the transport by the client transaction (call
 * this the "original request"). The To header field in the ACK MUST equal the To
 * header field in the response being acknowledged ... The ACK MUST contain a
 * single Via header field, and this MUST be equal to the top Via header field of
 * the original request. The CSeq header field in the ACK MUST contain the same
 * value for the sequence number as was present in the original request, but the
 * method parameter MUST be equal to "ACK". If the INVITE request whose response
 * is being acknowledged had Route header fields, those header fields MUST appear
 * in the ACK."
 */
export function createNon2xxAck(request: SipRequest, response: SipResponse): SipRequest {
  const via = request.topVia;
  const cseq = request.cseq;
  if (!via || !cseq) throw new TypeError('cannot ACK a request without Via and CSeq');
  const headers = new Headers();
  headers.add('Via', via.toString());
  headers.add('Max-Forwards', '70');
  const routes = request.headers.getLines('route');
  if (routes.length > 0) headers.add('Route', routes);
  const from = request.headers.get('from');
  if (from !== undefined) headers.add('From', from);
  const to = response.headers.get('to');
  if (to !== undefined) headers.add('To', to);
  const callId = request.headers.get('call-id');
  if (callId !== undefined) headers.add('Call-ID', callId);
  headers.add('CSeq', stringifyCSeq({ seq: cseq.seq, method: 'ACK' }));
  return new SipRequest({ method: 'ACK', uri: cloneUri(request.uri), headers });
}
