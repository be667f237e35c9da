// Playing audio into a call the PBX answered, and reading the caller's keys
// (RFC 4733 telephone-events, reported by the relay as `dtmf`): what voicemail
// needs of a call, one prompt or one digit at a time.
import { RtpPlayer } from '../../media/player.ts';
import type { Call } from '../b2bua/call.ts';

export type PromptOutcome = { digit: string } | { done: true } | { ended: true };
export type DigitOutcome = { digit: string } | { timeout: true } | { ended: true };

/**
 * Type-ahead: keys the caller presses while neither a prompt nor a read is
 * under way — after our answer, before the first prompt is ready (spoken by
 * espeak, which takes seconds on a loaded machine), or between two prompts —
 * are kept for the next interruptible prompt or read, as IVRs queue DTMF.
 * A key pressed during a prompt that does not stop on keys is dropped, as before;
 * so is one older than TYPE_AHEAD_MS (pressed while the call rang elsewhere,
 * say, before an IVR's destination sent it to voicemail).
 */
interface Keys {
  typed: { digit: string; at: number }[];
  /** Prompts and reads under way. */
  busy: number;
}
const keysOf = new WeakMap<Call, Keys>();
/** Longer than a prompt takes to speak on a loaded machine; a key older than this was meant for something else. */
const TYPE_AHEAD_MS = 10_000;
const TYPE_AHEAD_KEYS = 20;

/** The PBX answers a call it will play prompts to; keys typed from then on are kept (type-ahead). */
export function answerForPrompts(call: Call): Promise<boolean> {
  if (!keysOf.has(call) && !call.isEnded) {
    const keys: Keys = { typed: [], busy: 0 };
    keysOf.set(call, keys);
    const owner = call.info().owner;
    const onDigit = (participantId: string, digit: string): void => {
      if (participantId === owner && keys.busy === 0 && keys.typed.length < TYPE_AHEAD_KEYS) keys.typed.push({ digit, at: Date.now() });
    };
    call.on('dtmf', onDigit);
    call.once('ended', () => call.off('dtmf', onDigit));
  }
  return call.answerByPbx();
}

/** A prompt or read begins: the first key typed ahead, if any; `release` when it ends. */
function begin(call: Call, takeKey: boolean): { typed: string | undefined; release(): void } {
  const keys = keysOf.get(call);
  if (!keys) return { typed: undefined, release: () => undefined };
  while (keys.typed.length > 0 && Date.now() - keys.typed[0]!.at > TYPE_AHEAD_MS) keys.typed.shift();
  const typed = takeKey ? keys.typed.shift()?.digit : undefined;
  keys.busy++;
  let released = false;
  return {
    typed,
    release: () => {
      if (released) return;
      released = true;
      keys.busy--;
    },
  };
}

/** Plays `samples` to the caller; with `stopOnDigit`, the caller's first key stops it and is returned. */
export function playPrompt(call: Call, samples: Int16Array, stopOnDigit: boolean): Promise<PromptOutcome> {
  return new Promise<PromptOutcome>((resolve) => {
    const { relay, caller } = call.mediaTap();
    const owner = call.info().owner;
    const turn = begin(call, stopOnDigit);
    const done = (o: PromptOutcome): void => {
      player.stop();
      call.off('dtmf', onDigit);
      call.off('ended', onEnded);
      turn.release();
      resolve(o);
    };
    const onDigit = (participantId: string, digit: string): void => {
      if (stopOnDigit && participantId === owner) done({ digit });
    };
    const onEnded = (): void => done({ ended: true });
    const player = new RtpPlayer({ relay, legId: caller, samples, onEnd: () => done(call.isEnded ? { ended: true } : { done: true }) });
    call.on('dtmf', onDigit);
    call.once('ended', onEnded);
    if (call.isEnded) return done({ ended: true });
    if (turn.typed !== undefined) return done({ digit: turn.typed });
    player.start();
  });
}

/** The caller's next key, or a timeout, or the call's end. */
export function nextDigit(call: Call, timeoutMs: number): Promise<DigitOutcome> {
  return new Promise<DigitOutcome>((resolve) => {
    const owner = call.info().owner;
    const turn = begin(call, true);
    const done = (o: DigitOutcome): void => {
      clearTimeout(timer);
      call.off('dtmf', onDigit);
      call.off('ended', onEnded);
      turn.release();
      resolve(o);
    };
    const onDigit = (participantId: string, digit: string): void => {
      if (participantId === owner) done({ digit });
    };
    const onEnded = (): void => done({ ended: true });
    const timer = setTimeout(() => done({ timeout: true }), timeoutMs);
    call.on('dtmf', onDigit);
    call.once('ended', onEnded);
    if (call.isEnded) done({ ended: true });
    else if (turn.typed !== undefined) done({ digit: turn.typed });
  });
}

/** Keys up to `#` (not included), at most `max` of them; undefined on timeout between keys or the call's end. */
export async function collectDigits(call: Call, max: number, timeoutMs: number): Promise<string | undefined> {
  let got = '';
  for (;;) {
    const o = await nextDigit(call, timeoutMs);
    if (!('digit' in o)) return undefined;
    if (o.digit === '#') return got;
    got += o.digit;
    if (got.length >= max) return got;
  }
}

/** A 1 kHz beep of `ms` milliseconds at 8 kHz: "speak after the tone". */
export function beep(ms = 400): Int16Array {
  const n = Math.round(ms * 8);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  return out;
}
