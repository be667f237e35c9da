// Mutation fuzzing of the parser and the stream framer: they are fed straight
// from the network and must never throw, whatever the bytes.
//
//   SIP_FUZZ_ITERATIONS=200000 SIP_FUZZ_SEED=1234 node --import tsx --test test/sip/message/fuzz.test.ts
//
// Long mode (not in CI), one million mutations with progress every 100,000:
//
//   SIP_FUZZ_LONG=1 node scripts/run-tests.mjs test/sip/message/fuzz.test.ts
//
// The seed is printed; rerun with it to reproduce a failure.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ParseResult, SipStreamFramer, parseMessage } from '../../../src/sip/message/index.ts';
import { prng, mutate, SEEDS } from '../../helpers/sip-mutate.ts';

const LONG_ITERATIONS = 1_000_000;
const ITERATIONS = Number(process.env.SIP_FUZZ_ITERATIONS ?? (process.env.SIP_FUZZ_LONG === '1' ? LONG_ITERATIONS : 20000));
const SEED = Number(process.env.SIP_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));

function checkResult(r: ParseResult, input: Buffer, seed: number, iteration: number): void {
  const where = `seed ${seed}, iteration ${iteration}`;
  if (!r.ok) {
    assert.doesNotMatch(r.error, /internal parser error/, `${where}: ${r.error}\n${JSON.stringify(input.toString('latin1').slice(0, 2000))}`);
    return;
  }
  // What we accept we can write out, and what we write out we accept again.
  const out = r.message.toBuffer();
  const again = parseMessage(out, { allowMissingMaxForwards: true });
  assert.ok(again.ok, `${where}: re-parse failed: ${again.ok ? '' : again.error}\n${JSON.stringify(out.toString('latin1').slice(0, 2000))}`);
  // Touch every typed view: none may throw either.
  const m = r.message;
  void [m.callId, m.cseq, m.from?.toString(), m.to?.toString(), m.vias.map(String), m.contacts.map(String), m.routes, m.recordRoutes, m.maxForwards, m.expires, m.contentType, m.isContactWildcard];
}

describe('fuzz', () => {
  it(`parseMessage and SipStreamFramer survive ${ITERATIONS} mutated messages`, () => {
    console.log(`SIP fuzz: seed=${SEED} iterations=${ITERATIONS} (set SIP_FUZZ_SEED / SIP_FUZZ_ITERATIONS to reproduce)`);
    const rnd = prng(SEED);
    const framer = new SipStreamFramer();
    let accepted = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const seedMessage = SEEDS[Math.floor(rnd() * SEEDS.length)]!;
      const input = mutate(seedMessage, rnd);

      checkResult(parseMessage(input), input, SEED, i);
      const streamed = parseMessage(input, { transport: 'stream', allowMissingMaxForwards: true });
      checkResult(streamed, input, SEED, i);
      if (streamed.ok) accepted++;

      // The framer sees the same bytes in random chunks, as TCP would deliver them.
      for (let pos = 0; pos < input.length; ) {
        const size = 1 + Math.floor(rnd() * (rnd() < 0.2 ? 8 : 2048));
        for (const o of framer.push(input.subarray(pos, pos + size))) {
          if (o.kind === 'message') {
            assert.ok(o.data.length <= framer.maxMessageSize);
            checkResult(parseMessage(o.data, { transport: 'stream' }), o.data, SEED, i);
          }
        }
        pos += size;
      }
      assert.ok(framer.buffered <= framer.maxMessageSize + 2048, `seed ${SEED}, iteration ${i}: framer holds ${framer.buffered} octets`);
      if (ITERATIONS >= LONG_ITERATIONS && (i + 1) % 100_000 === 0) console.log(`SIP fuzz: ${i + 1} of ${ITERATIONS} (seed ${SEED})`);
    }
    // Sanity: the mutations are not so destructive that nothing parses.
    assert.ok(accepted > 0);
  });
});
