// What the two SIP legs of a call (UasLeg: the phone called us; UacLeg: we
// called the phone) do alike once their dialog exists: take the far end's
// in-dialog requests (BYE ends the leg, re-INVITE and the rest go to the
// call), answer and send re-INVITEs, and report a REFER's outcome.
import { EventEmitter } from 'node:events';
import type { SipRequest, SipResponse } from '../../sip/message/index.ts';
import type { Dialog } from '../../sip/dialog/index.ts';
import type { ServerTransaction } from '../../sip/transaction/index.ts';
import type { Flow } from '../../sip/transport/flow.ts';
import type { LegContext } from './leg-context.ts';
import { sendReinvite } from './reinvite.ts';
import { handleInDialog, answerReinvite, notifyReferResult } from './in-dialog.ts';
import { listenToDialog, type DialogLeg, type DialogLegHandlers } from './dialog-leg.ts';

/** The events both legs emit in their dialog (each adds its own). */
export interface SipDialogLegEvents {
  ended: [reason: 'bye'];
  reinvite: [request: SipRequest, tx: ServerTransaction];
  request: [request: SipRequest, tx: ServerTransaction];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export abstract class SipDialogLeg<E extends Record<keyof E, any[]>> extends EventEmitter<E> implements DialogLeg {
  dialog: Dialog | undefined;
  protected closed = false;

  constructor(protected readonly ctx: LegContext) {
    super();
  }

  abstract readonly flow: Flow;
  abstract bye(): void;
  abstract close(): void;

  /** A request inside our dialog from the far end. */
  protected inDialog(request: SipRequest, tx: ServerTransaction): void {
    // The events every subclass declares (SipDialogLegEvents), emitted untyped from here.
    const events = this as unknown as EventEmitter<SipDialogLegEvents>;
    handleInDialog(this.dialog, request, tx, {
      bye: () => {
        this.close();
        events.emit('ended', 'bye');
      },
      reinvite: (r, t) => events.emit('reinvite', r, t),
      other: (r, t) => events.listenerCount('request') > 0 && events.emit('request', r, t),
    });
  }

  /** Answers a re-INVITE with our SDP. */
  answerReinvite(request: SipRequest, tx: ServerTransaction, sdp: string): void {
    answerReinvite(this.ctx, this.flow, request, tx, sdp);
  }

  /** Sends a new offer in this leg's dialog (hold, resume); resolves with the final response. */
  reinvite(sdp: string): Promise<SipResponse | undefined> {
    if (!this.dialog || this.closed) return Promise.resolve(undefined);
    return sendReinvite(this.ctx, this.dialog, this.flow, sdp);
  }

  notifyRefer(sipfrag: string, terminated: boolean): void {
    if (this.dialog && !this.closed) notifyReferResult(this.ctx, this.dialog, this.flow, sipfrag, terminated);
  }

  listen(h: DialogLegHandlers): () => void {
    return listenToDialog(this as EventEmitter, h);
  }
}
