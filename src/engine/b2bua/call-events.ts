// What a call tells the B2BUA and the APIs: its events, and a REFER from one
// of its ends for the B2BUA to carry out.
import type { CallInfo, Disposition, Participant } from '../../core/calls.ts';
import type { ReplacesDialog } from './refer-to.ts';

/** What a REFER from one end asked for; the B2BUA carries it out. */
export interface ReferRequest {
  /** The participant whose phone sent the REFER (the transferor). */
  by: string;
  target: string;
  /** Attended transfer: the transferor's other dialog, to be joined with this call. */
  replaces?: ReplacesDialog;
  accept(): void;
  refuse(status: number): void;
}

export interface CallEvents {
  changed: [call: CallInfo];
  participant: [participant: Participant];
  dtmf: [participantId: string, digit: string, durationMs: number];
  ended: [call: CallInfo, disposition: Disposition, endedAt: number];
  referred: [refer: ReferRequest];
}
