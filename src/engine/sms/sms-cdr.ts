// The CDR row of an SMS. Seed 003 §2.3 writes the message's responseId into
// the uniqueid of a CDR row, so the billing record can be found from it. The
// row is written with the message, before the 200, and its disposition
// follows the message: ANSWERED once delivered, FAILED when it cannot be,
// NO ANSWER while under way. lastapp `SMS` tells it from calls; lastdata
// counts the parts the message is split into (what an SMS is billed by).
import type { Insertable } from 'kysely';
import type { CdrTable } from '../../store/schema.ts';
import type { Disposition } from '../../core/calls.ts';
import { isFinal, type SmsStatus } from './delivery-receipt.ts';

export function smsCdrRow(id: string, sender: string, to: string, parts: number, at: string): Insertable<CdrTable> {
  return {
    uniqueid: id,
    callId: `sms-${id}`,
    startedAt: at,
    answeredAt: null,
    endedAt: at,
    src: sender,
    dst: to,
    clid: `"SMS" <${sender.replace(/[<>"]/g, '')}>`,
    channel: `SMS/${sender}`,
    dstChannel: '',
    lastApp: 'SMS',
    lastData: `parts=${String(parts)}`,
    duration: 0,
    billsec: 0,
    disposition: 'NO ANSWER',
    direction: 'outbound',
    did: '',
    trunk: '',
    cost: null,
    zone: '',
    recordingId: null,
  };
}

export function smsDisposition(status: SmsStatus): Disposition {
  if (status === 'DELIVERED') return 'ANSWERED';
  // STOP is final too: a test message, or one the SMSC deleted; never delivered.
  return isFinal(status) ? 'FAILED' : 'NO ANSWER';
}
