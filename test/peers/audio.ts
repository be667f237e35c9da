/**
 * Making and measuring audio with sox (PEERS-baresip.md §7).
 *
 * "Rough frequency" from `sox stat` is unreliable at 8 kHz, so a tone is identified by
 * the share of its RMS inside a band-pass around the expected frequency.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ToneOptions {
  readonly hz?: number;
  readonly seconds?: number;
  /** Samples per second; 8000 for G.711. */
  readonly rate?: number;
  /** Linear amplitude, 0..1. */
  readonly volume?: number;
}

/**
 * A 16-bit signed mono WAV sine, the format baresip's aufile needs for G.711. When the
 * file ends baresip hangs up, so make it longer than any call.
 */
export async function makeToneWav(path: string, options: ToneOptions = {}): Promise<void> {
  const { hz = 440, seconds = 120, rate = 8000, volume = 0.5 } = options;
  await run('sox', ['-n', '-r', String(rate), '-c', '1', '-b', '16', '-e', 'signed-integer', path, 'synth', String(seconds), 'sine', String(hz), 'vol', String(volume)]);
}

/** Silence in the same format, for a phone that should only listen. */
export async function makeSilenceWav(path: string, seconds = 120, rate = 8000): Promise<void> {
  await run('sox', ['-n', '-r', String(rate), '-c', '1', '-b', '16', '-e', 'signed-integer', path, 'trim', '0', String(seconds)]);
}

export interface SoxStat {
  readonly lengthSeconds: number;
  readonly rmsAmplitude: number;
  readonly maximumAmplitude: number;
  readonly roughFrequency: number;
  /** Every `name: value` line of the report. */
  readonly raw: Readonly<Record<string, string>>;
}

function parseStat(text: string): SoxStat {
  const raw: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z][A-Za-z .()]*?)\s*:\s*(\S+)/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) raw[m[1].replace(/\s+/g, ' ').trim()] = m[2];
  }
  const num = (k: string): number => Number(raw[k] ?? NaN);
  return {
    lengthSeconds: num('Length (seconds)'),
    rmsAmplitude: num('RMS amplitude'),
    maximumAmplitude: num('Maximum amplitude'),
    roughFrequency: num('Rough frequency'),
    raw,
  };
}

/** `sox FILE -n [effects…] stat`; sox writes the report on stderr. */
export async function soxStat(path: string, effects: readonly string[] = []): Promise<SoxStat> {
  const { stderr } = await run('sox', [path, '-n', ...effects, 'stat']);
  return parseStat(stderr);
}

/**
 * RMS inside [lowHz, highHz] divided by the total RMS: ≈1 when the file is that tone,
 * ≈0 when it is another one. PEERS-baresip.md §7 uses ≥ 0.8 as "this tone arrived".
 */
export async function bandRmsRatio(path: string, lowHz: number, highHz: number): Promise<number> {
  const total = await soxStat(path);
  const band = await soxStat(path, ['sinc', `${lowHz}-${highHz}`]);
  return total.rmsAmplitude > 0 ? band.rmsAmplitude / total.rmsAmplitude : 0;
}

/** RMS inside [lowHz, highHz] ÷ total RMS, over [start, start + seconds) of the file only. */
export async function bandShareIn(path: string, start: number, seconds: number, lowHz: number, highHz: number): Promise<number> {
  const trim = ['trim', String(Math.max(0, start)), String(seconds)];
  const all = await soxStat(path, trim);
  const band = await soxStat(path, [...trim, 'sinc', `${lowHz}-${highHz}`]);
  return all.rmsAmplitude > 0 ? band.rmsAmplitude / all.rmsAmplitude : 0;
}
