// The mixer over real relay legs and UDP: fake phones send RTP tones of their
// own frequency; what each phone receives is decoded and measured (Goertzel)
// for every frequency. Conference, listen, whisper, jitter, a silent member,
// mixed laws, and the recording tap.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR } from '../../src/media/g711.ts';
import { PortAllocator } from '../../src/media/port-allocator.ts';
import { MediaRelay, type Codec } from '../../src/media/relay.ts';
import { AudioMixer } from '../../src/media/mixer.ts';
import { freePortRange } from '../peers/ports.ts';
import { HOST, Phone, encode, rtpPacket, toneSamples, waitFor } from './phone.ts';

const AMP = 6000;
// Whole cycles per 20 ms frame (multiples of 50 Hz): a skipped frame leaves the phase of the
// rest intact, so the whole-window Goertzel measure is not fooled by cancellation.
const HZ: Record<string, number> = { a: 450, b: 1000, c: 1700 };
const PT: Record<Codec, number> = { PCMU: 0, PCMA: 8 };

interface Member {
  phone: Phone;
  port: number;
  codec: Codec;
}

let relay: MediaRelay;
let mixer: AudioMixer;
let members: Record<string, Member>;
let senders: NodeJS.Timeout[];

async function member(id: string, codec: Codec): Promise<Member> {
  const phone = await Phone.open();
  const { port } = await relay.addLeg(id);
  relay.setRemote(id, { address: HOST, port: phone.port, codec, payloadType: PT[codec] });
  return { phone, port, codec };
}

/** Sends `id`'s tone every 20 ms; `order` may shuffle each pair of packets (jitter and reordering). */
function talk(id: string, opts: { burst?: boolean } = {}): void {
  const m = members[id]!;
  const ssrc = 0x1000 + id.charCodeAt(0);
  let n = 0;
  const packet = (k: number): Buffer => rtpPacket({ payloadType: PT[m.codec], sequenceNumber: k & 0xffff, timestamp: (k * 160) >>> 0, ssrc, payload: encode(toneSamples(k * 160, 160, HZ[id]!, AMP), m.codec) });
  if (opts.burst) {
    // Two packets every 40 ms, the second first: 20 ms of jitter and reordering.
    const t0 = Date.now();
    senders.push(
      setInterval(() => {
        while (n + 1 <= (Date.now() - t0) / 20) {
          void m.phone.send(packet(n + 1), m.port);
          void m.phone.send(packet(n), m.port);
          n += 2;
        }
      }, 40),
    );
    return;
  }
  // Paced by the clock, as a phone's sound card is, whatever the timer's lateness on a loaded machine.
  const t0 = Date.now();
  senders.push(
    setInterval(() => {
      while (n <= (Date.now() - t0) / 20) void m.phone.send(packet(n++), m.port);
    }, 20),
  );
}

/** What a phone heard after the first 200 ms (the jitter buffer filling), as linear samples. */
function heard(id: string): Int16Array {
  const m = members[id]!;
  const rx = m.phone.received.slice(10);
  const out = new Int16Array(rx.length * 160);
  rx.forEach((p, k) => {
    const table = p.header.payloadType === 8 ? ALAW_TO_LINEAR : ULAW_TO_LINEAR;
    for (let i = 0; i < p.payload.length; i++) out[k * 160 + i] = table[p.payload[i]!]!;
  });
  return out;
}

/** Amplitude of the `hz` component of `s` (Goertzel). */
function amplitude(s: Int16Array, hz: number): number {
  const w = (2 * Math.PI * hz) / 8000;
  const coeff = 2 * Math.cos(w);
  let q1 = 0;
  let q2 = 0;
  for (const x of s) {
    const q0 = coeff * q1 - q2 + x;
    q2 = q1;
    q1 = q0;
  }
  const power = q1 * q1 + q2 * q2 - coeff * q1 * q2;
  return (2 * Math.sqrt(Math.max(0, power))) / s.length;
}

function levels(id: string): Record<string, number> {
  const s = heard(id);
  return Object.fromEntries(Object.entries(HZ).map(([k, hz]) => [k, Math.round(amplitude(s, hz))]));
}

async function run(ms: number, who: string[] = ['a', 'b', 'c']): Promise<void> {
  await waitFor(`${ms} ms of mixing`, () => who.every((id) => members[id]!.phone.received.length >= ms / 20), ms + 2000);
}

// 0.6, not ~1: on a loaded machine a stalled event loop skips frames (silence) now and then.
const hears = (l: Record<string, number>, k: string) => assert.ok(l[k]! > AMP * 0.6, `hears ${k}: ${JSON.stringify(l)}`);
const deaf = (l: Record<string, number>, k: string) => assert.ok(l[k]! < AMP * 0.03, `does not hear ${k}: ${JSON.stringify(l)}`);

beforeEach(async () => {
  const base = await freePortRange(8, { udp: true, tcp: false });
  relay = new MediaRelay({ allocator: new PortAllocator({ min: base, max: base + 7 }, HOST), host: HOST });
  mixer = new AudioMixer();
  senders = [];
  members = { a: await member('a', 'PCMU'), b: await member('b', 'PCMA'), c: await member('c', 'PCMU') };
});

afterEach(() => {
  for (const s of senders) clearInterval(s);
  mixer.close();
  relay.close();
  for (const m of Object.values(members)) m.phone.close();
});

describe('AudioMixer', () => {
  it('speak+hear: each member hears the two others and not itself, in its own law and stream', async () => {
    for (const id of ['a', 'b', 'c']) mixer.add(id, relay, id);
    for (const id of ['a', 'b', 'c']) talk(id);
    await run(1200);
    const a = levels('a');
    hears(a, 'b');
    hears(a, 'c');
    deaf(a, 'a');
    const b = levels('b');
    hears(b, 'a');
    hears(b, 'c');
    deaf(b, 'b');
    const c = levels('c');
    hears(c, 'a');
    hears(c, 'b');
    deaf(c, 'c');
    // B negotiated PCMA: its stream is A-law; every stream is the mixer's own (one SSRC, consecutive sequence, 160-sample steps, marker first).
    const rx = members.b!.phone.received;
    assert.ok(rx.every((p) => p.header.payloadType === 8 && p.header.ssrc === rx[0]!.header.ssrc));
    assert.equal(rx[0]!.header.marker, true);
    // Sequence and timestamp advance together (a stalled event loop may skip frames: a gap in both).
    for (let i = 1; i < rx.length; i++) {
      const steps = (rx[i]!.header.sequenceNumber - rx[i - 1]!.header.sequenceNumber) & 0xffff;
      assert.ok(steps >= 1 && steps < 100, `sequence step ${steps}`);
      assert.equal(rx[i]!.header.timestamp, (rx[i - 1]!.header.timestamp + steps * 160) >>> 0);
    }
    assert.equal(rx[0]!.from.port, members.b!.port, 'sent from the leg’s own port');
    assert.notEqual(members.a!.phone.received[0]!.header.ssrc, rx[0]!.header.ssrc, 'one stream per member');
  });

  it('hear (listen): the listener hears both others, nobody hears the listener', async () => {
    mixer.add('a', relay, 'a');
    mixer.add('b', relay, 'b');
    mixer.add('c', relay, 'c', 'hear');
    for (const id of ['a', 'b', 'c']) talk(id);
    await run(1200);
    const a = levels('a');
    hears(a, 'b');
    deaf(a, 'c');
    const b = levels('b');
    hears(b, 'a');
    deaf(b, 'c');
    const c = levels('c');
    hears(c, 'a');
    hears(c, 'b');
    deaf(c, 'c');
  });

  it('whisper: only the target hears the whisperer; the whisperer hears everyone; the mode can change', async () => {
    mixer.add('a', relay, 'a');
    mixer.add('b', relay, 'b');
    mixer.add('c', relay, 'c', 'whisper', 'a');
    for (const id of ['a', 'b', 'c']) talk(id);
    await run(1200);
    const a = levels('a');
    hears(a, 'b');
    hears(a, 'c');
    const b = levels('b');
    hears(b, 'a');
    deaf(b, 'c');
    const c = levels('c');
    hears(c, 'a');
    hears(c, 'b');
    deaf(c, 'c');
    // Whisper becomes barge-in: now B hears C too.
    mixer.setMode('c', 'speak+hear');
    const from = members.b!.phone.received.length;
    await waitFor('another second', () => members.b!.phone.received.length >= from + 50, 3000);
    members.b!.phone.received.splice(0, from);
    hears(levels('b'), 'c');
    assert.throws(() => mixer.setMode('c', 'whisper'), /target/);
    assert.throws(() => mixer.setMode('c', 'whisper', 'c'), /target/);
  });

  it('jitter: bursts and reordering come out as a clean tone; a member that sends nothing contributes silence', async () => {
    for (const id of ['a', 'b', 'c']) mixer.add(id, relay, id);
    talk('a', { burst: true });
    // b sends nothing at all, c talks normally.
    talk('c');
    await run(1500);
    const b = levels('b');
    hears(b, 'a');
    hears(b, 'c');
    const c = levels('c');
    hears(c, 'a');
    deaf(c, 'b');
    // The bursty stream needed no re-anchoring: 20 ms of jitter fits the buffer.
    const info = mixer.info().find((m) => m.id === 'a')!;
    assert.ok(info.packetsIn >= 70, `${info.packetsIn} packets mixed from a`);
    // Without a single packet from b, b was still sent a full stream.
    assert.ok(members.b!.phone.received.length >= 70);
  });

  it('the tap gets the mix of everyone who speaks, not listeners; remove and close stop the streams', async () => {
    mixer.add('a', relay, 'a');
    mixer.add('b', relay, 'b');
    mixer.add('c', relay, 'c', 'hear');
    const tapped: Int16Array[] = [];
    mixer.setTap((packet, h, codec) => {
      assert.equal(codec, 'PCMU');
      tapped.push(Int16Array.from(packet.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength), (x) => ULAW_TO_LINEAR[x]!));
    });
    for (const id of ['a', 'b', 'c']) talk(id);
    await run(1200);
    const mix = new Int16Array(tapped.length * 160);
    tapped.forEach((f, i) => mix.set(f, i * 160));
    const got = mix.subarray(1600);
    assert.ok(amplitude(got, HZ.a!) > AMP * 0.6 && amplitude(got, HZ.b!) > AMP * 0.6, 'both talkers in the mix');
    assert.ok(amplitude(got, HZ.c!) < AMP * 0.03, 'not the listener');

    mixer.remove('b');
    await new Promise((r) => setTimeout(r, 100));
    const nb = members.b!.phone.received.length;
    const na = members.a!.phone.received.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(members.b!.phone.received.length, nb, 'a removed member is sent nothing');
    assert.ok(members.a!.phone.received.length >= na + 10, 'the others go on');
    mixer.close();
    mixer.close();
    await new Promise((r) => setTimeout(r, 60));
    const after = members.a!.phone.received.length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(members.a!.phone.received.length, after, 'a closed mixer sends nothing');
    assert.throws(() => mixer.add('d', relay, 'b'), /closed/);
  });

  it('continues the stream a phone was hearing: the partner’s SSRC, the next sequence numbers and timestamps', async () => {
    mixer.add('a', relay, 'a', 'speak+hear', undefined, { continues: 'b' });
    mixer.add('b', relay, 'b', 'speak+hear', undefined, { continues: 'a' });
    talk('b');
    await waitFor('packets to a', () => members.a!.phone.received.length >= 20, 3000);
    const rx = members.a!.phone.received;
    const bSsrc = 0x1000 + 'b'.charCodeAt(0);
    assert.ok(rx.every((p) => p.header.ssrc === bSsrc), 'b’s SSRC');
    assert.ok(rx.every((p) => !p.header.marker), 'no new talkspurt');
    // b's packets k carry sequence k and timestamp 160k: a's stream takes up right after one of them.
    const first = rx[0]!.header;
    assert.equal(first.timestamp, first.sequenceNumber * 160, 'timestamp follows on from the sequence number');
    for (let i = 1; i < rx.length; i++) {
      const steps = (rx[i]!.header.sequenceNumber - rx[i - 1]!.header.sequenceNumber) & 0xffff;
      assert.ok(steps >= 1 && steps < 100 && rx[i]!.header.timestamp === ((rx[i - 1]!.header.timestamp + steps * 160) >>> 0), `step ${steps}`);
    }
    // a sent nothing: b gets the mixer's own stream after waiting 500 ms for one.
    await waitFor('packets to b', () => members.b!.phone.received.length >= 5, 4000);
    assert.equal(members.b!.phone.received[0]!.header.marker, true);
    hears(levels('a'), 'b');
  });

  it('refuses unknown legs, duplicate ids and whispers without a target', () => {
    assert.throws(() => mixer.add('x', relay, 'nope'), /no media leg/);
    mixer.add('a', relay, 'a');
    assert.throws(() => mixer.add('a', relay, 'b'), /already exists/);
    assert.throws(() => mixer.add('b', relay, 'b', 'whisper'), /target/);
    assert.equal(mixer.size, 1);
  });
});
