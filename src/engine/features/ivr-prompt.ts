// The prompt of an IVR menu as 8 kHz samples: the menu's own file (WAV PCM16
// 8 kHz mono or raw µ-law, a path relative to the data dir allowed), or, when
// the menu names none, one spoken by espeak-ng and resampled by sox into the
// data dir at first use (8 kHz mono PCM16 WAV, named by a hash of its text so
// an edited menu gets a new one); an unusable file is replaced by the spoken
// menu too. Fails soft: a prompt that cannot be had at all is a short
// silence, so the menu still collects digits.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { Ivr } from '../../core/directory/ivr.ts';
import { loadAudio } from '../../media/player.ts';

const run = promisify(execFile);
/** What a menu without a usable prompt plays: half a second of silence. */
export const SILENCE = new Int16Array(4000);

/** The words of a generated prompt: the menu's name, then each option. */
export function promptText(ivr: Pick<Ivr, 'name' | 'options'>): string {
  const choices = ivr.options.map((o) => {
    const key = o.digit === '*' ? 'star' : o.digit === '#' ? 'hash' : o.digit;
    const d = o.destination;
    if (d.type === 'extension') return `For extension ${d.number.split('').join(' ')}, press ${key}.`;
    if (d.type === 'external') return `For an outside line, press ${key}.`;
    return `To hang up, press ${key}.`;
  });
  return [ivr.name ? `Welcome to ${ivr.name}.` : 'Welcome.', ...choices].join(' ');
}

export class IvrPrompts {
  /** One generation per file at a time (two calls into a new menu). */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly dataDir: string,
    private readonly logger: Logger,
  ) {}

  /** The menu's file; if it has none, or it is unusable (the demo names 'main-menu'), the spoken menu; else silence. */
  async samples(ivr: Pick<Ivr, 'number' | 'name' | 'prompt' | 'options'>): Promise<Int16Array> {
    if (ivr.prompt) {
      try {
        return await loadAudio(isAbsolute(ivr.prompt) ? ivr.prompt : join(this.dataDir, ivr.prompt));
      } catch (err) {
        this.logger.warn({ err, ivr: ivr.number }, 'IVR prompt file unusable: speaking the menu instead');
      }
    }
    try {
      return await loadAudio(await this.generated(promptText(ivr)));
    } catch (err) {
      this.logger.warn({ err, ivr: ivr.number }, 'IVR prompt could not be generated: playing silence');
      return SILENCE;
    }
  }

  /** Any sentence spoken the same way (queue announcements), kept like a menu's. */
  async spoken(text: string): Promise<Int16Array> {
    return loadAudio(await this.generated(text));
  }

  /** A sentence spoken (voicemail's prompts); silence when it cannot be generated. */
  async say(text: string): Promise<Int16Array> {
    try {
      return await this.spoken(text);
    } catch (err) {
      this.logger.warn({ err, text }, 'prompt could not be generated: playing silence');
      return SILENCE;
    }
  }

  private generated(text: string): Promise<string> {
    const file = join(this.dataDir, 'prompts', `ivr-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.wav`);
    let p = this.pending.get(file);
    if (!p) {
      p = this.speak(text, file).finally(() => this.pending.delete(file));
      this.pending.set(file, p);
    }
    return p;
  }

  private async speak(text: string, file: string): Promise<string> {
    if (await access(file).then(() => true, () => false)) return file;
    await mkdir(join(this.dataDir, 'prompts'), { recursive: true });
    const raw = `${file}.${String(process.pid)}.raw.wav`;
    try {
      await run('espeak-ng', ['-w', raw, text], { timeout: 15_000 });
      await run('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', file], { timeout: 15_000 });
    } finally {
      await rm(raw, { force: true });
    }
    return file;
  }
}
