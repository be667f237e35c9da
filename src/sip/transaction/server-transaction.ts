// RFC 3261 §17.2 — Server transaction: "The server transaction is responsible
// for the delivery of requests to the TU and the reliable transmission of
// responses. It accomplishes this through a state machine. Server transactions
// are created by the core when a request is received, and transaction handling
// is desired for that request (this is not always the case)."

import { type HeaderValue, type SipRequest, type SipResponse, createResponse, generateTag } from '../message/index.ts';
import type { Flow } from '../transport/flow.ts';
import { Transaction, type TransactionContext, type TransactionState } from './transaction.ts';

/** What the TU may hear from a server transaction after it was handed the request. */
export interface ServerTransactionHandlers {
  /** Timer H fired without an ACK for a non-2xx final response (§17.2.1). */
  onTimeout?(): void;
  /** The transport could not deliver a response (§17.2.4, RFC 6026 §8.8). */
  onTransportError?(): void;
}

export abstract class ServerTransaction extends Transaction {
  /** Set by the TU when it wants to hear of timeouts and transport errors. */
  handlers: ServerTransactionHandlers = {};
  private lastSent: SipResponse | undefined;
  private tag: string | undefined;

  protected constructor(ctx: TransactionContext, key: string, request: SipRequest, flow: Flow, initial: TransactionState) {
    super(ctx, key, request, flow, initial);
  }

  /** Called once by the layer after filing the transaction. */
  abstract start(): void;

  /** A request that matched this transaction (§17.2.3): a retransmission, or the ACK of an INVITE. */
  abstract receiveRequest(request: SipRequest): void;

  /**
   * Passes a response from the TU to the transaction. Returns false, sending
   * nothing, when the transaction no longer takes that response (a final response
   * was already sent, or it is terminated). Throws RangeError on a status outside
   * 100–699: that is a bug in the TU, not a network condition.
   */
  abstract respond(response: SipResponse): boolean;

  /** The most recent response passed to the transport. */
  get lastResponse(): SipResponse | undefined {
    return this.lastSent;
  }

  /** The final response, once one was sent. */
  get finalResponse(): SipResponse | undefined {
    return this.lastSent !== undefined && this.lastSent.status >= 200 ? this.lastSent : undefined;
  }

  /**
   * The To tag that reply() adds when the request had none. §8.2.6.2: "the UAS
   * MUST add a tag to the To header field in the response (with the exception of
   * the 100 (Trying) response ...)". Generated on first use, one per transaction,
   * so every response to the request carries the same tag; a TU that has chosen a
   * tag (the dialog layer) sets it before replying.
   */
  get toTag(): string {
    this.tag ??= generateTag();
    return this.tag;
  }
  set toTag(tag: string) {
    this.tag = tag;
  }

  /**
   * Builds a response per §8.2.6 and passes it to respond(). Returns the response,
   * or undefined when the transaction did not take it (see respond()).
   */
  reply(status: number, reason?: string, extraHeaders: Iterable<readonly [string, HeaderValue]> = []): SipResponse | undefined {
    const response = createResponse(this.request, status, reason, status === 100 ? undefined : this.toTag);
    for (const [name, value] of extraHeaders) response.addHeader(name, value);
    return this.respond(response) ? response : undefined;
  }

  protected send(response: SipResponse): void {
    this.lastSent = response;
    this.transmit(response);
  }

  /** Resends the last response (a request retransmission, Timer G). */
  protected resend(): void {
    if (this.lastSent) this.transmit(this.lastSent);
  }

  protected checkStatus(response: SipResponse): void {
    if (!Number.isInteger(response.status) || response.status < 100 || response.status > 699) {
      throw new RangeError(`invalid SIP status code: ${response.status}`);
    }
  }

  protected informTimeout(): void {
    this.handlers.onTimeout?.();
  }

  protected informTransportError(): void {
    this.handlers.onTransportError?.();
  }
}
