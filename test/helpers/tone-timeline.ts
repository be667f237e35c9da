// What a phone heard, window by window: which of a few known tones fills
// each stretch of a recording (a baresip phone's -dec.wav), so a test can
// check the order of what a caller heard — its partner, a ringback, the new
// party — without knowing when exactly each began.
import { readFile } from 'node:fs/promises';
import { parseWav } from '../../src/media/wav-file.ts';

/**
 * Per window of `windowSeconds`: the name of the tone in `tones` (name → Hz)
 * holding at least `minShare` of the window's energy (Goertzel power at its
 * frequency), `silence` when the window is nearly silent, `?` otherwise (a
 * window across the edge of a tone burst, or something else).
 */
export async function toneTimeline(path: string, tones: Readonly<Record<string, number>>, windowSeconds = 0.25, minShare = 0.6): Promise<string[]> {
  const buf = await readFile(path);
  const wav = parseWav(buf);
  if (!wav || wav.bitsPerSample !== 16) throw new Error(`${path}: not a 16-bit PCM WAV`);
  const frame = 2 * wav.channels;
  const total = Math.floor(wav.dataBytes / frame);
  const n = Math.max(1, Math.round(wav.sampleRate * windowSeconds));
  const out: string[] = [];
  for (let start = 0; start + n <= total; start += n) {
    const x = Float64Array.from({ length: n }, (_, i) => buf.readInt16LE(wav.dataOffset + (start + i) * frame));
    const energy = x.reduce((a, v) => a + v * v, 0);
    if (Math.sqrt(energy / n) < 100) {
      out.push('silence');
      continue;
    }
    let best = '?';
    for (const [name, hz] of Object.entries(tones)) {
      const k = 2 * Math.cos((2 * Math.PI * hz) / wav.sampleRate);
      let s1 = 0;
      let s2 = 0;
      for (const v of x) {
        const s = v + k * s1 - s2;
        s2 = s1;
        s1 = s;
      }
      // A sine of amplitude A at exactly hz: power ≈ (A·n/2)², energy ≈ A²·n/2, so this is ≈ 1.
      if ((2 * (s1 * s1 + s2 * s2 - k * s1 * s2)) / (n * energy) >= minShare) best = name;
    }
    out.push(best);
  }
  return out;
}

/** Runs collapsed, `?` windows left out: `['102', '102', '?', 'ringback']` → `['102', 'ringback']`. */
export function toneRuns(timeline: readonly string[]): string[] {
  const runs: string[] = [];
  for (const label of timeline) if (label !== '?' && runs[runs.length - 1] !== label) runs.push(label);
  return runs;
}
