// RFC 3261 §17 — the transaction layer: it sits between the transports (below)
// and the transaction users — UA cores, the registrar, a proxy core (above). The
// transports hand it every message they parse (receive); it matches each to a
// transaction (§17.1.3, §17.2.3), creates server transactions for new requests,
// and lets a TU start client transactions.
//
// What it does not do: 2xx retransmission and the ACK for a 2xx, which belong to
// the UA core (§13.3.1.4, §13.2.2.4; see src/sip/dialog), and response routing,
// which is the transport's (§18.2.2: a response goes to the flow the request came
// on, whose address the transport took from the top Via's received/rport).

import {
  type SipMessage,
  type SipRequest,
  type SipResponse,
  Via,
  generateBranch,
  isRfc3261Branch,
} from '../message/index.ts';
import type { Flow, MessageSender } from '../transport/flow.ts';
import type { ClientTransactionHandlers } from './client-transaction.ts';
import { InviteClientTransaction, type InviteClientContext } from './invite-client.ts';
import { InviteServerTransaction, type InviteServerContext } from './invite-server.ts';
import { clientKey, clientKeyOfResponse, rfc2543AckKey, serverKey } from './matching.ts';
import { NonInviteClientTransaction } from './non-invite-client.ts';
import { NonInviteServerTransaction } from './non-invite-server.ts';
import { type Clock, type TimerConfig, Timers, realClock } from './timers.ts';
import type { Transaction } from './transaction.ts';

export type AnyClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type AnyServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

export interface TransactionLayerOptions {
  sender: MessageSender;
  clock?: Clock;
  timers?: Partial<TimerConfig>;
  /**
   * A new request and the server transaction created for it (§17.2). The TU
   * answers through transaction.respond()/reply(). If this throws before a final
   * response was sent, the layer answers 500 so the transaction cannot linger.
   */
  onRequest(request: SipRequest, transaction: AnyServerTransaction): void;
  /**
   * An ACK that is not part of an INVITE server transaction: the ACK for a 2xx
   * (§17: "If the response was a 2xx, the ACK is not considered part of the
   * transaction"; §13.3.1.4), for the dialog layer.
   */
  onAck(ack: SipRequest, flow: Flow): void;
  /**
   * A CANCEL, in its own non-INVITE server transaction, and the INVITE server
   * transaction it cancels, found per §9.2 — undefined when there is none, and
   * §9.2 says the UAS "MUST respond to the CANCEL request with a 481". Without
   * this handler a CANCEL goes to onRequest like any other request.
   */
  onCancel?(cancel: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void;
  /**
   * A response that matches no client transaction (§17.1.3). RFC 6026 §7.2: "Any
   * response received that does not match an existing client transaction state
   * machine is simply dropped." — which is what happens without this handler.
   */
  onStrayResponse?(response: SipResponse, flow: Flow): void;
  /** A message that could not be matched at all (no Via, no CSeq), for logs and metrics. */
  onDiscard?(message: SipMessage, flow: Flow, reason: string): void;
  /** A TU callback threw. Defaults to process.emitWarning: receive() itself never throws. */
  onError?(error: unknown): void;
}

export class TransactionLayer {
  readonly clock: Clock;
  readonly timers: Timers;
  private readonly options: TransactionLayerOptions;
  private readonly clients = new Map<string, AnyClientTransaction>();
  private readonly servers = new Map<string, AnyServerTransaction>();
  /** RFC 2543 INVITE server transactions by rfc2543AckKey, for their ACKs. */
  private readonly rfc2543Invites = new Map<string, InviteServerTransaction>();
  private readonly ctx: InviteClientContext & InviteServerContext;
  private closed = false;

  constructor(options: TransactionLayerOptions) {
    this.options = options;
    this.clock = options.clock ?? realClock;
    this.timers = new Timers(options.timers);
    this.ctx = {
      sender: options.sender,
      clock: this.clock,
      timers: this.timers,
      terminated: (tx) => this.forget(tx),
      error: (error) => this.reportError(error),
      startCancel: (cancel, flow) => {
        // The INVITE transaction learns the outcome (487, or its §9.1 timer); the
        // CANCEL's own 200 or 481 carries nothing the TU needs.
        this.createClientTransaction(cancel, flow, { onResponse: () => {}, onTimeout: () => {} });
      },
      passAck: (ack, flow) => this.options.onAck(ack, flow),
    };
  }

  /** Live transactions, client and server. */
  get size(): number {
    return this.clients.size + this.servers.size;
  }

  get counts(): { client: number; server: number } {
    return { client: this.clients.size, server: this.servers.size };
  }

  /**
   * A message from a transport. Never throws: a TU callback that throws is
   * reported through onError.
   */
  receive(message: SipMessage, flow: Flow): void {
    if (this.closed) return;
    try {
      if (message.kind === 'request') this.receiveRequest(message, flow);
      else this.receiveResponse(message, flow);
    } catch (error) {
      this.reportError(error);
    }
  }

  /**
   * Starts a client transaction (§17.1) and passes the request to the transport.
   *
   * The request needs a CSeq whose method is the request's. Its top Via is the
   * TU's to write (sent-by is an address the TU advertises); when there is none
   * the layer adds `Via: SIP/2.0/<transport> <flow local address>;branch=…;rport`
   * (RFC 3581), and a top Via without an RFC 3261 branch gets a fresh one
   * (§8.1.1.7: "The branch parameter value MUST be unique across space and time
   * for all requests sent by the UA").
   *
   * The handlers may be called before this returns, if the transport fails at once.
   */
  createClientTransaction(request: SipRequest, flow: Flow, handlers: ClientTransactionHandlers): AnyClientTransaction {
    if (this.closed) throw new Error('transaction layer is closed');
    if (request.method === 'ACK') throw new TypeError('an ACK is not sent in a client transaction (§17.1.1.3, §13.2.2.4): use sendAck()');
    const cseq = request.cseq;
    if (!cseq || cseq.method !== request.method) throw new TypeError(`request ${request.method} needs a CSeq with method ${request.method}`);
    const branch = ensureBranch(request, flow);
    const key = clientKey(branch, request.method);
    if (this.clients.has(key)) throw new Error(`a client transaction with branch ${branch} and method ${request.method} exists`);
    const tx =
      request.method === 'INVITE'
        ? new InviteClientTransaction(this.ctx, key, request, flow, handlers)
        : new NonInviteClientTransaction(this.ctx, key, request, flow, handlers);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /**
   * Sends an ACK for a 2xx outside any transaction (§13.2.2.4: "The UAC core MUST
   * generate an ACK request for each 2xx received from the transaction layer"),
   * adding a Via with a new branch when the ACK has none, as for any request.
   * The TU resends the same ACK for each retransmission of the 2xx.
   */
  sendAck(ack: SipRequest, flow: Flow): void {
    if (ack.method !== 'ACK') throw new TypeError(`sendAck() sends ACKs, not ${ack.method}`);
    ensureBranch(ack, flow);
    this.options.sender.send(ack, flow);
  }

  /**
   * The transport reports that a flow failed — a TCP connection could not be
   * opened or broke (§17.1.1.2, §17.1.2.2, §17.2.4). Every transaction using it
   * is told.
   */
  reportTransportError(flow: Flow): void {
    for (const tx of [...this.clients.values(), ...this.servers.values()]) {
      if (sameFlow(tx.flow, flow)) {
        try {
          tx.transportError();
        } catch (error) {
          this.reportError(error);
        }
      }
    }
  }

  /** Terminates every transaction and stops every timer, telling no TU. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const tx of [...this.clients.values(), ...this.servers.values()]) tx.dispose();
    this.clients.clear();
    this.servers.clear();
    this.rfc2543Invites.clear();
  }

  private receiveRequest(request: SipRequest, flow: Flow): void {
    const key = serverKey(request);
    if (request.method === 'ACK') {
      if (!request.topVia || !request.cseq) {
        this.discard(request, flow, 'ACK without Via or CSeq');
        return;
      }
      // §17.2.3 — an ACK matches the INVITE server transaction whose non-2xx final
      // response it acknowledges (same branch, RFC 2543: same To tag as that response).
      const tx = key === undefined ? this.findRfc2543Invite(request) : this.servers.get(key);
      if (tx?.kind === 'invite-server') {
        tx.receiveRequest(request);
        return;
      }
      // §17 — "If the response was a 2xx, the ACK is not considered part of the
      // transaction." It goes to the TU, which finds the dialog (§13.3.1.4).
      this.options.onAck(request, flow);
      return;
    }
    if (key === undefined) {
      this.discard(request, flow, 'request without Via or CSeq');
      return;
    }
    const existing = this.servers.get(key);
    if (existing) {
      // §17.2.3 — a retransmission: the transaction answers it, the TU never sees it.
      existing.receiveRequest(request);
      return;
    }
    let tx: AnyServerTransaction;
    if (request.method === 'INVITE') {
      const invite = new InviteServerTransaction(this.ctx, key, request, flow);
      const ackKey = rfc2543AckKey(request);
      if (ackKey !== undefined) this.rfc2543Invites.set(ackKey, invite);
      tx = invite;
    } else {
      tx = new NonInviteServerTransaction(this.ctx, key, request, flow);
    }
    this.servers.set(key, tx);
    tx.start();
    try {
      if (tx.kind === 'non-invite-server' && request.method === 'CANCEL' && this.options.onCancel) {
        this.options.onCancel(tx, this.findCancelled(request));
      } else {
        this.options.onRequest(request, tx);
      }
    } catch (error) {
      // A TU that failed before answering would leave the transaction waiting
      // forever ("Proceeding" and "Trying" have no timer): §21.5.1 500 it.
      if (tx.state !== 'terminated' && tx.finalResponse === undefined) tx.reply(500);
      throw error;
    }
  }

  /**
   * §9.2 — "The TU determines the transaction to be cancelled by taking the CANCEL
   * request, and then assuming that the request method is anything but CANCEL or
   * ACK and applying the transaction matching procedures of Section 17.2.3." A
   * non-INVITE request is answered at once (§9.2: CANCEL "has no effect" on it),
   * so only INVITE is looked for.
   */
  private findCancelled(cancel: SipRequest): InviteServerTransaction | undefined {
    const key = serverKey(cancel, 'INVITE');
    const tx = key === undefined ? undefined : this.servers.get(key);
    return tx?.kind === 'invite-server' ? tx : undefined;
  }

  /**
   * §17.2.3 (RFC 2543 ACK) — "... and the To tag of the ACK matches the To tag of
   * the response sent by the server transaction."
   */
  private findRfc2543Invite(ack: SipRequest): InviteServerTransaction | undefined {
    const ackKey = rfc2543AckKey(ack);
    const tx = ackKey === undefined ? undefined : this.rfc2543Invites.get(ackKey);
    if (!tx) return undefined;
    const sentTag = tx.finalResponse?.to?.tag;
    return sentTag !== undefined && sentTag === ack.to?.tag ? tx : undefined;
  }

  private receiveResponse(response: SipResponse, flow: Flow): void {
    const key = clientKeyOfResponse(response);
    if (key === undefined) {
      this.discard(response, flow, 'response without Via branch or CSeq');
      return;
    }
    const tx = this.clients.get(key);
    if (tx) {
      tx.receiveResponse(response);
      return;
    }
    if (this.options.onStrayResponse) this.options.onStrayResponse(response, flow);
    else this.discard(response, flow, 'response matches no client transaction');
  }

  private forget(tx: Transaction): void {
    if (tx.kind === 'invite-client' || tx.kind === 'non-invite-client') {
      if (this.clients.get(tx.key) === tx) this.clients.delete(tx.key);
      return;
    }
    if (this.servers.get(tx.key) === tx) this.servers.delete(tx.key);
    if (tx.kind === 'invite-server') {
      const ackKey = rfc2543AckKey(tx.request);
      if (ackKey !== undefined && this.rfc2543Invites.get(ackKey) === tx) this.rfc2543Invites.delete(ackKey);
    }
  }

  private discard(message: SipMessage, flow: Flow, reason: string): void {
    this.options.onDiscard?.(message, flow, reason);
  }

  private reportError(error: unknown): void {
    if (this.options.onError) {
      try {
        this.options.onError(error);
      } catch {
        // An error reporter that throws has nobody left to report to.
      }
      return;
    }
    process.emitWarning(error instanceof Error ? error : new Error(String(error)), 'SipTransactionWarning');
  }
}

/** Makes sure the request's top Via carries an RFC 3261 branch; returns it. */
function ensureBranch(request: SipRequest, flow: Flow): string {
  const top = request.topVia;
  if (!top) {
    const host = flow.localAddress.includes(':') && !flow.localAddress.startsWith('[') ? `[${flow.localAddress}]` : flow.localAddress;
    const branch = generateBranch();
    const via = new Via({ transport: flow.protocol, host, port: flow.localPort, params: [['branch', branch], ['rport', null]] });
    request.addHeader('Via', via, 'prepend');
    return branch;
  }
  if (top.branch !== undefined && isRfc3261Branch(top.branch)) return top.branch;
  const via = top.clone();
  const branch = generateBranch();
  via.branch = branch;
  request.headers.shift('via');
  request.headers.add('Via', via, 'prepend');
  return branch;
}

function sameFlow(a: Flow, b: Flow): boolean {
  if (a.protocol !== b.protocol || a.remoteAddress !== b.remoteAddress || a.remotePort !== b.remotePort) return false;
  return a.connectionId === undefined || b.connectionId === undefined || a.connectionId === b.connectionId;
}
