// Mute reaches what is made of a call's audio, not only the other party
// (src/media/README.md "Mute"): baresip phones 101 (500 Hz) and 102 (1 kHz)
// talk, the call is recorded and 101's raw audio read from its native
// WebSocket; 101 is muted mid-call, then unmuted. The recording holds what
// the parties heard — 101's tone only outside the muted span, 102's
// throughout — and the tap of 101 goes on at real time carrying silence.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, type TestServer } from '../helpers/server.ts';
import { startToneRig, talkingBetween, hangUpAndSettle, eventually, type ToneRig } from '../helpers/phones.ts';
import { openAudioSocket } from '../helpers/audio-socket.ts';
import { toneShare } from '../helpers/pcm-stream.ts';
import { bandShareIn } from '../peers/audio.ts';
import type { Baresip } from '../peers/baresip.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TONE: Record<string, number> = { '101': 500, '102': 1000 };

describe('mute in recordings and raw audio taps', () => {
  let rig: ToneRig;
  let t: TestServer;
  let dir: string;
  let phones: Record<string, Baresip>;
  before(async () => {
    rig = await startToneRig(TONE, 'sb-mute-rec-');
    ({ t, dir, phones } = rig);
  });
  after(() => rig?.stop());

  const post = (path: string) => api(t.base, t.adminKey, 'POST', path);

  it("the recording has 101's tone only outside the muted span; 101's tap carries silence at real time meanwhile", async () => {
    const { callId, caller: p101 } = await talkingBetween(t, phones);
    const tap = await openAudioSocket(`${t.base.replace(/^http/, 'ws')}/api/v1/calls/${callId}/participants/${p101}/audio?key=${t.adminKey}`);
    await tap.waitFrames(25);
    assert.equal((await post(`/api/v1/calls/${callId}/record/start`)).status, 202);
    const recordAt = Date.now();
    await sleep(3000);

    assert.equal((await post(`/api/v1/calls/${callId}/participants/${p101}/mute`)).status, 202);
    const mutedAt = Date.now();
    const mutedFrame = tap.frames.length;
    await sleep(3000);
    const mutedFrames = tap.frames.length - mutedFrame;
    const unmuteFrame = tap.frames.length;
    assert.equal((await post(`/api/v1/calls/${callId}/participants/${p101}/unmute`)).status, 202);
    const unmutedAt = Date.now();
    await sleep(3000);
    const afterFrames = tap.frames.slice(unmuteFrame);
    assert.equal((await post(`/api/v1/calls/${callId}/record/stop`)).status, 202);
    const stopAt = Date.now();
    tap.close();
    await hangUpAndSettle(t, phones['101']!, phones['102']!);

    // The tap: 20 ms frames keep coming while muted (≈150 in 3 s), and they are silence.
    assert.ok(mutedFrames >= 110, `${mutedFrames} frames from 101's tap in 3 s muted: the stream kept its clock`);
    const muted = Buffer.concat(tap.frames.slice(mutedFrame + 10, mutedFrame + mutedFrames - 5));
    let peak = 0;
    for (let i = 0; i < muted.length; i += 2) peak = Math.max(peak, Math.abs(muted.readInt16LE(i)));
    assert.ok(peak <= 8, `101's tap while muted peaks at ${peak} (G.711 silence decodes to 0 or 8)`);
    const unmuted = Buffer.concat(afterFrames.slice(25));
    assert.ok(toneShare(unmuted, 500) > 0.8, `101's tone on its tap after unmute: ${toneShare(unmuted, 500).toFixed(2)}`);

    // The recording: its WAV (the MP3's source, same timeline from start to stop).
    const rec = await eventually(async () => {
      const rows = (await api(t.base, t.adminKey, 'GET', `/api/v1/recordings?callId=${callId}`)).body as any[];
      return rows.length === 1 ? rows[0] : undefined;
    }, 20_000, 'a recording row');
    const wav = await fetch(`${t.base}${String(rec.link).replace(/\.mp3$/, '.wav')}`);
    assert.equal(wav.status, 200);
    const file = join(dir, 'muted.wav');
    writeFileSync(file, Buffer.from(await wav.arrayBuffer()));
    const at = (ms: number) => (ms - recordAt) / 1000;
    const shares = async (from: number, to: number) => {
      const out: Record<string, number> = {};
      for (const [dn, hz] of Object.entries(TONE)) out[dn] = Math.round((await bandShareIn(file, at(from) + 0.4, at(to) - at(from) - 0.8, hz - 120, hz + 120)) * 100);
      return out;
    };
    const before = await shares(recordAt, mutedAt);
    const during = await shares(mutedAt, unmutedAt);
    const afterwards = await shares(unmutedAt, stopAt);
    const shown = JSON.stringify({ before, during, afterwards });
    assert.ok(before['101']! >= 35 && before['102']! >= 35, `both tones before the mute: ${shown} (% of RMS per tone)`);
    assert.ok(during['101']! <= 12 && during['102']! >= 80, `only 102's tone while 101 is muted: ${shown}`);
    assert.ok(afterwards['101']! >= 35 && afterwards['102']! >= 35, `both tones after unmute: ${shown}`);
  });
});
