// A call waiting in a park orbit: its partner parked it and left; whoever
// dials the orbit is connected to it; at the timeout the parker is rung back.
import type { Participant } from './calls.ts';

export interface ParkedCall {
  /** The orbit's dial code (*71–*79). */
  orbit: string;
  callId: string;
  /** The party waiting (Held: it hears music on hold). */
  participant: Participant;
  /** The extension that parked it, rung back at the timeout; '' when the parker was not an extension. */
  parkedBy: string;
  parkedAt: string;
  timeoutAt: string;
}
