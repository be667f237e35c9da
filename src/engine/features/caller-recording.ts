// Recording what the caller of a call the PBX answered says — a voicemail
// message, a box owner's greeting — into an 8 kHz mono WAV, until they hang
// up, press #, or the time is up. The recording is a tap of its own beside
// any other (a recording of the call by policy keeps its tap).
import { WavRecorder } from '../../media/recorder.ts';
import type { Call } from '../b2bua/call.ts';
import { nextDigit } from './prompt-player.ts';

export interface CallerRecording {
  /** What ended it. */
  stop: 'ended' | 'hash' | 'time';
  durationMs: number;
}

export async function recordCaller(call: Call, path: string, maxMs: number): Promise<CallerRecording> {
  const { relay, caller } = call.mediaTap();
  const recorder = await WavRecorder.open({ path, channels: 1 });
  const untap = relay.addTap(caller, recorder.tap(0));
  const stop = await recordUntil(call, maxMs);
  untap?.();
  const result = await recorder.stop();
  return { stop, durationMs: result.durationMs };
}

/** Until the caller hangs up or presses #, at most `ms`. */
async function recordUntil(call: Call, ms: number): Promise<'ended' | 'hash' | 'time'> {
  const until = Date.now() + ms;
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) return 'time';
    const o = await nextDigit(call, left);
    if ('ended' in o) return 'ended';
    if ('timeout' in o) return 'time';
    if (o.digit === '#') return 'hash';
  }
}
