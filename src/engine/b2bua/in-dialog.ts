// What both kinds of legs do with a request inside their dialog (RFC 3261
// §12.2.2): check the CSeq order, answer BYE and OPTIONS, hand re-INVITEs and
// anything else to the call.
import { createResponse, type SipRequest } from '../../sip/message/index.ts';
import type { Dialog } from '../../sip/dialog/index.ts';
import type { ServerTransaction } from '../../sip/transaction/index.ts';
import type { Flow } from '../../sip/transport/flow.ts';
import { SDP_TYPE, type LegContext } from './leg-context.ts';

export interface InDialogHandlers {
  /** The other side hung up; the BYE is already answered. */
  bye(): void;
  reinvite(request: SipRequest, tx: ServerTransaction): void;
  /** Anything else (REFER, INFO…); false → 501. */
  other(request: SipRequest, tx: ServerTransaction): boolean;
}

export function handleInDialog(dialog: Dialog | undefined, request: SipRequest, tx: ServerTransaction, h: InDialogHandlers): void {
  if (!dialog?.receiveRequest(request)) {
    tx.respond(createResponse(request, 500, 'Server Internal Error (CSeq out of order)'));
    return;
  }
  switch (request.method) {
    case 'BYE':
      tx.respond(createResponse(request, 200, 'OK'));
      h.bye();
      return;
    case 'INVITE':
      h.reinvite(request, tx);
      return;
    case 'OPTIONS':
      tx.respond(createResponse(request, 200, 'OK'));
      return;
    default:
      if (!h.other(request, tx)) tx.respond(createResponse(request, 501, 'Not Implemented'));
  }
}

/** 200 OK with our SDP to a re-INVITE (RFC 3264 answer). */
export function answerReinvite(ctx: LegContext, flow: Flow, request: SipRequest, tx: ServerTransaction, sdp: string): void {
  const ok = createResponse(request, 200, 'OK');
  ok.setHeader('Contact', ctx.contact(flow));
  ok.setHeader('Content-Type', SDP_TYPE);
  ok.body = Buffer.from(sdp);
  tx.respond(ok);
}

/**
 * RFC 3515 §2.4.4: the result of a REFER, as a message/sipfrag NOTIFY in the
 * REFER's dialog; `terminated` ends the implicit subscription.
 */
export function notifyReferResult(ctx: LegContext, dialog: Dialog, flow: Flow, sipfrag: string, terminated: boolean): void {
  const notify = dialog.createRequest('NOTIFY', {
    body: `${sipfrag}\r\n`,
    contentType: 'message/sipfrag;version=2.0',
    headers: [
      ['Event', 'refer'],
      ['Subscription-State', terminated ? 'terminated;reason=noresource' : 'active;expires=60'],
    ],
  });
  ctx.sendRequest(notify, flow, () => undefined);
}
