// RFC 3261 §17.1 — Client transaction: "The client transaction provides its
// functionality through the maintenance of a state machine. The TU communicates
// with the client transaction through a simple interface. When the TU wishes to
// initiate a new transaction, it creates a client transaction and passes it the
// SIP request to send and an IP address, port, and transport to which to send it."

import type { SipRequest, SipResponse } from '../message/index.ts';
import type { Flow } from '../transport/flow.ts';
import { Transaction, type TransactionContext, type TransactionState } from './transaction.ts';

/**
 * What the TU hears from a client transaction. It hears exactly one outcome:
 * final response(s) through onResponse (several only for 2xx to an INVITE,
 * RFC 6026 §8.4), or onTimeout, or onTransportError.
 */
export interface ClientTransactionHandlers {
  /** Provisional and final responses, in the order received; retransmissions of non-2xx finals are absorbed. */
  onResponse(response: SipResponse): void;
  /** Timer B or F fired (§17.1.1.2, §17.1.2.2): treat as 408 (§8.1.3.1). */
  onTimeout(): void;
  /** The transport failed (§17.1.1.2, §17.1.2.2): treat as 503 (§8.1.3.1). Falls back to onTimeout when absent. */
  onTransportError?(): void;
}

export abstract class ClientTransaction extends Transaction {
  protected readonly handlers: ClientTransactionHandlers;

  protected constructor(ctx: TransactionContext, key: string, request: SipRequest, flow: Flow, initial: TransactionState, handlers: ClientTransactionHandlers) {
    super(ctx, key, request, flow, initial);
    this.handlers = handlers;
  }

  /** Passes the request to the transport and starts the timers. Called once, by the layer. */
  abstract start(): void;

  /** A response whose top Via branch and CSeq method matched this transaction (§17.1.3). */
  abstract receiveResponse(response: SipResponse): void;

  /**
   * §17.1.1.2 / §17.1.2.2 — "If the transport layer reports an error ... the
   * client transaction SHOULD inform the TU ... and move to the Terminated state."
   *
   * Deviation: once the TU has had its final response ("Completed", "Accepted")
   * the error ends the transaction silently; a second outcome would only confuse
   * the TU, and the ACK retransmissions it stops are best-effort anyway.
   */
  transportError(): void {
    const state = this.state;
    if (state === 'terminated') return;
    this.terminate();
    if (state === 'completed' || state === 'accepted') return;
    if (this.handlers.onTransportError) this.handlers.onTransportError();
    else this.handlers.onTimeout();
  }

  /**
   * §9.1 — "a CANCEL request SHOULD NOT be sent to cancel a request other than
   * INVITE." Returns false: only an INVITE client transaction can be cancelled.
   */
  cancel(_reason?: string): boolean {
    return false;
  }

  protected timeout(): void {
    this.terminate();
    this.handlers.onTimeout();
  }
}
