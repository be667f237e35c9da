// Participant ids on the wire. 3CX names a participant by an int32; ours are
// "<call>.<n>" (call 12, its third participant: "12.3"). The wire id is
// call × 1000 + n (12.3 → 12003): stable for the participant's life and read
// back without a table. Call ids never repeat (src/engine/b2bua/call-ids.ts),
// so they outgrow int32 × 1000 in the life of a busy installation: the wire
// call number is the call id modulo 2 147 482 (1 … 2 147 482, the largest
// that keeps call × 1000 + 999 within int32). Two live calls share a wire
// number only if 2 147 482 calls started while one of them lasted.

const PER_CALL = 1000;
const WIRE_CALLS = 2_147_482;

/** The call's number on the wire (3CX `callid`): its id while below 2 147 483, then wrapped. */
export function wireCallId(callId: string): number {
  return ((Number(callId) - 1) % WIRE_CALLS) + 1;
}

export function wireParticipantId(participantId: string): number {
  const [call, n] = participantId.split('.');
  return wireCallId(call ?? '') * PER_CALL + Number(n);
}

/** The wire call number and leg of a wire id; undefined when the number cannot be one. */
export function wirePartsOf(wireId: number): { wireCall: number; leg: number } | undefined {
  const wireCall = Math.floor(wireId / PER_CALL);
  const leg = wireId % PER_CALL;
  if (wireCall < 1 || wireCall > WIRE_CALLS || leg < 1) return undefined;
  return { wireCall, leg };
}

/** The leg number of a participant within its call (3CX legid). */
export function legIdOf(participantId: string): number {
  return Number(participantId.split('.')[1] ?? 0);
}
