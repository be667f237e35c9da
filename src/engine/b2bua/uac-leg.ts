// A leg we place: we are its UAC. It sends the INVITE to one registered
// device, reports its provisional and final answers, ACKs the 2xx (every
// retransmission of it, §13.2.2.4), and can be cancelled or hung up.
import { SipRequest, generateCallId, generateTag, stringifyUri, type SipResponse } from '../../sip/message/index.ts';
import { DigestClient } from '../../sip/auth/digest-client.ts';
import { Dialog, dialogKey } from '../../sip/dialog/index.ts';
import type { AnyClientTransaction, ServerTransaction } from '../../sip/transaction/index.ts';
import type { Flow } from '../../sip/transport/flow.ts';
import { SDP_TYPE, type LegContext } from './leg-context.ts';
import { SipDialogLeg } from './sip-dialog-leg.ts';

export interface UacTarget {
  /** Request-URI: the device's registered contact. */
  uri: string;
  /** Where to send: the flow its REGISTER came from (NAT, RFC 3581/5626). */
  flow: Flow;
  /** For a trunk: what to answer the provider's 401/407 with. */
  credentials?: { username: string; password: string };
  /**
   * RFC 3327 §5.3: the Path the device registered with, used "as a pre-loaded
   * Route set" (RFC 3261 §8.1.2): the INVITE carries it as Route headers and
   * goes to the flow the REGISTER came from (the proxy that added the Path).
   */
  route?: string[];
}

export interface UacLegEvents {
  progress: [response: SipResponse];
  answered: [response: SipResponse];
  failed: [status: number, response: SipResponse | undefined];
  /** The callee hung up after answering. */
  ended: [reason: 'bye'];
  reinvite: [request: SipRequest, tx: ServerTransaction];
  request: [request: SipRequest, tx: ServerTransaction];
}

export interface UacOptions {
  target: UacTarget;
  /** From: how the callee sees the caller, e.g. `"Anna" <sip:101@pbx>`. */
  from: string;
  /** To: the number that was dialled. */
  to: string;
  sdp: string;
  headers?: [string, string][];
  /** For a provider that challenges our INVITE (a trunk): answered once, RFC 3261 §22.2. */
  credentials?: { username: string; password: string };
}

export class UacLeg extends SipDialogLeg<UacLegEvents> {
  readonly callId = generateCallId();
  readonly fromTag = generateTag();
  /** The INVITE on the wire: after a challenge, the re-sent one with credentials. */
  request: SipRequest;
  private tx: AnyClientTransaction | undefined;
  private done = false;
  private ack: SipRequest | undefined;
  private authenticated = false;

  constructor(
    ctx: LegContext,
    readonly options: UacOptions,
  ) {
    super(ctx);
    const flow = options.target.flow;
    this.request = new SipRequest({
      method: 'INVITE',
      uri: options.target.uri,
      headers: [
        ['Via', ctx.via(flow)],
        ['Max-Forwards', '70'],
        ['From', `${options.from};tag=${this.fromTag}`],
        ['To', options.to],
        ['Call-ID', this.callId],
        ['CSeq', '1 INVITE'],
        ...(options.target.route ?? []).map((r): [string, string] => ['Route', r]),
        ['Contact', ctx.contact(flow)],
        ['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY'],
        ['User-Agent', 'Switchboard'],
        ...(options.headers ?? []),
        ['Content-Type', SDP_TYPE],
      ],
      body: options.sdp,
    });
  }

  get flow(): Flow {
    return this.options.target.flow;
  }

  get answered(): boolean {
    return this.dialog !== undefined;
  }

  start(): void {
    this.tx = this.ctx.stack.transactions.createClientTransaction(this.request, this.flow, {
      onResponse: (res) => this.onResponse(res),
      onTimeout: () => this.fail(408, undefined),
      onTransportError: () => this.fail(503, undefined),
    });
  }

  private onResponse(res: SipResponse): void {
    if (res.status < 200) {
      if (!this.done && res.status > 100) this.emit('progress', res);
      return;
    }
    if (res.status >= 300) {
      if ((res.status === 401 || res.status === 407) && this.resendWithCredentials(res)) return;
      this.fail(res.status, res);
      return;
    }
    // A 2xx, or a retransmission of it (RFC 6026: passed up in Accepted).
    if (this.dialog) {
      if (this.ack) this.ctx.stack.transactions.sendAck(this.ack, this.flow);
      return;
    }
    if (this.done) {
      // A 2xx after we gave up (cancel crossed it): acknowledge, then hang up (§15).
      const late = Dialog.fromUacResponse(this.request, res);
      const lateAck = late.createRequest('ACK');
      lateAck.setHeader('Via', this.ctx.via(this.flow));
      this.ctx.stack.transactions.sendAck(lateAck, this.flow);
      this.ctx.sendRequest(late.createRequest('BYE'), this.flow, () => undefined);
      return;
    }
    this.done = true;
    const dialog = Dialog.fromUacResponse(this.request, res);
    dialog.confirm();
    this.dialog = dialog;
    this.ctx.dialogs.add(dialog.key, { request: (r, t) => this.inDialog(r, t), ack: () => undefined });
    this.ack = dialog.createRequest('ACK');
    // Our own Via, as on every request we send: a flow restored from the store
    // (a restart, or a phone another node registered) knows no local address.
    this.ack.setHeader('Via', this.ctx.via(this.flow));
    this.ctx.stack.transactions.sendAck(this.ack, this.flow);
    this.emit('answered', res);
  }

  /**
   * RFC 3261 §22.2: "When a UAC resubmits a request with its credentials after
   * receiving a 401 (Unauthorized) or 407 (Proxy Authentication Required)
   * response, it MUST increment the CSeq header field value as it would
   * normally when sending an updated request." The transaction has ACKed the
   * challenge (§17.1.1.3); the new INVITE is a new transaction (new Via branch),
   * same Call-ID and From tag. Once only: a second challenge means the
   * credentials are wrong, and the leg fails with it.
   */
  private resendWithCredentials(res: SipResponse): boolean {
    const creds = this.options.credentials;
    if (!creds || this.authenticated || this.done) return false;
    const proxy = res.status === 407;
    const value = new DigestClient(creds).authorize({
      method: 'INVITE',
      uri: stringifyUri(this.request.uri),
      challengeHeaderValue: res.getHeaders(proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate'),
      body: this.request.body,
    });
    if (value === undefined) return false;
    const next = this.request.clone();
    next.setHeader('Via', this.ctx.via(this.flow));
    next.setHeader('CSeq', `${String((this.request.cseq?.seq ?? 1) + 1)} INVITE`);
    next.setHeader(proxy ? 'Proxy-Authorization' : 'Authorization', value);
    this.request = next;
    this.authenticated = true;
    this.start();
    return true;
  }

  private fail(status: number, res: SipResponse | undefined): void {
    if (this.done) return;
    this.done = true;
    this.close();
    this.emit('failed', status, res);
  }

  /** Stops ringing (§9.1). The final 487 arrives as 'failed'. */
  cancel(): void {
    if (this.done || !this.tx) return;
    const sent = 'cancel' in this.tx ? this.tx.cancel() : false;
    if (!sent) this.fail(487, undefined);
  }

  /** Hangs up: BYE when answered, CANCEL while ringing. */
  bye(): void {
    if (this.closed) return;
    if (!this.dialog) {
      this.cancel();
      return;
    }
    const dialog = this.dialog;
    this.close();
    this.ctx.sendRequest(dialog.createRequest('BYE'), this.flow, () => undefined);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.dialog) this.ctx.dialogs.remove(dialogKey(this.dialog.id));
  }
}
