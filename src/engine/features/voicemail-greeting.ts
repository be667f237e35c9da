// The box owner records the greeting from the phone: in the *97 mailbox,
// the menu key (9) asks for it; after the prompt and a beep the owner speaks
// until # (or MAX_GREETING_SECONDS), and the recording becomes the greeting
// callers hear (as one uploaded with PUT …/voicemail/greeting). Hanging up
// while recording, or a recording under a second, leaves the greeting in
// use as it was: a cut-off greeting is worse than the old one.
import type { Call } from '../b2bua/call.ts';
import type { VoicemailDeps } from './voicemail.ts';
import { recordCaller } from './caller-recording.ts';
import { beep, playPrompt } from './prompt-player.ts';

/** The mailbox menu's key for recording the greeting (Asterisk's VoiceMailMain has its options under 0; one key here). */
export const RECORD_GREETING_KEY = '9';
export const MAX_GREETING_SECONDS = 60;
const MIN_GREETING_MS = 1000;

/** Records a new greeting for `extension`'s box; false when the call has ended. */
export async function recordGreeting(call: Call, extension: string, deps: VoicemailDeps): Promise<boolean> {
  const say = async (text: string): Promise<boolean> => !('ended' in (await playPrompt(call, await deps.say(text), false)));
  if (!(await say('Record your greeting after the tone. Press hash when you are done.'))) return false;
  if ('ended' in (await playPrompt(call, beep(), false))) return false;
  const draft = await deps.messages.newGreeting(extension);
  const rec = await recordCaller(call, draft.path, MAX_GREETING_SECONDS * 1000);
  if (rec.stop === 'ended' || rec.durationMs < MIN_GREETING_MS) {
    await draft.drop();
    return rec.stop !== 'ended' && (await say('That was too short. Your greeting is unchanged.'));
  }
  await draft.keep();
  return say('Your greeting is saved.');
}
