// The leg a call arrives on: we are its UAS. It answers the INVITE (1xx, 2xx
// with 2xx retransmission until ACK, or a final error), then takes the
// in-dialog requests of that side (BYE, re-INVITE, INFO, OPTIONS).
import { createResponse, generateTag, type SipRequest, type SipResponse } from '../../sip/message/index.ts';
import { Dialog, copyRecordRoute, dialogKey, retransmit2xxUntilAck, type Retransmission2xx } from '../../sip/dialog/index.ts';
import type { InviteServerTransaction, ServerTransaction } from '../../sip/transaction/index.ts';
import type { Flow } from '../../sip/transport/flow.ts';
import type { LegContext } from './leg-context.ts';
import { SipDialogLeg } from './sip-dialog-leg.ts';
import { SDP_TYPE } from './leg-context.ts';

export interface UasLegEvents {
  /** The caller hung up (BYE) or its ACK never came. */
  ended: [reason: 'bye' | 'ack-timeout'];
  /** A re-INVITE: the call decides the answer. */
  reinvite: [request: SipRequest, tx: ServerTransaction];
  /** A request the leg does not handle itself (REFER, INFO…). */
  request: [request: SipRequest, tx: ServerTransaction];
}

export class UasLeg extends SipDialogLeg<UasLegEvents> {
  readonly toTag = generateTag();
  readonly flow: Flow;
  private retransmission: Retransmission2xx | undefined;
  private final = false;

  constructor(
    ctx: LegContext,
    readonly request: SipRequest,
    readonly tx: InviteServerTransaction,
  ) {
    super(ctx);
    this.flow = tx.flow;
  }

  get answered(): boolean {
    return this.dialog !== undefined;
  }

  get finished(): boolean {
    return this.final;
  }

  private response(status: number, reason?: string, sdp?: string): SipResponse {
    const res = createResponse(this.request, status, reason, this.toTag);
    // RFC 3261 §12.1.1: a response that establishes a dialog (101–299) MUST carry
    // the request's Record-Route, so the caller routes its ACK and BYE through
    // the proxies that asked (the cluster's Kamailio front answers 404 to an
    // in-dialog request that has no Route).
    if (status > 100 && status < 300) {
      res.setHeader('Contact', this.ctx.contact(this.flow));
      copyRecordRoute(this.request, res);
    }
    res.setHeader('User-Agent', 'Switchboard');
    if (sdp !== undefined) {
      res.setHeader('Content-Type', SDP_TYPE);
      res.body = Buffer.from(sdp);
    }
    return res;
  }

  provisional(status: 180 | 183, sdp?: string): void {
    if (this.final || this.closed) return;
    this.tx.respond(this.response(status, undefined, sdp));
  }

  /** 200 OK with our SDP; the dialog is confirmed by the caller's ACK. */
  answer(sdp: string): void {
    if (this.final || this.closed) return;
    this.final = true;
    const ok = this.response(200, 'OK', sdp);
    ok.setHeader('Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY');
    this.tx.respond(ok);
    const dialog = Dialog.fromUasRequest(this.request, this.toTag, ok);
    this.dialog = dialog;
    this.ctx.dialogs.add(dialog.key, { request: (r, t) => this.inDialog(r, t), ack: () => this.acknowledged() });
    // §13.3.1.4: the UAS core retransmits the 2xx until the ACK comes.
    this.retransmission = retransmit2xxUntilAck({
      timers: this.ctx.timers,
      retransmit: () => this.ctx.stack.send(ok, this.flow),
      onTimeout: () => {
        // "If the server retransmits the 2xx response for 64*T1 seconds without
        // receiving an ACK, the dialog is confirmed, but the session SHOULD be
        // terminated" — with a BYE.
        this.bye();
        this.emit('ended', 'ack-timeout');
      },
    });
  }

  reject(status: number, reason?: string): void {
    if (this.final || this.closed) return;
    this.final = true;
    this.tx.respond(this.response(status, reason));
  }

  private acknowledged(): void {
    this.retransmission?.acknowledge();
    this.dialog?.confirm();
  }

  /** Hangs up our side: BYE when answered, else a final error. */
  bye(): void {
    if (this.closed) return;
    if (!this.dialog) {
      this.reject(480, 'Temporarily Unavailable');
      this.close();
      return;
    }
    const dialog = this.dialog;
    this.close();
    const bye = dialog.createRequest('BYE');
    this.ctx.sendRequest(bye, this.flow, () => undefined);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.retransmission?.stop();
    if (this.dialog) this.ctx.dialogs.remove(dialogKey(this.dialog.id));
  }
}
