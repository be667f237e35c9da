// Voicemail: a caller sent to an extension's box (forwarding rule, inbound
// rule, IVR option: destination type `voicemail`) hears the greeting and a
// beep and is recorded until they hang up, press #, or MAX_MESSAGE_SECONDS
// pass; the message is listed once complete. The owner dials *97 from their
// own extension, enters the PIN (when the box has one) and hears the new
// messages, then the old, each announced with the caller's number when the
// box says so (vmPlayCallerId): # skips to the next, 7 deletes.
import { rm } from 'node:fs/promises';
import { loadAudio } from '../../media/player.ts';
import type { Call } from '../b2bua/call.ts';
import type { VoicemailStore } from '../voicemail/voicemail-store.ts';
import type { VoicemailMessage } from '../../core/voicemail.ts';
import { answerForPrompts, beep, collectDigits, playPrompt } from './prompt-player.ts';
import { recordCaller } from './caller-recording.ts';
import { recordGreeting, RECORD_GREETING_KEY } from './voicemail-greeting.ts';

/** The dial code of one's own mailbox. */
export const VOICEMAIL_ACCESS = '*97';
export const MAX_MESSAGE_SECONDS = 180;
/** Shorter than this is a caller hanging up at the beep: not kept. */
const MIN_MESSAGE_MS = 700;
const PIN_ATTEMPTS = 3;

export interface VoicemailBox {
  number: string;
  name: string;
  enabled: boolean;
  pin: string;
  playCallerId: boolean;
  /** Seed 000 vmplaydatetime: 0 no, 1 with AM/PM, 2 on the 24-hour clock. */
  playDateTime: number;
  /** The PBX's time zone, for the date and time said. */
  timeZone: string;
}

export interface VoicemailDeps {
  messages: VoicemailStore;
  /** A sentence spoken as 8 kHz samples (generated once, then from disk). */
  say(text: string): Promise<Int16Array>;
}

const spell = (n: string): string => n.split('').join(' ');

/** Leaves a message in `box`; resolves when the call is over. */
export async function leaveMessage(call: Call, box: VoicemailBox, deps: VoicemailDeps): Promise<void> {
  if (!(await answerForPrompts(call))) return;
  const who = box.name || `Extension ${spell(box.number)}`;
  // The owner's own greeting (PUT …/voicemail/greeting), else the spoken one.
  const own = await deps.messages
    .greeting(box.number)
    .then((f) => loadAudio(f.path))
    .catch(() => undefined);
  const greeting = own ?? (await deps.say(`${who} is not available. Please leave a message after the tone. Press hash when you are done.`));
  let o = await playPrompt(call, greeting, true);
  if ('ended' in o) return;
  o = await playPrompt(call, beep(), false);
  if ('ended' in o) return;

  const target = deps.messages.newMessage(box.number);
  const { stop, ...result } = await recordCaller(call, target.path, MAX_MESSAGE_SECONDS * 1000);
  const owner = call.info().participants.find((p) => p.id === call.info().owner);
  if (result.durationMs < MIN_MESSAGE_MS) await rm(target.path, { force: true });
  else await deps.messages.add({ id: target.id, extension: box.number, callerNumber: owner?.partyNumber ?? '', callerName: owner?.partyName ?? '', callId: call.id, durationMs: result.durationMs });
  if (stop === 'ended') return;
  await playPrompt(call, await deps.say('Thank you. Goodbye.'), false);
  call.hangup('api');
}

/** The owner's mailbox (*97 from their own extension). */
export async function listenToMailbox(call: Call, box: VoicemailBox | undefined, deps: VoicemailDeps): Promise<void> {
  if (!(await answerForPrompts(call))) return;
  const end = async (text: string): Promise<void> => {
    await playPrompt(call, await deps.say(text), false);
    if (!call.isEnded) call.hangup('api');
  };
  if (!box?.enabled) return end('Voicemail is not enabled for this extension. Goodbye.');
  if (box.pin !== '' && !(await pinAccepted(call, box.pin, deps))) return end('Goodbye.');
  const all = await deps.messages.list(box.number);
  const fresh = all.filter((m) => !m.heard).reverse();
  const old = all.filter((m) => m.heard).reverse();
  const count = (n: number, what: string): string => `${n === 0 ? 'no' : String(n)} ${what} message${n === 1 ? '' : 's'}`;
  const menu = await playPrompt(call, await deps.say(`You have ${count(fresh.length, 'new')} and ${count(old.length, 'old')}. To record your greeting, press ${RECORD_GREETING_KEY}.`), true);
  if ('ended' in menu) return;
  // Any other key skips to the messages, as before there was a menu.
  if ('digit' in menu && menu.digit === RECORD_GREETING_KEY && !(await recordGreeting(call, box.number, deps))) return;
  for (const m of [...fresh, ...old]) {
    if (!(await playMessage(call, m, box, deps))) return;
  }
  return end('No more messages. Goodbye.');
}

async function pinAccepted(call: Call, pin: string, deps: VoicemailDeps): Promise<boolean> {
  for (let i = 0; i < PIN_ATTEMPTS; i++) {
    const ask = await playPrompt(call, await deps.say(i === 0 ? 'Please enter your PIN, then press hash.' : 'Wrong PIN. Please try again.'), true);
    if ('ended' in ask) return false;
    // A key pressed during the prompt is the PIN's first digit.
    const first = 'digit' in ask ? ask.digit : '';
    const rest = first === '#' ? '' : await collectDigits(call, 10, 10_000);
    if (rest === undefined) return false;
    if ((first === '#' ? '' : first) + rest === pin) return true;
  }
  return false;
}

/** One message: its announcement, its audio; # skips, 7 deletes. False when the call ended. */
async function playMessage(call: Call, m: VoicemailMessage, box: VoicemailBox, deps: VoicemailDeps): Promise<boolean> {
  const from = box.playCallerId && m.callerNumber !== '' ? `Message from ${spell(m.callerNumber)}.` : '';
  const when = box.playDateTime === 1 || box.playDateTime === 2 ? `Received ${spokenDateTime(new Date(m.createdAt), box.timeZone, box.playDateTime === 2)}.` : '';
  if (from !== '' || when !== '') {
    const intro = await playPrompt(call, await deps.say([from, when].filter((s) => s !== '').join(' ')), true);
    if ('ended' in intro) return false;
  }
  const file = await deps.messages.file(m.extension, m.id).catch(() => undefined);
  const audio = file ? await loadAudio(file.path).catch(() => undefined) : undefined;
  const o = audio ? await playPrompt(call, audio, true) : { done: true as const };
  if ('ended' in o) return false;
  await deps.messages.setHeard(m.extension, m.id, true);
  if ('digit' in o && o.digit === '7') {
    await deps.messages.remove(m.extension, m.id);
    return !('ended' in (await playPrompt(call, await deps.say('Message deleted.'), false)));
  }
  return true;
}

/** "Thursday, December 3, at 8 16 AM" (or "at 20 16"): what espeak says well, in the PBX's time zone. */
export function spokenDateTime(at: Date, timeZone: string, hours24: boolean): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'long', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', hourCycle: hours24 ? 'h23' : 'h12' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const minute = parts.minute === '00' ? (hours24 ? 'hundred' : "o'clock") : parts.minute?.startsWith('0') ? `o ${parts.minute.slice(1)}` : parts.minute;
  const time = `${String(Number(parts.hour))} ${minute ?? ''}${hours24 ? '' : ` ${String(parts.dayPeriod ?? '')}`}`;
  return `${String(parts.weekday)}, ${String(parts.month)} ${String(parts.day)}, at ${time}`;
}
