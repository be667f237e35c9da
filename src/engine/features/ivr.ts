// IVR menus: the PBX answers, plays the menu's prompt into the caller's relay
// leg, and one digit (RFC 4733 telephone-event from the caller, reported by
// the relay as a `dtmf` event) chooses the option's destination; the router
// then sends the call there. The first digit stops the prompt. No digit
// within `timeout` seconds after the prompt ended, or a digit no option has,
// plays the prompt again, up to `maxRetries` times, then `onTimeout` or
// `onInvalid`. A menu that leads back to itself is stopped by the router's
// hop limit.
import type { Destination } from '../../core/directory/common.ts';
import type { Ivr } from '../../core/directory/ivr.ts';
import type { Call } from '../b2bua/call.ts';
import { answerForPrompts, nextDigit, playPrompt } from './prompt-player.ts';

export type IvrMenu = Pick<Ivr, 'number' | 'timeout' | 'maxRetries' | 'onTimeout' | 'onInvalid' | 'options'>;

type Round = { digit: string } | { timeout: true } | { ended: true };

/** Runs the menu; resolves with where the call goes, or undefined when it ended meanwhile. */
export async function runIvr(call: Call, menu: IvrMenu, prompt: Int16Array): Promise<Destination | undefined> {
  if (!(await answerForPrompts(call))) return undefined;
  for (let attempt = 0; ; attempt++) {
    const round = await playAndCollect(call, menu.timeout, prompt);
    if ('ended' in round) return undefined;
    const last = attempt >= menu.maxRetries;
    if ('timeout' in round) {
      if (last) return menu.onTimeout;
      continue;
    }
    const option = menu.options.find((o) => o.digit === round.digit);
    if (option) return option.destination;
    if (last) return menu.onInvalid;
  }
}

/** Plays the prompt once and waits for a digit: the first digit, a timeout after the prompt, or the call's end. */
async function playAndCollect(call: Call, timeoutSeconds: number, prompt: Int16Array): Promise<Round> {
  const played = await playPrompt(call, prompt, true);
  if (!('done' in played)) return played;
  return nextDigit(call, timeoutSeconds * 1000);
}
