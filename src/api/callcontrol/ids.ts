// Participant ids on the wire. 3CX names a participant by an int32; ours are
// "<call>.<n>" (call 12, its third participant: "12.3"). The wire id is
// call × 1000 + n (12.3 → 12003): stable for the participant's life, read
// back without a table, and within int32 for the first 2 147 482 calls since
// start (the B2BUA numbers calls from 1 at each start).

const PER_CALL = 1000;

export function wireParticipantId(participantId: string): number {
  const [call, n] = participantId.split('.');
  return Number(call) * PER_CALL + Number(n);
}

/** Our participant id for a wire id; undefined when the number cannot be one. */
export function participantIdOf(wireId: number): { callId: string; participantId: string } | undefined {
  const call = Math.floor(wireId / PER_CALL);
  const n = wireId % PER_CALL;
  if (call < 1 || n < 1) return undefined;
  return { callId: String(call), participantId: `${String(call)}.${String(n)}` };
}

/** The leg number of a participant within its call (3CX legid). */
export function legIdOf(participantId: string): number {
  return Number(participantId.split('.')[1] ?? 0);
}
