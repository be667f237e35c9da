// SMSC delivery receipts (SMPP v3.4 Appendix B): the text of a deliver_sm
// with esm_class "SMSC delivery receipt", e.g.
// `id:0123456789 sub:001 dlvrd:001 submit date:2112151125 done date:2112151126 stat:DELIVRD err:000 text:…`
// and the message state it carries, in the words of seed 003's smsSendResponse.

export type SmsStatus = 'NOT_FOUND' | 'EXPIRED' | 'SENT' | 'DELIVERED' | 'UNDELIVERED' | 'FAILED' | 'REJECTED' | 'UNKNOWN' | 'QUEUE' | 'ACCEPTED' | 'RENEWAL' | 'STOP';

/** Appendix B "stat" values → seed 003 §2.3.5 statuses. */
const STAT: Record<string, SmsStatus> = {
  DELIVRD: 'DELIVERED',
  EXPIRED: 'EXPIRED',
  DELETED: 'STOP',
  UNDELIV: 'UNDELIVERED',
  ACCEPTD: 'ACCEPTED',
  UNKNOWN: 'UNKNOWN',
  REJECTD: 'REJECTED',
};

export interface DeliveryReceipt {
  messageId: string;
  status: SmsStatus;
  error: string;
}

export function parseDeliveryReceipt(text: string): DeliveryReceipt | undefined {
  const id = /(?:^|\s)id:(\S+)/i.exec(text)?.[1];
  const stat = /(?:^|\s)stat:(\S+)/i.exec(text)?.[1]?.toUpperCase();
  if (id === undefined || stat === undefined) return undefined;
  return { messageId: id, status: STAT[stat] ?? 'UNKNOWN', error: /(?:^|\s)err:(\S+)/i.exec(text)?.[1] ?? '' };
}

/** Final states: nothing more will be heard of the message. */
export function isFinal(s: SmsStatus): boolean {
  return s === 'DELIVERED' || s === 'UNDELIVERED' || s === 'EXPIRED' || s === 'REJECTED' || s === 'FAILED' || s === 'STOP' || s === 'UNKNOWN';
}
