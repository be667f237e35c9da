import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PbxMediaError } from '../../src/media/errors.ts';
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR, alawToUlaw, ulawToAlaw } from '../../src/media/g711.ts';
import { PortAllocator } from '../../src/media/port-allocator.ts';
import { MediaRelay, type Codec, type RemoteMedia } from '../../src/media/relay.ts';
import { serializeTelephoneEvent } from '../../src/media/telephone-event.ts';
import { freePortRange } from '../peers/ports.ts';
import { HOST, Phone, rtpPacket, settle, tonePacket, waitFor } from './phone.ts';

const PORTS = 24;

interface Harness {
  relay: MediaRelay;
  allocator: PortAllocator;
  clock: { now: number };
  phones: Phone[];
  phone(): Promise<Phone>;
}

let h: Harness;

beforeEach(async () => {
  const base = await freePortRange(PORTS, { udp: true, tcp: false });
  const allocator = new PortAllocator({ min: base, max: base + PORTS - 1 }, HOST);
  const clock = { now: 1_000_000 };
  const relay = new MediaRelay({ allocator, host: HOST, now: () => clock.now });
  const phones: Phone[] = [];
  h = {
    relay,
    allocator,
    clock,
    phones,
    async phone() {
      const p = await Phone.open();
      phones.push(p);
      return p;
    },
  };
});

afterEach(() => {
  h.relay.close();
  for (const p of h.phones) p.close();
});

function remote(phone: Phone, codec: Codec, extra: Partial<RemoteMedia> = {}): RemoteMedia {
  return { address: HOST, port: phone.port, codec, payloadType: codec === 'PCMU' ? 0 : 8, ...extra };
}

/** Two phones, each with its leg, bridged. */
async function call(codecA: Codec, codecB: Codec, extraA: Partial<RemoteMedia> = {}, extraB: Partial<RemoteMedia> = {}) {
  const a = await h.phone();
  const b = await h.phone();
  const legA = await h.relay.addLeg('a');
  const legB = await h.relay.addLeg('b');
  h.relay.setRemote('a', remote(a, codecA, extraA));
  h.relay.setRemote('b', remote(b, codecB, extraB));
  h.relay.bridge('a', 'b');
  return { a, b, portA: legA.port, portB: legB.port };
}

/** Sends n tone packets from each phone, one every `intervalMs`, both directions interleaved. */
async function talk(c: { a: Phone; b: Phone; portA: number; portB: number }, n: number, codecA: Codec, codecB: Codec, intervalMs = 20): Promise<void> {
  for (let i = 0; i < n; i++) {
    await c.a.send(tonePacket(i, codecA, codecA === 'PCMU' ? 0 : 8, 0xaaaa), c.portA);
    await c.b.send(tonePacket(i, codecB, codecB === 'PCMU' ? 0 : 8, 0xbbbb), c.portB);
    if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
  }
}

describe('MediaRelay over UDP on 127.0.0.1', () => {
  it('relays 50 packets of 20 ms PCMU each way with payload, SSRC, sequence and timestamp intact', async () => {
    const c = await call('PCMU', 'PCMU');
    await talk(c, 50, 'PCMU', 'PCMU');
    await waitFor('50 packets each way', () => c.a.received.length === 50 && c.b.received.length === 50);
    for (const [rx, ssrc] of [
      [c.b, 0xaaaa],
      [c.a, 0xbbbb],
    ] as const) {
      rx.received.forEach((p, i) => {
        const sent = tonePacket(i, 'PCMU', 0, ssrc);
        assert.deepEqual(p.buf, sent, `packet ${i} unchanged`);
        assert.equal(p.header.ssrc, ssrc);
      });
    }
    // Symmetric RTP (RFC 4961): each phone hears the other from the port it sends to.
    assert.equal(c.b.received[0]!.from.port, c.portB);
    assert.equal(c.a.received[0]!.from.port, c.portA);
    const sa = h.relay.stats('a')!;
    assert.equal(sa.packetsIn, 50);
    assert.equal(sa.packetsOut, 50);
    assert.equal(sa.bytesIn, 50 * 172);
    assert.equal(sa.bytesOut, 50 * 172);
    assert.equal(sa.lastPacketAt, h.clock.now);
    assert.equal(sa.latchedAddress, HOST);
    assert.equal(sa.latchedPort, c.a.port);
  });

  it('transcodes PCMU on one leg to PCMA on the other and back, rewriting the payload type', async () => {
    const c = await call('PCMU', 'PCMA');
    await talk(c, 50, 'PCMU', 'PCMA', 2);
    await waitFor('50 packets each way', () => c.a.received.length === 50 && c.b.received.length === 50);
    let worst = 0;
    for (let i = 0; i < 50; i++) {
      const toB = c.b.received[i]!;
      const toA = c.a.received[i]!;
      assert.equal(toB.header.payloadType, 8, 'PCMA leg gets PT 8');
      assert.equal(toA.header.payloadType, 0, 'PCMU leg gets PT 0');
      assert.equal(toB.header.sequenceNumber, 1000 + i);
      assert.equal(toB.header.timestamp, i * 160);
      assert.equal(toB.payload.length, 160);
      assert.equal(toB.header.marker, i === 0, 'marker passed through');
      const sentU = tonePacket(i, 'PCMU', 0, 0xaaaa).subarray(12);
      const sentA = tonePacket(i, 'PCMA', 8, 0xbbbb).subarray(12);
      for (let s = 0; s < 160; s++) {
        // Within G.711: the A-law the PCMA phone hears decodes to the µ-law sample sent, to half an A-law step.
        const u = ULAW_TO_LINEAR[sentU[s]!]!;
        const a = ALAW_TO_LINEAR[toB.payload[s]!]!;
        assert.equal(toB.payload[s], ulawToAlaw[sentU[s]!]);
        assert.ok(Math.abs(a - u) <= Math.max(8, Math.abs(u) / 32), `sample ${s}: µ ${u} → A ${a}`);
        const back = ULAW_TO_LINEAR[toA.payload[s]!]!;
        const orig = ALAW_TO_LINEAR[sentA[s]!]!;
        assert.ok(Math.abs(back - orig) <= Math.max(8, Math.abs(orig) / 32), `sample ${s}: A ${orig} → µ ${back}`);
        worst = Math.max(worst, Math.abs(a - u), Math.abs(back - orig));
      }
    }
    assert.ok(worst > 0 && worst <= 256, `worst transcoding error ${worst} for an amplitude-8000 tone`);
  });

  it('transcodes a static payload type the phone switched to mid-stream (PT 8 from a PCMU leg)', async () => {
    const c = await call('PCMU', 'PCMU');
    await c.a.send(tonePacket(0, 'PCMA', 8, 1), c.portA);
    await waitFor('one packet', () => c.b.received.length === 1);
    assert.equal(c.b.received[0]!.header.payloadType, 0);
    assert.deepEqual([...c.b.received[0]!.payload], [...tonePacket(0, 'PCMA', 8, 1).subarray(12)].map((x) => alawToUlaw[x]));
  });

  it('applies a codec change from a new offer/answer at once, keeping the latch', async () => {
    const c = await call('PCMU', 'PCMU');
    await c.b.send(tonePacket(0, 'PCMU', 0, 2), c.portB);
    await waitFor('B latched', () => c.a.received.length === 1);
    h.relay.setRemote('b', remote(c.b, 'PCMA'));
    await c.a.send(tonePacket(0, 'PCMU', 0, 1), c.portA);
    await waitFor('one packet', () => c.b.received.length === 1);
    assert.equal(c.b.received[0]!.header.payloadType, 8);
    assert.deepEqual([...c.b.received[0]!.payload], [...tonePacket(0, 'PCMU', 0, 1).subarray(12)].map((x) => ulawToAlaw[x]));
    assert.equal(h.relay.stats('b')!.latchedPort, c.b.port);
  });

  it('latches onto the real source when it differs from the SDP port, and sends there', async () => {
    const a = await h.phone();
    const b = await h.phone();
    const sdpOnly = await h.phone(); // what A's SDP said; A really sends from another port (NAT)
    const legA = await h.relay.addLeg('a');
    const legB = await h.relay.addLeg('b');
    h.relay.setRemote('a', remote(sdpOnly, 'PCMU'));
    h.relay.setRemote('b', remote(b, 'PCMU'));
    h.relay.bridge('a', 'b');
    await b.send(tonePacket(0, 'PCMU', 0, 2), legB.port);
    await waitFor('B → SDP address before latching', () => sdpOnly.received.length === 1);
    await a.send(tonePacket(0, 'PCMU', 0, 1), legA.port);
    await waitFor('A → B', () => b.received.length === 1);
    assert.equal(h.relay.stats('a')!.latchedPort, a.port);
    assert.notEqual(a.port, sdpOnly.port);
    await b.send(tonePacket(1, 'PCMU', 0, 2), legB.port);
    await waitFor('B → A at its latched source', () => a.received.length === 1);
    await settle();
    assert.equal(sdpOnly.received.length, 1, 'nothing more to the SDP address');
  });

  it('ignores RTP from another source after latching, and re-latches after 2 s of silence', async () => {
    const c = await call('PCMU', 'PCMU');
    const intruder = await h.phone();
    await c.a.send(tonePacket(0, 'PCMU', 0, 1), c.portA);
    await waitFor('A latched', () => c.b.received.length === 1);
    await intruder.send(tonePacket(1, 'PCMU', 0, 666), c.portA);
    h.clock.now += 2000;
    await intruder.send(tonePacket(2, 'PCMU', 0, 666), c.portA);
    await settle();
    assert.equal(c.b.received.length, 1, 'injected packets are not forwarded');
    assert.equal(h.relay.stats('a')!.packetsDropped, 2);
    assert.equal(h.relay.stats('a')!.latchedPort, c.a.port);
    h.clock.now += 1; // the latched source has now been silent for more than 2 s
    await intruder.send(tonePacket(3, 'PCMU', 0, 777), c.portA);
    await waitFor('the new source is latched', () => c.b.received.length === 2);
    assert.equal(c.b.received[1]!.header.ssrc, 777);
    assert.equal(h.relay.stats('a')!.latchedPort, intruder.port);
    await c.b.send(tonePacket(0, 'PCMU', 0, 2), c.portB);
    await waitFor('B → the re-latched source', () => intruder.received.length === 1);
  });

  it('stops forwarding while a leg is on hold (sendonly, inactive) and resumes on sendrecv', async () => {
    const c = await call('PCMU', 'PCMU');
    const exchange = async (n: number) => {
      const before = [c.a.received.length, c.b.received.length];
      await c.a.send(tonePacket(n, 'PCMU', 0, 1), c.portA);
      await c.b.send(tonePacket(n, 'PCMU', 0, 2), c.portB);
      await settle();
      return [c.b.received.length - before[1]!, c.a.received.length - before[0]!]; // [A→B, B→A]
    };
    assert.deepEqual(await exchange(0), [1, 1]);
    h.relay.setDirection('a', 'sendonly');
    assert.deepEqual(await exchange(1), [0, 0], 'A holds: neither its stream nor B’s is forwarded');
    h.relay.setDirection('a', 'inactive');
    assert.deepEqual(await exchange(2), [0, 0]);
    h.relay.setDirection('a', 'recvonly');
    assert.deepEqual(await exchange(3), [0, 1], 'recvonly: A hears B, B does not hear A');
    h.relay.setDirection('a', 'sendrecv');
    assert.deepEqual(await exchange(4), [1, 1]);
    assert.equal(h.relay.stats('a')!.packetsIn, 5, 'held packets still count as received (the engine polls lastPacketAt)');
  });

  it('mute: the peer and the mixer get nothing of A, its taps the same packets with a silent payload; unmute restores all', async () => {
    const c = await call('PCMA', 'PCMU');
    const tapped: { seq: number; ts: number; silent: boolean }[] = [];
    let mixed = 0;
    h.relay.setTap('a', (pkt, hd) => tapped.push({ seq: hd.sequenceNumber, ts: hd.timestamp, silent: pkt.subarray(hd.payloadOffset, hd.payloadOffset + hd.payloadLength).every((x) => x === 0xd5) }));
    h.relay.setMixerInput('a', () => mixed++);
    const exchange = async (n: number) => {
      const before = [c.a.received.length, c.b.received.length, mixed];
      await c.a.send(tonePacket(n, 'PCMA', 8, 1), c.portA);
      await c.b.send(tonePacket(n, 'PCMU', 0, 2), c.portB);
      await settle();
      return [c.b.received.length - before[1]!, c.a.received.length - before[0]!, mixed - before[2]!]; // [A→B, B→A, A→mixer]
    };
    assert.deepEqual(await exchange(0), [1, 1, 1]);
    h.relay.setMuted('a', true);
    assert.deepEqual(await exchange(1), [0, 1, 0], 'muted: A still hears B, nobody hears A');
    h.relay.setDirection('a', 'sendonly');
    h.relay.setDirection('a', 'sendrecv');
    assert.deepEqual(await exchange(2), [0, 1, 0], 'a direction change keeps the mute');
    assert.equal(h.relay.direction('a'), 'sendrecv');
    h.relay.setMuted('a', false);
    assert.deepEqual(await exchange(3), [1, 1, 1]);
    assert.deepEqual(tapped, [0, 1, 2, 3].map((n) => ({ seq: 1000 + n, ts: n * 160, silent: n === 1 || n === 2 })), 'every packet tapped, in place, silent while muted');
    assert.notEqual(c.b.received[1]!.payload.every((x) => x === 0xff), true, 'after unmute B gets the tone, not silence');
  });

  it('emits one dtmf event per RFC 4733 event and relays it with the other leg’s payload type', async () => {
    const c = await call('PCMU', 'PCMA', { telephoneEventPayloadType: 101 }, { telephoneEventPayloadType: 96 });
    const events: [string, string, number][] = [];
    h.relay.on('dtmf', (leg, digit, ms) => events.push([leg, digit, ms]));
    const press = async (event: number, timestamp: number, seq: number) => {
      const durations = [160, 320, 480, 640, 640, 640];
      for (let i = 0; i < durations.length; i++) {
        const payload = Buffer.alloc(4);
        serializeTelephoneEvent({ event, end: i >= 3, volume: 10, duration: durations[i]! }, payload);
        await c.a.send(rtpPacket({ payloadType: 101, sequenceNumber: seq + i, timestamp, ssrc: 0xaaaa, marker: i === 0, payload }), c.portA);
      }
    };
    await press(5, 8000, 10);
    await waitFor('6 event packets relayed', () => c.b.received.length === 6);
    assert.deepEqual(events, [['a', '5', 80]]);
    for (const p of c.b.received) {
      assert.equal(p.header.payloadType, 96);
      assert.equal(p.header.timestamp, 8000);
      assert.equal(p.payload[0], 5, 'the event payload is not transcoded');
    }
    await press(11, 9600, 20);
    await waitFor('the second event', () => events.length === 2);
    assert.deepEqual(events[1], ['a', '#', 80]);
    await settle();
    assert.equal(events.length, 2);
  });

  it('reports DTMF but drops the packets when the other leg did not negotiate telephone-event, and while unbridged', async () => {
    const c = await call('PCMU', 'PCMU', { telephoneEventPayloadType: 101 });
    const digits: string[] = [];
    h.relay.on('dtmf', (_leg, digit) => digits.push(digit));
    const payload = Buffer.alloc(4);
    serializeTelephoneEvent({ event: 1, end: true, volume: 10, duration: 800 }, payload);
    await c.a.send(rtpPacket({ payloadType: 101, sequenceNumber: 1, timestamp: 100, ssrc: 1, payload }), c.portA);
    h.relay.unbridge('a');
    assert.equal(h.relay.peerOf('b'), undefined);
    await c.a.send(rtpPacket({ payloadType: 101, sequenceNumber: 2, timestamp: 200, ssrc: 1, payload }), c.portA);
    await waitFor('two digits', () => digits.length === 2);
    await settle();
    assert.deepEqual(digits, ['1', '1']);
    assert.equal(c.b.received.length, 0);
  });

  it('passes RTCP through between the legs’ RTCP ports, latching it too', async () => {
    const a = await h.phone();
    const aRtcp = await h.phone();
    const b = await h.phone();
    const bRtcp = await h.phone();
    const legA = await h.relay.addLeg('a');
    const legB = await h.relay.addLeg('b');
    h.relay.setRemote('a', remote(a, 'PCMU', { rtcpPort: aRtcp.port }));
    h.relay.setRemote('b', remote(b, 'PCMU', { rtcpPort: bRtcp.port }));
    h.relay.bridge('a', 'b');
    // A receiver report (RFC 3550 §6.4.2) with one report block.
    const rr = Buffer.from('81c90007000000aa000000bb00000000000003e80000000000000000000000000', 'hex').subarray(0, 32);
    await aRtcp.send(rr, legA.port + 1);
    await waitFor('RR at B’s RTCP port', () => bRtcp.raw.length === 1);
    assert.deepEqual(bRtcp.raw[0], rr, 'passed through unchanged');
    const sr = Buffer.from('80c80006000000bb' + '00'.repeat(20), 'hex');
    await bRtcp.send(sr, legB.port + 1);
    await waitFor('SR at A’s RTCP port', () => aRtcp.raw.length === 1);
    assert.deepEqual(aRtcp.raw[0], sr);
    h.relay.setDirection('a', 'inactive');
    await aRtcp.send(rr, legA.port + 1);
    await waitFor('RTCP still flows on hold', () => bRtcp.raw.length === 2);
    assert.equal(h.relay.stats('a')!.rtcpPacketsIn, 2);
    assert.equal(h.relay.stats('b')!.rtcpPacketsOut, 2);
    assert.equal(a.raw.length + b.raw.length, 0, 'no RTCP on the RTP ports');
  });

  it('drops garbage on RTP and RTCP ports without throwing, and keeps relaying', async () => {
    const c = await call('PCMU', 'PCMU');
    const garbage = [
      Buffer.from('hello'),
      Buffer.alloc(0),
      Buffer.alloc(11, 0x80),
      Buffer.from('40000001000000020000000300', 'hex'), // version 1
      Buffer.from('8f000001000000020000000300', 'hex'), // 15 CSRCs announced, none there
      Buffer.from('80c90001000000aa', 'hex'), // RTCP on the RTP port
      Buffer.from('000100002112a442000000000000000000000000', 'hex'), // STUN binding request
    ];
    for (const g of garbage) {
      await c.a.send(g, c.portA);
      await c.a.send(g, c.portA + 1);
    }
    await settle();
    assert.equal(c.b.received.length + c.b.raw.length, 0);
    const st = h.relay.stats('a')!;
    assert.equal(st.packetsIn, 0);
    assert.equal(st.latchedPort, undefined, 'garbage does not latch');
    assert.equal(st.packetsDropped, garbage.length * 2 - 1, 'all but the well-formed RR sent to the RTCP port');
    await c.a.send(tonePacket(0, 'PCMU', 0, 1), c.portA);
    await waitFor('relaying continues', () => c.b.received.length === 1);
  });

  it('drops payload types it cannot map, passes comfort noise, and forwards nothing before both remotes are known', async () => {
    const a = await h.phone();
    const b = await h.phone();
    const legA = await h.relay.addLeg('a');
    await h.relay.addLeg('b');
    h.relay.setRemote('a', remote(a, 'PCMU'));
    h.relay.bridge('a', 'b');
    await a.send(tonePacket(0, 'PCMU', 0, 1), legA.port);
    await settle();
    assert.equal(h.relay.stats('a')!.packetsIn, 1);
    h.relay.setRemote('b', remote(b, 'PCMU'));
    await a.send(rtpPacket({ payloadType: 18, sequenceNumber: 2, timestamp: 320, ssrc: 1, payload: Buffer.alloc(20) }), legA.port);
    await a.send(rtpPacket({ payloadType: 13, sequenceNumber: 3, timestamp: 480, ssrc: 1, payload: Buffer.from([40]) }), legA.port);
    await waitFor('CN relayed', () => b.received.length === 1);
    await settle();
    assert.equal(b.received.length, 1);
    assert.equal(b.received[0]!.header.payloadType, 13);
  });

  it('bridging replaces earlier bridges of either leg', async () => {
    const c = await call('PCMU', 'PCMU');
    const d = await h.phone();
    const legC = await h.relay.addLeg('c');
    h.relay.setRemote('c', remote(d, 'PCMU'));
    h.relay.bridge('a', 'c');
    assert.equal(h.relay.peerOf('a'), 'c');
    assert.equal(h.relay.peerOf('b'), undefined);
    await c.a.send(tonePacket(0, 'PCMU', 0, 1), c.portA);
    await d.send(tonePacket(0, 'PCMU', 0, 3), legC.port);
    await waitFor('A ↔ C', () => d.received.length === 1 && c.a.received.length === 1);
    await settle();
    assert.equal(c.b.received.length, 0);
  });

  it('validates its arguments with PbxMediaError codes', async () => {
    await h.relay.addLeg('a');
    await assert.rejects(h.relay.addLeg('a'), (e: unknown) => e instanceof PbxMediaError && e.code === 'MEDIA_LEG_EXISTS');
    assert.throws(() => h.relay.bridge('a', 'a'), (e: unknown) => e instanceof PbxMediaError && e.code === 'MEDIA_INVALID');
    assert.throws(() => h.relay.bridge('a', 'zz'), (e: unknown) => e instanceof PbxMediaError && e.code === 'MEDIA_UNKNOWN_LEG');
    assert.throws(() => h.relay.setRemote('zz', { address: HOST, port: 4000, codec: 'PCMU', payloadType: 0 }), { code: 'MEDIA_UNKNOWN_LEG' });
    assert.throws(() => h.relay.setRemote('a', { address: HOST, port: 70000, codec: 'PCMU', payloadType: 0 }), { code: 'MEDIA_INVALID' });
    assert.throws(() => h.relay.setRemote('a', { address: HOST, port: 4000, codec: 'G729' as Codec, payloadType: 18 }), { code: 'MEDIA_INVALID' });
    assert.throws(() => h.relay.setDirection('zz', 'inactive'), { code: 'MEDIA_UNKNOWN_LEG' });
    assert.equal(h.relay.stats('zz'), undefined);
    h.relay.unbridge('zz');
    h.relay.removeLeg('zz');
  });

  it('releases ports on removeLeg and close, and close is idempotent', async () => {
    const c = await call('PCMU', 'PCMU');
    assert.equal(h.allocator.inUse, 2);
    h.relay.removeLeg('b');
    assert.equal(h.allocator.inUse, 1);
    assert.equal(h.relay.stats('b'), undefined);
    assert.equal(h.relay.peerOf('a'), undefined);
    await c.a.send(tonePacket(0, 'PCMU', 0, 1), c.portA);
    await settle();
    assert.equal(h.relay.stats('a')!.packetsIn, 1, 'the remaining leg still receives');
    await h.relay.addLeg('x');
    const events: string[] = [];
    h.relay.on('dtmf', (_l, d) => events.push(d));
    h.relay.close();
    h.relay.close();
    assert.equal(h.allocator.inUse, 0);
    assert.equal(h.relay.size, 0);
    await assert.rejects(h.relay.addLeg('y'), { code: 'MEDIA_CLOSED' });
    await c.a.send(tonePacket(1, 'PCMU', 0, 1), c.portA);
    await settle();
    assert.deepEqual(events, []);
  });

  it('exhausts its port range with PbxMediaError("no free RTP ports")', async () => {
    const base = await freePortRange(4, { udp: true, tcp: false });
    const allocator = new PortAllocator({ min: base, max: base + 3 }, HOST);
    const relay = new MediaRelay({ allocator, host: HOST });
    try {
      await relay.addLeg('1');
      await relay.addLeg('2');
      await assert.rejects(relay.addLeg('3'), (e: unknown) => e instanceof PbxMediaError && e.message === 'no free RTP ports' && e.code === 'MEDIA_NO_PORTS');
      relay.removeLeg('1');
      await relay.addLeg('3');
      await assert.rejects(relay.addLeg('2'), { code: 'MEDIA_LEG_EXISTS' });
    } finally {
      relay.close();
    }
    assert.equal(allocator.inUse, 0);
  });
});
