// The raw PCM tap and injector over real relay legs and UDP: what a phone
// sends comes out as s16le with the RTP clock's gaps filled; an upload split
// at odd bytes, behind a WAV header, goes to the phone as its own 20 ms RTP
// stream paced at real time, replacing the bridged peer's audio while open.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { linearToUlaw, ulawToLinear } from '../../src/media/g711.ts';
import { PortAllocator } from '../../src/media/port-allocator.ts';
import { MediaRelay } from '../../src/media/relay.ts';
import { PcmTap } from '../../src/media/pcm-tap.ts';
import { PcmInjector } from '../../src/media/pcm-injector.ts';
import { serializeRtpHeader } from '../../src/media/rtp-packet.ts';
import { wavHeader } from '../../src/media/wav-file.ts';
import { freePortRange } from '../peers/ports.ts';
import { HOST, Phone, toneSamples, waitFor } from './phone.ts';

let relay: MediaRelay;
let a: Phone;
let b: Phone;
let portA: number;
let portB: number;

function rtp(seq: number, ts: number, samples: Int16Array): Buffer {
  const buf = Buffer.alloc(12 + samples.length);
  serializeRtpHeader({ payloadType: 0, sequenceNumber: seq, timestamp: ts, ssrc: 0x1234, marker: false }, buf);
  samples.forEach((s, i) => (buf[12 + i] = linearToUlaw(s)));
  return buf;
}

beforeEach(async () => {
  const base = await freePortRange(8, { udp: true, tcp: false });
  relay = new MediaRelay({ allocator: new PortAllocator({ min: base, max: base + 7 }, HOST), host: HOST });
  a = await Phone.open();
  b = await Phone.open();
  portA = (await relay.addLeg('a')).port;
  portB = (await relay.addLeg('b')).port;
  relay.setRemote('a', { address: HOST, port: a.port, codec: 'PCMU', payloadType: 0 });
  relay.setRemote('b', { address: HOST, port: b.port, codec: 'PCMU', payloadType: 0 });
  relay.bridge('a', 'b');
});

afterEach(() => {
  relay.close();
  a.close();
  b.close();
});

describe('PcmTap', () => {
  it('decodes what the phone sends to s16le, fills a lost packet with silence, sits beside setTap', async () => {
    const chunks: Buffer[] = [];
    let recorderPackets = 0;
    relay.setTap('a', () => recorderPackets++);
    const tap = new PcmTap(relay, 'a', (pcm) => chunks.push(pcm));
    assert.equal(tap.attached, true);
    await a.send(rtp(1, 1000, toneSamples(0)), portA);
    await a.send(rtp(3, 1320, toneSamples(320)), portA); // packet 2 lost
    await waitFor('two packets tapped', () => chunks.length === 2, 1000);
    assert.equal(chunks[0]!.length, 320);
    assert.equal(chunks[1]!.length, 640, 'the lost 20 ms come as zeros first');
    assert.ok(chunks[1]!.subarray(0, 320).every((x) => x === 0));
    const s = toneSamples(320);
    for (let i = 0; i < 160; i += 13) assert.equal(chunks[1]!.readInt16LE(320 + i * 2), ulawToLinear(linearToUlaw(s[i]!)));
    assert.equal(recorderPackets, 2, 'the recorder tap still sees every packet');
    await waitFor('forwarded to b', () => b.received.length === 2, 1000);
    tap.close();
    await a.send(rtp(4, 1480, toneSamples(480)), portA);
    await waitFor('third forwarded', () => b.received.length === 3, 1000);
    assert.equal(chunks.length, 2, 'nothing after close');
    assert.equal(new PcmTap(relay, 'nope', () => undefined).attached, false);
  });
});

describe('PcmInjector', () => {
  it('plays an upload split at odd bytes behind a WAV header as 20 ms packets at real time, replacing the peer', async () => {
    const samples = toneSamples(0, 8000, 440); // 1 s
    const pcm = Buffer.alloc(16000);
    samples.forEach((v, i) => pcm.writeInt16LE(v, i * 2));
    const upload = Buffer.concat([wavHeader({ channels: 1, sampleRate: 8000 }, pcm.length), pcm]);
    const injector = new PcmInjector({ relay, legId: 'a' });
    const t0 = Date.now();
    for (let at = 0; at < upload.length; at += 777) injector.write(upload.subarray(at, at + 777));
    assert.equal(injector.formatError, undefined);
    assert.equal(injector.headerDecided, true);
    // b talks meanwhile: a must not hear it while the upload owns its output.
    for (let i = 0; i < 5; i++) await b.send(rtp(i + 1, i * 160, toneSamples(i * 160)), portB);
    await waitFor('50 packets', () => a.received.length >= 50, 3000);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 900, `50 packets took ${String(elapsed)} ms: paced, not a burst`);
    const rx = a.received;
    assert.ok(rx.every((p) => p.header.ssrc !== 0x1234), 'none of b’s packets reached a');
    assert.equal(relay.stats('b')!.packetsIn, 5);
    assert.equal(rx[0]!.header.marker, true);
    rx.slice(0, 50).forEach((p, i) => {
      assert.equal(p.header.ssrc, rx[0]!.header.ssrc);
      assert.equal(p.header.timestamp, (rx[0]!.header.timestamp + i * 160) >>> 0);
      assert.equal(p.payload.length, 160);
      for (let s = 0; s < 160; s += 23) assert.equal(p.payload[s], linearToUlaw(samples[i * 160 + s]!), `packet ${String(i)} sample ${String(s)}`);
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(a.received.length, 50, 'an underrun sends nothing');
    assert.equal(injector.bufferedMs, 0);
    injector.close();
    await b.send(rtp(6, 960, toneSamples(960)), portB);
    await waitFor('b reaches a again once the upload is closed', () => a.received.some((p) => p.header.ssrc === 0x1234), 1000);
  });

  it('refuses a WAV of another format, and closes when the leg goes', async () => {
    const bad = new PcmInjector({ relay, legId: 'a' });
    bad.write(wavHeader({ channels: 1, sampleRate: 16000 }, 320).subarray(0, 20));
    assert.equal(bad.headerDecided, false, 'a partial header waits');
    bad.write(Buffer.concat([wavHeader({ channels: 1, sampleRate: 16000 }, 320).subarray(20), Buffer.alloc(320)]));
    assert.match(bad.formatError ?? '', /16000 Hz/);
    bad.close();
    const injector = new PcmInjector({ relay, legId: 'a' });
    let closed = false;
    injector.on('closed', () => (closed = true));
    injector.write(Buffer.alloc(16000));
    await waitFor('playing', () => a.received.length > 3, 1000);
    relay.removeLeg('a');
    await waitFor('closed with the leg', () => closed, 1000);
  });
});
