// The player over a real relay leg and UDP: its own RTP stream (SSRC,
// sequence, timestamp, marker), the leg's codec, 20 ms pacing by the clock,
// looping, and an end when the leg goes away.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { linearToAlaw, linearToUlaw } from '../../src/media/g711.ts';
import { PortAllocator } from '../../src/media/port-allocator.ts';
import { MediaRelay } from '../../src/media/relay.ts';
import { RtpPlayer, builtInMusicOnHold, loadAudio } from '../../src/media/player.ts';
import { wavHeader } from '../../src/media/wav-file.ts';
import { freePortRange } from '../peers/ports.ts';
import { HOST, Phone, toneSamples, waitFor } from './phone.ts';

let relay: MediaRelay;
let phone: Phone;
let dir: string;
let legPort: number;

beforeEach(async () => {
  const base = await freePortRange(4, { udp: true, tcp: false });
  relay = new MediaRelay({ allocator: new PortAllocator({ min: base, max: base + 3 }, HOST), host: HOST });
  phone = await Phone.open();
  legPort = (await relay.addLeg('held')).port;
  relay.setRemote('held', { address: HOST, port: phone.port, codec: 'PCMA', payloadType: 8 });
  dir = mkdtempSync(join(tmpdir(), 'sb-play-'));
});

afterEach(() => {
  relay.close();
  phone.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('RtpPlayer', () => {
  it('plays a file once as its own 20 ms RTP stream in the leg’s codec, paced by the clock', async () => {
    const samples = toneSamples(0, 8000, 1000); // 1 s
    let ended = 0;
    const t0 = Date.now();
    const player = new RtpPlayer({ relay, legId: 'held', samples, onEnd: () => ended++ }).start();
    await waitFor('50 packets', () => phone.received.length === 50 && ended === 1, 3000);
    const elapsed = Date.now() - t0;
    const rx = phone.received;
    const first = rx[0]!.header;
    assert.equal(first.marker, true);
    rx.forEach((p, i) => {
      assert.equal(p.header.payloadType, 8, 'PCMA: the leg’s payload type');
      assert.equal(p.header.ssrc, first.ssrc);
      assert.equal(p.header.sequenceNumber, (first.sequenceNumber + i) & 0xffff);
      assert.equal(p.header.timestamp, (first.timestamp + i * 160) >>> 0);
      assert.equal(p.header.marker, i === 0);
      assert.equal(p.payload.length, 160);
      for (let s = 0; s < 160; s += 17) assert.equal(p.payload[s], linearToAlaw(samples[i * 160 + s]!));
    });
    assert.equal(rx[0]!.from.port, legPort, 'sent from the leg’s own port (symmetric RTP)');
    assert.equal(player.packets, 50);
    assert.equal(relay.stats('held')!.packetsOut, 50);
    // Paced: 50 packets of 20 ms take about a second, not a burst.
    assert.ok(elapsed >= 960 && elapsed < 1500, `50 packets took ${elapsed} ms`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(phone.received.length, 50, 'nothing after the end');
  });

  it('loops music, follows a codec change, stops on stop(); and ends when the leg goes', async () => {
    const samples = Int16Array.from({ length: 240 }, (_, i) => (i - 120) * 100); // 30 ms: wraps inside packets
    const t0 = Date.now();
    const player = new RtpPlayer({ relay, legId: 'held', samples, loop: true }).start();
    await waitFor('25 packets', () => phone.received.length >= 25, 3000);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 460, `25 packets took ${elapsed} ms (20 ms each)`);
    for (let i = 0; i < 25; i++) {
      for (let s = 0; s < 160; s++) assert.equal(phone.received[i]!.payload[s], linearToAlaw(samples[(i * 160 + s) % 240]!), `packet ${i} sample ${s}`);
    }
    relay.setRemote('held', { address: HOST, port: phone.port, codec: 'PCMU', payloadType: 0 });
    const n = phone.received.length;
    await waitFor('PCMU packets', () => phone.received.slice(n).some((p) => p.header.payloadType === 0), 1000);
    const u = phone.received.slice(n).find((p) => p.header.payloadType === 0)!;
    const codes = new Set([...samples].map(linearToUlaw));
    assert.ok([...u.payload].every((c) => codes.has(c)), 'µ-law codes of the same samples');
    player.stop();
    await new Promise((r) => setTimeout(r, 60));
    const after = phone.received.length;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(phone.received.length, after, 'silent after stop');

    let ended = false;
    const p2 = new RtpPlayer({ relay, legId: 'held', samples, loop: true, onEnd: () => (ended = true) }).start();
    relay.removeLeg('held');
    await waitFor('end when the leg is gone', () => ended, 1000);
    assert.ok(p2.packets >= 1);
  });

  it('loads 8 kHz mono WAV and raw µ-law, refuses other WAVs; the built-in music is 4 s', async () => {
    const pcm = Buffer.alloc(320);
    for (let i = 0; i < 160; i++) pcm.writeInt16LE(i * 50 - 4000, i * 2);
    writeFileSync(join(dir, 'a.wav'), Buffer.concat([wavHeader({ channels: 1, sampleRate: 8000 }, 320), pcm]));
    assert.deepEqual([...(await loadAudio(join(dir, 'a.wav')))], Array.from({ length: 160 }, (_, i) => i * 50 - 4000));
    writeFileSync(join(dir, 'b.ul'), Buffer.from([0xff, 0x80, 0x00]));
    assert.deepEqual([...(await loadAudio(join(dir, 'b.ul')))], [0, 32124, -32124]);
    writeFileSync(join(dir, 'c.wav'), Buffer.concat([wavHeader({ channels: 2, sampleRate: 8000 }, 320), pcm]));
    await assert.rejects(loadAudio(join(dir, 'c.wav')), /16-bit mono 8 kHz/);
    const moh = builtInMusicOnHold();
    assert.equal(moh.length, 32000);
    assert.ok(moh.some((v) => Math.abs(v) > 5000));
  });
});
