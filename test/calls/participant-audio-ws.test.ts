// The native raw-audio WebSocket of a participant, with two baresip phones
// sending tones (101: 500 Hz, 102: 1 kHz): 101's tone read from its socket
// (Goertzel), a 1.7 kHz tone written into 102's socket replacing 101's voice
// at 102's phone while it flows, the sockets closed when the call ends; the
// key rules before the upgrade, text frames refused, and a reader that does
// not read losing the oldest frames instead of growing memory.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.ts';
import { startToneRig, talkingBetween, hangUpAndSettle, type ToneRig, audioFlowsBothWays, lastHeard } from '../helpers/phones.ts';
import { sinePcm, toneShare } from '../helpers/pcm-stream.ts';
import { openAudioSocket } from '../helpers/audio-socket.ts';
import { bandShareIn } from '../peers/audio.ts';
import type { Baresip } from '../peers/baresip.ts';
import { ParticipantAudioSocket, type AudioSocket } from '../../src/api/http/participant-audio-socket.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TONE: Record<string, number> = { '101': 500, '102': 1000 };

describe('native participant audio WebSocket', () => {
  let rig: ToneRig;
  let t: TestServer;
  let control: string;
  let read: string;
  let phones: Record<string, Baresip>;
  before(async () => {
    rig = await startToneRig(TONE, 'sb-audio-ws-');
    ({ t, phones } = rig);
    control = (await t.server.control.keys.create('control', 'bot')).key;
    read = (await t.server.control.keys.create('read', 'wall')).key;
  });
  after(() => rig?.stop());

  /** 101 calls 102 and audio flows both ways. */
  const talk = async () => {
    const c = await talkingBetween(t, phones);
    return { callId: c.callId, up: c.up, p101: c.caller, p102: c.callee };
  };
  const hangUp = () => hangUpAndSettle(t, phones['101']!, phones['102']!);
  const wsUrl = (callId: string, pid: string, query = '') => `${t.base.replace(/^http/, 'ws')}/api/v1/calls/${callId}/participants/${pid}/audio${query}`;

  it("reads 101's tone in 20 ms frames, plays a tone to 102 in place of 101 while it flows, and closes with the call", async () => {
    const { callId, up, p101, p102 } = await talk();
    const from101 = await openAudioSocket(wsUrl(callId, p101, `?key=${control}`));
    await from101.waitFrames(100);
    assert.ok(from101.frames.every((f) => f.length === 320), `every frame is 320 bytes: ${[...new Set(from101.frames.map((f) => f.length))].join()}`);
    const heard = from101.pcm(25);
    assert.ok(toneShare(heard, 500) > 0.8, `101's 500 Hz: ${toneShare(heard, 500).toFixed(2)}`);
    assert.ok(toneShare(heard, 1000) < 0.05, `not 102's 1 kHz: ${toneShare(heard, 1000).toFixed(2)}`);

    const to102 = await openAudioSocket(wsUrl(callId, p102), { authorization: `Bearer ${control}` });
    const playFrom = Date.now();
    await to102.play(sinePcm(1700, 3, 8000));
    const playTo = Date.now() + 100;
    await sleep(2500);
    const endAt = Date.now();
    await hangUp();
    for (const s of [from101, to102]) assert.deepEqual(await s.closed, { code: 1000, reason: 'the participant left or the call ended' });

    const file = await lastHeard(phones['102']!);
    const at = (ms: number) => (ms - up) / 1000;
    const share = (start: number, end: number, hz: number) => bandShareIn(file, at(start), at(end) - at(start), hz - 120, hz + 120);
    const during = { '1700': await share(playFrom + 400, playTo - 300, 1700), '500': await share(playFrom + 400, playTo - 300, 500) };
    assert.ok(during['1700'] > 0.8 && during['500'] < 0.12, `while written, 102 hears the socket's 1.7 kHz and not 101: ${JSON.stringify(during)}`);
    const afterwards = { '1700': await share(playTo + 700, endAt - 300, 1700), '500': await share(playTo + 700, endAt - 300, 500) };
    assert.ok(afterwards['500'] > 0.8 && afterwards['1700'] < 0.12, `once the socket is quiet, 102 hears 101 again: ${JSON.stringify(afterwards)}`);
  });

  it('refuses keys, participants and text frames as it should', async () => {
    const { callId, p101 } = await talk();
    const refused = async (url: string, headers: Record<string, string> = {}) => {
      try {
        (await openAudioSocket(url, headers)).close();
        return 101;
      } catch (err) {
        return (err as { status?: number }).status;
      }
    };
    assert.equal(await refused(wsUrl(callId, p101)), 401);
    assert.equal(await refused(wsUrl(callId, p101, `?key=${read}`)), 403);
    assert.equal(await refused(wsUrl(callId, `${callId}.99`, `?key=${control}`)), 404);
    assert.equal(await refused(wsUrl('77', `77.1`, `?key=${control}`)), 404);
    const s = await openAudioSocket(wsUrl(callId, p101, `?key=${control}`));
    s.send('hello', false);
    assert.equal((await s.closed).code, 1003);
    // Nothing was disturbed: the call talks on.
    await audioFlowsBothWays(t, callId, 'the call still talks');
    await hangUp();
  });

  it('a client that does not read loses the oldest frames; memory stays bounded', async () => {
    const { callId, p101 } = await talk();
    let sent = 0;
    const full: AudioSocket & { bufferedAmount: number } = {
      bufferedAmount: 1_000_000,
      send: () => void sent++,
      ping: () => undefined,
      close: () => undefined,
      terminate: () => undefined,
      on: () => undefined,
    };
    const bridge = new ParticipantAudioSocket(full, t.server.control, callId, p101, t.server.logger, { highWaterBytes: 64 * 1024, maxQueuedFrames: 10, maxAheadMs: 2000, pingIntervalMs: 60_000 });
    await sleep(1500);
    assert.equal(sent, 0, 'nothing handed to a full socket');
    assert.equal(bridge.queuedFrames, 10, 'at most maxQueuedFrames wait');
    assert.ok(bridge.droppedOut > 40, `the oldest frames were dropped: ${String(bridge.droppedOut)}`);
    full.bufferedAmount = 0;
    await sleep(500);
    assert.ok(sent > 20, `frames flow again once the socket drains: ${String(sent)}`);
    bridge.close(1000, 'done');
    await hangUp();
  });
});
