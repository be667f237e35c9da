// Call progress tones the PBX generates itself, as 8 kHz linear samples for
// the player (src/media/player.ts) to loop.
//
// Ringing tone: ITU-T E.180 Supplement 2 lists 425 Hz, 1 s on and 4 s off for
// most of Europe; one cadence period is returned, so looping it repeats the
// cadence. Peak 5800 of 32767 is about −12 dBm0 in G.711 (a full-scale
// sine is +3.17 dBm0 in G.711), a usual tone level; each burst ramps in and
// out over 5 ms so it does not click.
const RATE = 8000;

export interface Cadence {
  hz: number;
  onMs: number;
  offMs: number;
  /** Peak amplitude, of 32767. */
  amplitude: number;
}

export const EUROPEAN_RINGING: Cadence = { hz: 425, onMs: 1000, offMs: 4000, amplitude: 5800 };

/** One period of a single-frequency cadenced tone: the burst, then silence. */
export function cadencedTone(c: Cadence): Int16Array {
  const on = (RATE * c.onMs) / 1000;
  const out = new Int16Array(on + (RATE * c.offMs) / 1000);
  const ramp = RATE / 200;
  for (let i = 0; i < on; i++) {
    const envelope = Math.min(1, i / ramp, (on - i) / ramp);
    out[i] = Math.round(c.amplitude * envelope * Math.sin((2 * Math.PI * c.hz * i) / RATE));
  }
  return out;
}

/** The ringing tone a caller hears from us while the far side alerts. */
export function ringingTone(): Int16Array {
  return cadencedTone(EUROPEAN_RINGING);
}
