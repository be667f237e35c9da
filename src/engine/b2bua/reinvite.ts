// A re-INVITE from our side of a dialog (RFC 3261 §14.1): a new offer in the
// same dialog — hold, resume, a changed stream — ACKed when the 2xx comes.
import type { Dialog } from '../../sip/dialog/index.ts';
import type { SipResponse } from '../../sip/message/index.ts';
import type { Flow } from '../../sip/transport/flow.ts';
import { SDP_TYPE, type LegContext } from './leg-context.ts';

export function sendReinvite(ctx: LegContext, dialog: Dialog, flow: Flow, sdp: string): Promise<SipResponse | undefined> {
  return new Promise((resolve) => {
    const invite = dialog.createRequest('INVITE', { body: sdp, contentType: SDP_TYPE });
    const cseq = invite.cseq?.seq;
    ctx.sendRequest(invite, flow, (res) => {
      if (res && res.status >= 200 && res.status < 300) {
        dialog.receiveResponse(res);
        // §13.2.2.4: the ACK for a 2xx is the UAC core's, in the dialog.
        ctx.stack.transactions.sendAck(dialog.createRequest('ACK', ...(cseq !== undefined ? [{ cseq }] : [])), flow);
      }
      resolve(res);
    });
  });
}
