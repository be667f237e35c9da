// WireCRM's wire formats (seed 002): `call_start` as "YYYY-MM-DD HH:MM:SS"
// in the PBX's time zone, `pbx_call_id` as in_/out_ and 40 hex digits (the
// seed's examples are SHA-1 sized), dispositions in lower case.
import { createHash } from 'node:crypto';
import type { Disposition } from '../../core/calls.ts';

export type CrmDirection = 'in' | 'out';

export function callStart(iso: string, timeZone: string): string {
  // The sv-SE locale writes dates as ISO 8601 with a space: 2024-01-29 13:46:22.
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(iso)).replace('T', ' ');
}

/** The same in every notification of one call; the per-process salt keeps ids of calls in different runs apart and unguessable. */
export function pbxCallId(direction: CrmDirection, callId: string, startedAt: string, salt: string): string {
  return `${direction}_${createHash('sha1').update(`${salt}|${callId}|${startedAt}`).digest('hex')}`;
}

/**
 * answered – разговор, busy – занято, cancel – отменен, no answer – без
 * ответа, failed – не удался. A caller who hangs up while it rings (487)
 * cancelled; a ring that timed out was not answered.
 */
export function crmDisposition(d: Disposition, failureStatus: number | undefined): string {
  if (d === 'ANSWERED') return 'answered';
  if (d === 'BUSY') return 'busy';
  if (d === 'NO ANSWER') return failureStatus === 487 ? 'cancel' : 'no answer';
  return 'failed';
}
