// Seed 001 makecall `timeout`: a call the PBX places is given up when it is
// not talking by then — the phones still ringing are cancelled and the CDR
// says NO ANSWER — whichever side still rings (the originator's phone or
// the destination).
import type { Call } from './call.ts';

export function giveUpUnanswered(call: Call, seconds: number | undefined): void {
  if (!seconds) return;
  const timer = setTimeout(() => {
    if (call.answeredAt === undefined) call.fail(480, 'NO ANSWER');
  }, seconds * 1000);
  call.once('ended', () => clearTimeout(timer));
}
