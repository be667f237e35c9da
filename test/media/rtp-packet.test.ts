import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpHeader, looksLikeRtcp, parseRtpHeader, serializeRtpHeader, setMarker, setPayloadType, setSequenceNumber, setTimestamp } from '../../src/media/rtp-packet.ts';

describe('RTP fixed header (RFC 3550 §5.1)', () => {
  it('parses a plain G.711 packet', () => {
    // V=2 P=0 X=0 CC=0 | M=1 PT=0 | seq 0x1234 | ts 0xDEADBEEF | SSRC 0x01020304 | 160 octets
    const buf = Buffer.concat([Buffer.from('80801234deadbeef01020304', 'hex'), Buffer.alloc(160, 0xff)]);
    const h = new RtpHeader();
    assert.equal(parseRtpHeader(buf, h), true);
    assert.equal(h.version, 2);
    assert.equal(h.padding, false);
    assert.equal(h.extension, false);
    assert.equal(h.csrcCount, 0);
    assert.equal(h.marker, true);
    assert.equal(h.payloadType, 0);
    assert.equal(h.sequenceNumber, 0x1234);
    assert.equal(h.timestamp, 0xdeadbeef);
    assert.equal(h.ssrc, 0x01020304);
    assert.equal(h.headerLength, 12);
    assert.equal(h.payloadOffset, 12);
    assert.equal(h.payloadLength, 160);
  });

  it('serializes and parses back CSRCs, a header extension (§5.3.1) and padding', () => {
    const buf = Buffer.alloc(100);
    const ext = Buffer.from('0102030405060708', 'hex');
    const n = serializeRtpHeader({ padding: true, marker: false, payloadType: 101, sequenceNumber: 65535, timestamp: 4294967295, ssrc: 0x80000001, csrc: [1, 0xffffffff, 3], extension: { profile: 0xbede, data: ext } }, buf);
    assert.equal(n, 12 + 3 * 4 + 4 + 8);
    assert.equal(buf[0], 0x80 | 0x20 | 0x10 | 3);
    // payload of 4 octets, then 4 octets of padding whose last holds the count
    buf.write('aabbccdd', n, 'hex');
    buf[n + 7] = 4;
    const length = n + 8;
    const h = new RtpHeader();
    assert.equal(parseRtpHeader(buf, h, length), true);
    assert.equal(h.padding, true);
    assert.equal(h.extension, true);
    assert.equal(h.marker, false);
    assert.equal(h.payloadType, 101);
    assert.equal(h.sequenceNumber, 65535);
    assert.equal(h.timestamp, 4294967295);
    assert.equal(h.ssrc, 0x80000001);
    assert.equal(h.csrcCount, 3);
    assert.deepEqual([...h.csrc.subarray(0, h.csrcCount)], [1, 0xffffffff, 3]);
    assert.equal(h.extensionProfile, 0xbede);
    assert.equal(h.extensionLength, 8);
    assert.deepEqual(buf.subarray(h.extensionOffset, h.extensionOffset + h.extensionLength), ext);
    assert.equal(h.headerLength, n);
    assert.equal(h.payloadLength, 4);
    assert.equal(h.paddingLength, 4);
    assert.equal(buf.toString('hex', h.payloadOffset, h.payloadOffset + h.payloadLength), 'aabbccdd');
  });

  it('reuses one view across packets without stale fields', () => {
    const h = new RtpHeader();
    const withExt = Buffer.alloc(40);
    const n = serializeRtpHeader({ payloadType: 8, sequenceNumber: 1, timestamp: 2, ssrc: 3, extension: { profile: 1, data: Buffer.alloc(4) } }, withExt);
    assert.equal(parseRtpHeader(withExt, h, n + 10), true);
    const plain = Buffer.alloc(22);
    serializeRtpHeader({ payloadType: 0, sequenceNumber: 9, timestamp: 8, ssrc: 7 }, plain);
    assert.equal(parseRtpHeader(plain, h), true);
    assert.equal(h.extension, false);
    assert.equal(h.extensionLength, 0);
    assert.equal(h.payloadOffset, 12);
    assert.equal(h.payloadLength, 10);
    assert.equal(h.paddingLength, 0);
  });

  it('rewrites payload type, marker, sequence number and timestamp in place', () => {
    const buf = Buffer.alloc(12);
    serializeRtpHeader({ marker: true, payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 1 }, buf);
    setPayloadType(buf, 8);
    const h = new RtpHeader();
    parseRtpHeader(buf, h);
    assert.equal(h.payloadType, 8);
    assert.equal(h.marker, true, 'the marker survives a PT rewrite');
    setMarker(buf, false);
    setSequenceNumber(buf, 0xabcd);
    setTimestamp(buf, 0x89abcdef);
    parseRtpHeader(buf, h);
    assert.equal(h.marker, false);
    assert.equal(h.payloadType, 8);
    assert.equal(h.sequenceNumber, 0xabcd);
    assert.equal(h.timestamp, 0x89abcdef);
  });

  it('rejects what RFC 3550 Appendix A.1 says is not RTP, without throwing', () => {
    const h = new RtpHeader();
    const ok = Buffer.from('80000001000000020000000300', 'hex');
    assert.equal(parseRtpHeader(ok, h), true);
    const cases: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['shorter than 12 octets', ok.subarray(0, 11)],
      ['version 1', Buffer.from('40000001000000020000000300', 'hex')],
      ['version 0 (STUN)', Buffer.from('000100002112a442000000000000000000000000', 'hex')],
      ['CSRC list longer than the packet', Buffer.from('8f000001000000020000000300', 'hex')],
      ['extension header cut off', Buffer.from('900000010000000200000003bede', 'hex')],
      ['extension longer than the packet', Buffer.from('900000010000000200000003bede0004', 'hex')],
      ['padding count 0', Buffer.from('a0000001000000020000000300', 'hex')],
      ['padding longer than the payload', Buffer.from('a00000010000000200000003ff', 'hex')],
    ];
    for (const [what, buf] of cases) assert.equal(parseRtpHeader(buf, h), false, what);
    assert.equal(parseRtpHeader(ok, h, 100), false, 'a length beyond the buffer');
  });

  it('refuses to serialize what cannot be encoded', () => {
    assert.throws(() => serializeRtpHeader({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, csrc: new Array<number>(16).fill(1) }, Buffer.alloc(200)), RangeError);
    assert.throws(() => serializeRtpHeader({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, extension: { profile: 0, data: Buffer.alloc(3) } }, Buffer.alloc(200)), RangeError);
    assert.throws(() => serializeRtpHeader({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0 }, Buffer.alloc(11)), RangeError);
  });

  it('tells RTCP from RTP by the second octet (RFC 5761 §4)', () => {
    assert.equal(looksLikeRtcp(Buffer.from('80c90001', 'hex')), true, 'RR (201)');
    assert.equal(looksLikeRtcp(Buffer.from('80c80006', 'hex')), true, 'SR (200)');
    assert.equal(looksLikeRtcp(Buffer.from('80000001', 'hex')), false, 'PCMU');
    assert.equal(looksLikeRtcp(Buffer.from('80e50001', 'hex')), false, 'marker + PT 101');
  });
});
