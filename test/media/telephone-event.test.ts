import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TelephoneEventDetector, dtmfDigit, dtmfEvent, parseTelephoneEvent, serializeTelephoneEvent, type TelephoneEventPayload } from '../../src/media/telephone-event.ts';

function payload(p: TelephoneEventPayload): Buffer {
  const b = Buffer.alloc(4);
  serializeTelephoneEvent(p, b);
  return b;
}

/** One key press as RFC 4733 §2.5.1 senders emit it: updates every 20 ms, then the end packet three times. */
function keyPress(event: number, updates: number): Buffer[] {
  const packets: Buffer[] = [];
  for (let i = 1; i <= updates; i++) packets.push(payload({ event, end: false, volume: 10, duration: i * 160 }));
  for (let i = 0; i < 3; i++) packets.push(payload({ event, end: true, volume: 10, duration: (updates + 1) * 160 }));
  return packets;
}

describe('RFC 4733 telephone-event payload (§2.3)', () => {
  it('parses event, end bit, volume and duration', () => {
    assert.deepEqual(parseTelephoneEvent(Buffer.from('058a0320', 'hex')), { event: 5, end: true, volume: 10, duration: 800 });
    assert.deepEqual(parseTelephoneEvent(Buffer.from('0b3f0000', 'hex')), { event: 11, end: false, volume: 63, duration: 0 });
    assert.deepEqual(parseTelephoneEvent(Buffer.from('ff0b7fffff', 'hex'), 1), { event: 11, end: false, volume: 63, duration: 65535 });
    assert.equal(parseTelephoneEvent(Buffer.from('0580', 'hex')), undefined);
    assert.equal(parseTelephoneEvent(Buffer.from('058a0320', 'hex'), 2), undefined);
  });

  it('ignores the reserved bit on parse and writes it as zero', () => {
    assert.deepEqual(parseTelephoneEvent(Buffer.from('01400010', 'hex')), { event: 1, end: false, volume: 0, duration: 16 });
    assert.equal(payload({ event: 1, end: true, volume: 0x7f, duration: 0 })[1], 0x80 | 0x3f);
  });

  it('maps DTMF events 0–15 to 0-9 * # A-D (§3.2)', () => {
    assert.equal([...Array(16).keys()].map((e) => dtmfDigit(e)).join(''), '0123456789*#ABCD');
    assert.equal(dtmfDigit(16), undefined, 'flash is not a digit');
    assert.equal(dtmfDigit(-1), undefined);
    assert.equal(dtmfEvent('*'), 10);
    assert.equal(dtmfEvent('#'), 11);
    assert.equal(dtmfEvent('d'), 15);
    assert.equal(dtmfEvent('E'), undefined);
    assert.equal(dtmfEvent('12'), undefined);
  });
});

describe('telephone-event detector (§2.5.1.2, §2.5.1.4, §2.5.2)', () => {
  it('reports an event once, at its first end packet, ignoring the retransmitted ends', () => {
    const d = new TelephoneEventDetector();
    const reports = keyPress(5, 4).map((p) => d.push(1000, p));
    assert.deepEqual(reports.slice(0, 4), [undefined, undefined, undefined, undefined]);
    assert.equal(reports[4]?.digit, '5');
    assert.equal(reports[4]?.durationMs, 100);
    assert.equal(reports[4]?.duration, 800);
    assert.equal(reports[4]?.timestamp, 1000);
    assert.equal(reports[4]?.endSeen, true);
    assert.deepEqual(reports.slice(5), [undefined, undefined], 'two retransmissions of the end: nothing');
  });

  it('takes a new timestamp as a new event, even for the same digit', () => {
    const d = new TelephoneEventDetector();
    const digits: string[] = [];
    const feed = (ts: number, packets: Buffer[]) => {
      for (const p of packets) {
        const e = d.push(ts, p);
        if (e?.digit) digits.push(e.digit);
      }
    };
    feed(1000, keyPress(1, 3));
    feed(3000, keyPress(1, 3));
    feed(5000, keyPress(11, 2));
    assert.deepEqual(digits, ['1', '1', '#']);
  });

  it('reports an event whose end packets were all lost when the next one starts', () => {
    const d = new TelephoneEventDetector();
    assert.equal(d.push(1000, payload({ event: 7, end: false, volume: 10, duration: 160 })), undefined);
    assert.equal(d.push(1000, payload({ event: 7, end: false, volume: 10, duration: 320 })), undefined);
    const lost = d.push(2000, payload({ event: 8, end: false, volume: 10, duration: 160 }));
    assert.equal(lost?.digit, '7');
    assert.equal(lost?.durationMs, 40);
    assert.equal(lost?.endSeen, false);
    assert.equal(d.push(2000, payload({ event: 8, end: true, volume: 10, duration: 480 }))?.digit, '8');
  });

  it('reports an event that is a lone end packet, and the one before it on the retransmission', () => {
    const d = new TelephoneEventDetector();
    d.push(1000, payload({ event: 2, end: false, volume: 10, duration: 160 }));
    const end3 = payload({ event: 3, end: true, volume: 10, duration: 640 });
    assert.equal(d.push(2000, end3)?.digit, '2', 'the unfinished event first');
    assert.equal(d.push(2000, end3)?.digit, '3', 'then this one, from its first retransmission');
    assert.equal(d.push(2000, end3), undefined);
  });

  it('uses the clock rate for milliseconds and ignores short payloads', () => {
    const d = new TelephoneEventDetector(16000);
    assert.equal(d.push(1, payload({ event: 0, end: true, volume: 0, duration: 1600 }))?.durationMs, 100);
    assert.equal(d.push(2, Buffer.alloc(3)), undefined);
  });
});
