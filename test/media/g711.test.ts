import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR, alawToLinear, alawToUlaw, linearToAlaw, linearToUlaw, transcodeInPlace, ulawToAlaw, ulawToLinear } from '../../src/media/g711.ts';

/** Decoder output step around a code word: the distance to its neighbour away from zero (G.711 Tables 1a/2a). */
function ulawStep(code: number): number {
  return 8 << (((~code & 0xff) >> 4) & 7);
}
function alawStep(code: number): number {
  const segment = (((code ^ 0x55) & 0xff) >> 4) & 7;
  return segment === 0 ? 16 : 16 << (segment - 1);
}

describe('G.711 µ-law (ITU-T G.711 Table 2)', () => {
  it('encodes and decodes the known code words', () => {
    assert.equal(linearToUlaw(0), 0xff, '+0 is all ones (inverted)');
    assert.equal(linearToUlaw(-1), 0x7f, '−1 falls in the −0 interval');
    assert.equal(ulawToLinear(0xff), 0);
    assert.equal(ulawToLinear(0x7f), 0);
    assert.equal(linearToUlaw(32767), 0x80, 'positive full scale');
    assert.equal(linearToUlaw(-32768), 0x00, 'negative full scale');
    assert.equal(ulawToLinear(0x80), 32124);
    assert.equal(ulawToLinear(0x00), -32124);
    // Decoder output (step·8 + 132)·2^segment − 132: 0xEF opens segment 1, 0xFE is the first step of segment 0.
    assert.equal(ulawToLinear(0xef), 132);
    assert.equal(ulawToLinear(0xfe), 8);
  });

  it('round-trips every 16-bit sample within half a step (plus the dropped 2 low bits), saturating beyond ±32124', () => {
    for (let x = -32768; x <= 32767; x++) {
      const code = linearToUlaw(x);
      const y = ulawToLinear(code);
      if (Math.abs(x) > 32124 + ulawStep(code) / 2) {
        assert.equal(Math.abs(y), 32124, `${x} saturates`);
        continue;
      }
      assert.ok(Math.abs(y - x) <= ulawStep(code) / 2 + 4, `${x} → 0x${code.toString(16)} → ${y}`);
      if (y !== 0) assert.equal(Math.sign(y), Math.sign(x), `sign of ${x} kept`);
    }
  });

  it('is monotonic and every code word is its own encoding (decode → encode is the identity)', () => {
    for (let c = 0; c < 256; c++) assert.equal(linearToUlaw(ulawToLinear(c)) === c || c === 0x7f, true, `code 0x${c.toString(16)}`);
    let previous = -Infinity;
    for (let x = -32768; x <= 32767; x += 7) {
      const y = ulawToLinear(linearToUlaw(x));
      assert.ok(y >= previous);
      previous = y;
    }
    assert.equal(new Set(ULAW_TO_LINEAR).size, 255, '255 distinct levels: +0 and −0 coincide');
  });
});

describe('G.711 A-law (ITU-T G.711 Table 1)', () => {
  it('encodes and decodes the known code words (even bits inverted)', () => {
    assert.equal(linearToAlaw(0), 0xd5);
    assert.equal(linearToAlaw(15), 0xd5, '0…15 share the first positive interval');
    assert.equal(linearToAlaw(-1), 0x55);
    assert.equal(alawToLinear(0xd5), 8);
    assert.equal(alawToLinear(0x55), -8);
    assert.equal(linearToAlaw(32767), 0xaa, 'positive full scale');
    assert.equal(linearToAlaw(-32768), 0x2a, 'negative full scale');
    assert.equal(alawToLinear(0xaa), 32256);
    assert.equal(alawToLinear(0x2a), -32256);
  });

  it('round-trips every 16-bit sample within half a step', () => {
    for (let x = -32768; x <= 32767; x++) {
      const code = linearToAlaw(x);
      const y = alawToLinear(code);
      assert.ok(Math.abs(y - x) <= alawStep(code) / 2, `${x} → 0x${code.toString(16)} → ${y}`);
      assert.equal(Math.sign(y), x < 0 ? -1 : 1);
    }
    for (let c = 0; c < 256; c++) assert.equal(linearToAlaw(alawToLinear(c)), c);
    assert.equal(new Set(ALAW_TO_LINEAR).size, 256, 'A-law has no negative zero');
  });
});

describe('G.711 direct µ-law ↔ A-law conversion', () => {
  it('maps each code word to the other law nearest level, keeping the sign', () => {
    for (let u = 0; u < 256; u++) {
      const v = ULAW_TO_LINEAR[u]!;
      const a = ulawToAlaw[u]!;
      assert.ok(Math.abs(ALAW_TO_LINEAR[a]! - v) <= alawStep(a) / 2, `µ 0x${u.toString(16)} (${v}) → A 0x${a.toString(16)} (${ALAW_TO_LINEAR[a]})`);
      assert.equal(a & 0x80, u & 0x80, 'sign bit kept (µ-law −0 stays negative)');
    }
    for (let a = 0; a < 256; a++) {
      const v = ALAW_TO_LINEAR[a]!;
      const u = alawToUlaw[a]!;
      assert.ok(Math.abs(ULAW_TO_LINEAR[u]! - v) <= ulawStep(u) / 2 + 1, `A 0x${a.toString(16)} (${v}) → µ 0x${u.toString(16)} (${ULAW_TO_LINEAR[u]})`);
      assert.equal(u & 0x80, a & 0x80);
    }
    assert.equal(ulawToAlaw[0xff], 0xd5);
    assert.equal(ulawToAlaw[0x80], 0xaa, 'full scale to full scale');
    assert.equal(alawToUlaw[0xd5], 0xfe, 'A-law +8 is exactly µ-law 0xFE');
    assert.equal(alawToUlaw[0xaa], 0x80);
  });

  it('goes there and back to the same code word wherever the other law holds the level exactly', () => {
    // A level both laws share converts exactly, so the round trip is the identity.
    let exactU = 0;
    for (let u = 0; u < 256; u++) {
      const a = ulawToAlaw[u]!;
      if (ALAW_TO_LINEAR[a] === ULAW_TO_LINEAR[u]) {
        exactU++;
        assert.equal(alawToUlaw[a], u, `µ 0x${u.toString(16)} → A → µ`);
      }
    }
    let exactA = 0;
    for (let a = 0; a < 256; a++) {
      const u = alawToUlaw[a]!;
      if (ULAW_TO_LINEAR[u] === ALAW_TO_LINEAR[a]) {
        exactA++;
        assert.equal(ulawToAlaw[u], a, `A 0x${a.toString(16)} → µ → A`);
      }
    }
    assert.ok(exactU > 0 && exactA > 0);
    // A round trip is a projection: doing it twice changes nothing more.
    for (let u = 0; u < 256; u++) {
      const once = alawToUlaw[ulawToAlaw[u]!]!;
      assert.equal(alawToUlaw[ulawToAlaw[once]!], once);
    }
    for (let a = 0; a < 256; a++) {
      const once = ulawToAlaw[alawToUlaw[a]!]!;
      assert.equal(ulawToAlaw[alawToUlaw[once]!], once);
    }
    // Most code words survive the round trip; the rest move by one step.
    for (let u = 0; u < 256; u++) {
      const back = alawToUlaw[ulawToAlaw[u]!]!;
      assert.ok(Math.abs(ULAW_TO_LINEAR[back]! - ULAW_TO_LINEAR[u]!) <= alawStep(ulawToAlaw[u]!), `µ 0x${u.toString(16)}`);
    }
  });

  it('transcodes a frame in place through a table', () => {
    const frame = Buffer.from([0xff, 0x80, 0x00, 0x7f, 0x12]);
    transcodeInPlace(frame, 1, 4, ulawToAlaw);
    assert.deepEqual([...frame], [0xff, 0xaa, 0x2a, 0x55, 0x12], 'only [1, 4) converted; µ-law −0 becomes A-law −8');
    transcodeInPlace(frame, 1, 3, alawToUlaw);
    assert.deepEqual([...frame], [0xff, 0x80, 0x00, 0x55, 0x12]);
  });
});
