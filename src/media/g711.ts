// ITU-T G.711 (11/1988), "Pulse code modulation (PCM) of voice frequencies":
// the two 8-bit logarithmic laws, µ-law (Tables 2a/2b) and A-law (Tables 1a/1b),
// RTP payload types 0 (PCMU) and 8 (PCMA) in RFC 3551 §4.5.14.
//
// Linear samples here are signed 16-bit. G.711 itself quantizes 14-bit (µ-law)
// and 13-bit (A-law) values; the low bits are dropped on encoding and the
// decoded value is scaled back to 16 bits, as ITU-T G.191's reference software
// (g711.c: ulaw_compress/ulaw_expand, alaw_compress/alaw_expand) does.
//
// Both laws split each sign's magnitude into 8 segments of 16 steps. A code
// word is sign (1 bit), segment (3 bits), step within the segment (4 bits),
// then transmitted with some bits inverted:
//   µ-law: all 8 bits inverted (§ "character signals", Table 2b), so 0xFF is +0
//          and 0x7F is −0; positive full scale is 0x80.
//   A-law: the even bits inverted (XOR 0x55, Table 1b "even bit inversion"),
//          so 0xD5 is the smallest positive value and 0x55 the smallest negative.

/** µ-law bias: 33 in 14-bit units (G.711 Table 2a's decision values are offset by it), 0x84 in 16-bit units. */
const ULAW_BIAS = 0x84;
/** Largest 14-bit magnitude µ-law encodes, plus the bias (decision value 8159 + 33 - 1). */
const ULAW_CLIP = 0x1fff;

/**
 * G.711 µ-law encoding (Table 2a) of one signed 16-bit sample.
 * Negative values use the one's complement (−x−1), as G.191 does, so that −1
 * encodes to −0 (0x7F) and the law stays symmetric around −½.
 */
export function linearToUlaw(sample: number): number {
  let magnitude: number;
  let sign: number;
  if (sample < 0) {
    magnitude = ~sample >> 2;
    sign = 0x00;
  } else {
    magnitude = sample >> 2;
    sign = 0x80;
  }
  magnitude += ULAW_BIAS >> 2;
  if (magnitude > ULAW_CLIP) magnitude = ULAW_CLIP;
  // Segment = position of the highest set bit above bit 5 (biased magnitudes 33…63 are segment 0).
  let segment = 0;
  for (let t = magnitude >> 6; t !== 0; t >>= 1) segment++;
  const step = (magnitude >> (segment + 1)) & 0x0f;
  return sign | (0x7f ^ ((segment << 4) | step));
}

/** G.711 µ-law decoding (Table 2a, "value at decoder output"), scaled to 16 bits. */
export function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const segment = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + ULAW_BIAS) << segment) - ULAW_BIAS;
  return u & 0x80 ? 0 - magnitude : magnitude; // 0 - 0 is +0: −0 decodes to plain 0
}

/**
 * G.711 A-law encoding (Table 1a) of one signed 16-bit sample: the 12-bit
 * magnitude (one's complement for negatives), segments 0 and 1 share the same
 * step size, then even-bit inversion.
 */
export function linearToAlaw(sample: number): number {
  let magnitude: number;
  let sign: number;
  if (sample < 0) {
    magnitude = ~sample >> 4;
    sign = 0x00;
  } else {
    magnitude = sample >> 4;
    sign = 0x80;
  }
  let code: number;
  if (magnitude < 32) {
    // Segments 0 and 1: 32 uniform steps, the segment bit is bit 4 of the magnitude.
    code = magnitude;
  } else {
    let segment = 1;
    while (magnitude > 31) {
      magnitude >>= 1;
      segment++;
    }
    code = (segment << 4) | (magnitude & 0x0f);
  }
  return (sign | code) ^ 0x55;
}

/** G.711 A-law decoding (Table 1a, "value at decoder output"), scaled to 16 bits. */
export function alawToLinear(code: number): number {
  const a = (code ^ 0x55) & 0xff;
  const segment = (a >> 4) & 0x07;
  let magnitude = ((a & 0x0f) << 4) + 8;
  if (segment !== 0) magnitude = (magnitude + 0x100) << (segment - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

function table(decode: (code: number) => number, encode: (sample: number) => number): Uint8Array {
  const t = new Uint8Array(256);
  for (let code = 0; code < 256; code++) {
    // µ-law's −0 (0x7F) decodes to 0, which would encode as A-law's +8: keep the
    // sign of the code word (both laws put it in bit 7) by encoding it as −1.
    const value = decode(code);
    t[code] = encode(value === 0 && (code & 0x80) === 0 ? -1 : value);
  }
  return t;
}

/**
 * Decoded value of every code word, for loops that decode a whole frame.
 */
/** The code word of a zero sample in each law (µ-law +0, A-law's smallest positive): what silence is sent as. */
export const SILENCE_CODE: Readonly<Record<'PCMU' | 'PCMA', number>> = { PCMU: 0xff, PCMA: 0xd5 };

export const ULAW_TO_LINEAR: Int16Array = Int16Array.from({ length: 256 }, (_, c) => ulawToLinear(c));
export const ALAW_TO_LINEAR: Int16Array = Int16Array.from({ length: 256 }, (_, c) => alawToLinear(c));

/**
 * Direct µ-law → A-law conversion (the role of G.711 Table 3): each µ-law code
 * maps to the A-law code whose decision interval holds the µ-law code's decoded
 * value. Built as decode → encode, which is exactly that definition. µ-law's
 * steps are never coarser than A-law's, so the result is within one A-law step.
 */
export const ulawToAlaw: Uint8Array = table(ulawToLinear, linearToAlaw);

/** Direct A-law → µ-law conversion (the role of G.711 Table 4), built the same way. */
export const alawToUlaw: Uint8Array = table(alawToLinear, linearToUlaw);

/**
 * Maps every byte of `buf[start, end)` through a 256-entry table, in place:
 * transcoding a G.711 frame without allocating (both laws are one byte per sample).
 */
export function transcodeInPlace(buf: Uint8Array, start: number, end: number, conversion: Uint8Array): void {
  for (let i = start; i < end; i++) buf[i] = conversion[buf[i]!]!;
}
