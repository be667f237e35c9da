// The recorder fed by relay taps, with real RTP over UDP on 127.0.0.1 and a
// clock the test moves: sample-exact placement by RTP timestamp, silence
// where no packet came, length = the recorder's time, a valid file mid-call.
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ULAW_TO_LINEAR, ALAW_TO_LINEAR } from '../../src/media/g711.ts';
import { PortAllocator } from '../../src/media/port-allocator.ts';
import { MediaRelay, type Codec } from '../../src/media/relay.ts';
import { WavRecorder } from '../../src/media/recorder.ts';
import { parseWav } from '../../src/media/wav-file.ts';
import { freePortRange } from '../peers/ports.ts';
import { bandRmsRatio, soxStat } from '../peers/audio.ts';
import { HOST, Phone, encode, rtpPacket, toneSamples, waitFor } from './phone.ts';

let relay: MediaRelay;
let clock: { now: number };
let phones: Phone[];
let dir: string;
let a: Phone;
let b: Phone;
let portA: number;
let portB: number;

beforeEach(async () => {
  const base = await freePortRange(8, { udp: true, tcp: false });
  clock = { now: 5_000_000 };
  relay = new MediaRelay({ allocator: new PortAllocator({ min: base, max: base + 7 }, HOST), host: HOST, now: () => clock.now });
  dir = mkdtempSync(join(tmpdir(), 'sb-rec-'));
  a = await Phone.open();
  b = await Phone.open();
  phones = [a, b];
  portA = (await relay.addLeg('a')).port;
  portB = (await relay.addLeg('b')).port;
  relay.setRemote('a', { address: HOST, port: a.port, codec: 'PCMU', payloadType: 0 });
  relay.setRemote('b', { address: HOST, port: b.port, codec: 'PCMA', payloadType: 8 });
  relay.bridge('a', 'b');
});

afterEach(() => {
  relay.close();
  for (const p of phones) p.close();
  rmSync(dir, { recursive: true, force: true });
});

function packet(n: number, codec: Codec, hz: number, ssrc: number, tsBase = 0): Buffer {
  return rtpPacket({ payloadType: codec === 'PCMU' ? 0 : 8, sequenceNumber: n & 0xffff, timestamp: (tsBase + n * 160) >>> 0, ssrc, payload: encode(toneSamples(n * 160, 160, hz), codec) });
}

/** Sends packets [from, to) of a tone, waits until the relay has them all, then moves the clock 20 ms per packet. */
async function burst(phone: Phone, port: number, leg: string, from: number, to: number, codec: Codec, hz: number, ssrc: number, tsBase = 0): Promise<void> {
  const before = relay.stats(leg)!.packetsIn;
  for (let n = from; n < to; n++) await phone.send(packet(n, codec, hz, ssrc, tsBase), port);
  await waitFor(`${String(to - from)} packets on ${leg}`, () => relay.stats(leg)!.packetsIn === before + to - from);
}

/** The expected decoded sample k of a G.711-coded tone. */
function expected(k: number, codec: Codec, hz: number): number {
  const code = encode(toneSamples(k, 1, hz), codec)[0]!;
  return codec === 'PCMU' ? ULAW_TO_LINEAR[code]! : ALAW_TO_LINEAR[code]!;
}

function samples(path: string): { channels: number; rate: number; pcm: Int16Array } {
  const buf = readFileSync(path);
  const w = parseWav(buf);
  assert.ok(w, 'a WAV file');
  const pcm = new Int16Array(w.dataBytes / 2);
  for (let i = 0; i < pcm.length; i++) pcm[i] = buf.readInt16LE(w.dataOffset + i * 2);
  return { channels: w.channels, rate: w.sampleRate, pcm };
}

describe('WavRecorder on relay taps', () => {
  it('stereo: each direction in its channel, placed by RTP timestamp, silence in a gap, length = time recorded', async () => {
    const rec = await WavRecorder.open({ path: join(dir, 'r.wav'), channels: 2, now: () => clock.now, latencyMs: 100, flushIntervalMs: 10 });
    relay.setTap('a', rec.tap(0));
    relay.setTap('b', rec.tap(1));
    // 0–1 s: A talks (1 kHz µ-law); from 0.5 s B too (500 Hz A-law).
    for (let t = 0; t < 50; t += 10) {
      await burst(a, portA, 'a', t, t + 10, 'PCMU', 1000, 0xa1);
      if (t >= 20) await burst(b, portB, 'b', t - 20, t - 10, 'PCMA', 500, 0xb1);
      clock.now += 200;
    }
    // 1–1.5 s: A silent (its timestamps run on: RFC 3550 §5.1), B goes on.
    for (let t = 30; t < 55; t += 5) {
      await burst(b, portB, 'b', t, t + 5, 'PCMA', 500, 0xb1);
      clock.now += 100;
    }
    // 1.5–2 s: A again, its timestamps 0.5 s further on.
    await burst(a, portA, 'a', 75, 100, 'PCMU', 1000, 0xa1);
    clock.now += 500;
    const result = await rec.stop();
    assert.equal(result.durationMs, 2000);
    assert.deepEqual(result.packets, [75, 55]);
    const { channels, rate, pcm } = samples(result.path);
    assert.equal(channels, 2);
    assert.equal(rate, 8000);
    assert.equal(pcm.length, 2 * 16000, '2 s of stereo frames');
    assert.equal(result.fileBytes, 44 + 4 * 16000);
    const left = (k: number) => pcm[2 * k]!;
    const right = (k: number) => pcm[2 * k + 1]!;
    for (let k = 0; k < 8000; k++) assert.equal(left(k), expected(k, 'PCMU', 1000), `left sample ${k}`);
    for (let k = 8000; k < 12000; k++) assert.equal(left(k), 0, `left silent at ${k}`);
    for (let k = 12000; k < 16000; k++) assert.equal(left(k), expected(k, 'PCMU', 1000), `left sample ${k}`);
    // B's first packet arrived at 0.4 s: that anchors its timeline.
    for (let k = 0; k < 3200; k++) assert.equal(right(k), 0, `right silent at ${k}`);
    for (let k = 3200; k < 3200 + 55 * 160; k++) assert.equal(right(k), expected(k - 3200, 'PCMA', 500), `right sample ${k}`);
    assert.equal((await soxStat(result.path)).lengthSeconds, 2, 'sox reads 2 s');
  });

  it('mono: both directions mixed sample by sample; a new SSRC re-anchors on arrival', async () => {
    const rec = await WavRecorder.open({ path: join(dir, 'm.wav'), now: () => clock.now, latencyMs: 100, flushIntervalMs: 10 });
    relay.setTap('a', rec.tap(0));
    relay.setTap('b', rec.tap(1));
    await burst(a, portA, 'a', 0, 10, 'PCMU', 1000, 1);
    await burst(b, portB, 'b', 0, 10, 'PCMA', 500, 2);
    clock.now += 200;
    // A restarts its stream: new SSRC, unrelated timestamps.
    await burst(a, portA, 'a', 0, 10, 'PCMU', 1000, 3, 123_456_789);
    clock.now += 200;
    const result = await rec.stop();
    assert.equal(result.durationMs, 400);
    const { channels, pcm } = samples(result.path);
    assert.equal(channels, 1);
    assert.equal(pcm.length, 3200);
    for (let k = 0; k < 1600; k++) {
      const v = expected(k, 'PCMU', 1000) + expected(k, 'PCMA', 500);
      assert.equal(pcm[k], Math.max(-32768, Math.min(32767, v)), `mixed sample ${k}`);
    }
    for (let k = 1600; k < 3200; k++) assert.equal(pcm[k], expected(k - 1600, 'PCMU', 1000), `re-anchored sample ${k}`);
  });

  it('keeps the file a valid WAV while recording, and the relay still forwards every packet', async () => {
    const rec = await WavRecorder.open({ path: join(dir, 'live.wav'), now: () => clock.now, latencyMs: 0, flushIntervalMs: 10, headerIntervalMs: 20 });
    relay.setTap('a', rec.tap(0));
    for (let t = 0; t < 50; t += 10) {
      await burst(a, portA, 'a', t, t + 10, 'PCMU', 1000, 7);
      clock.now += 200;
    }
    await waitFor('B got every packet', () => b.received.length === 50);
    // Let the flush and the header rewrite run, then read the file as a crash would leave it.
    await new Promise((r) => setTimeout(r, 120));
    const live = parseWav(readFileSync(join(dir, 'live.wav')));
    assert.ok(live);
    assert.equal(live.dataBytes, 16000, 'header says 1 s of samples');
    const stat = await soxStat(join(dir, 'live.wav'));
    assert.equal(stat.lengthSeconds, 1);
    assert.ok((await bandRmsRatio(join(dir, 'live.wav'), 900, 1100)) > 0.9, 'the 1 kHz tone');
    relay.setTap('a', undefined);
    await burst(a, portA, 'a', 50, 60, 'PCMU', 1000, 7);
    clock.now += 200;
    const result = await rec.stop();
    assert.equal(result.packets[0], 50, 'no packets after the tap was cleared');
    assert.equal(result.durationMs, 1200);
    assert.equal(relay.setTap('gone', undefined), false);
  });
});
