// What a call needs of an answered leg, whichever side sent the INVITE: the
// same few verbs for a phone that called in (UasLeg), a phone we called
// (UacLeg) and the phone of a call we placed (Originator). With them a call's
// two ends are interchangeable, so a transfer or a join can move an end from
// one call into another.
import type { EventEmitter } from 'node:events';
import type { Dialog } from '../../sip/dialog/index.ts';
import type { SipRequest, SipResponse } from '../../sip/message/index.ts';
import type { ServerTransaction } from '../../sip/transaction/index.ts';

export interface DialogLegHandlers {
  /** The far end hung up (BYE answered) or never confirmed the dialog. */
  ended(): void;
  reinvite(request: SipRequest, tx: ServerTransaction): void;
  /** REFER, INFO, NOTIFY… — anything the leg does not answer itself. */
  request(request: SipRequest, tx: ServerTransaction): void;
}

export interface DialogLeg {
  readonly dialog: Dialog | undefined;
  bye(): void;
  /** A new offer from us in this dialog (hold, resume); the final response or undefined. */
  reinvite(sdp: string): Promise<SipResponse | undefined>;
  answerReinvite(request: SipRequest, tx: ServerTransaction, sdp: string): void;
  /** RFC 3515 §2.4.4: the outcome of a REFER this leg sent, as a sipfrag NOTIFY. */
  notifyRefer(sipfrag: string, terminated: boolean): void;
  /** Tells the call what the far end does in the dialog; returns the way to stop. */
  listen(handlers: DialogLegHandlers): () => void;
}

/**
 * The dialog verbs of a leg inside the PBX (a route point's application, an
 * orbit): no SIP dialog, so a re-INVITE or a NOTIFY has no one to reach, and
 * no phone on the far side can hang up or re-INVITE.
 */
export const withoutDialog = {
  dialog: undefined,
  reinvite: (): Promise<undefined> => Promise.resolve(undefined),
  answerReinvite: (): void => undefined,
  notifyRefer: (): void => undefined,
  listen: (_handlers: DialogLegHandlers): (() => void) => () => undefined,
} as const satisfies Omit<DialogLeg, 'bye'>;

/** True when the dialog is the one named by Call-ID and the two tags, in either order (RFC 3891 §3). */
export function dialogMatches(dialog: Dialog | undefined, callId: string, tagA: string, tagB: string): boolean {
  if (!dialog || dialog.id.callId !== callId) return false;
  const { localTag, remoteTag } = dialog.id;
  return (localTag === tagA && remoteTag === tagB) || (localTag === tagB && remoteTag === tagA);
}

/** A leg's 'ended', 'reinvite' and 'request' events, wired to the handlers. */
export function listenToDialog(leg: EventEmitter, h: DialogLegHandlers): () => void {
  const ended = (): void => h.ended();
  const reinvite = (r: SipRequest, tx: ServerTransaction): void => h.reinvite(r, tx);
  const request = (r: SipRequest, tx: ServerTransaction): void => h.request(r, tx);
  leg.on('ended', ended);
  leg.on('reinvite', reinvite);
  leg.on('request', request);
  return () => {
    leg.off('ended', ended);
    leg.off('reinvite', reinvite);
    leg.off('request', request);
  };
}
