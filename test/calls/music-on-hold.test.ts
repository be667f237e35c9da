// Music on hold with real phones: the held party hears the configured music
// (a 400 Hz file here) while on hold, the other party's tone before and after.
// A phone holding (re-INVITE sendonly) puts the *other* side on hold; the API
// holding a participant puts *that* participant on hold.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually, lastHeard } from '../helpers/phones.ts';
import { makeSilenceWav, makeToneWav, soxStat, bandShareIn } from '../peers/audio.ts';
import type { Baresip } from '../peers/baresip.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('music on hold', () => {
  let t: TestServer;
  let dir: string;
  let caller: Baresip;
  let callee: Baresip;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-moh-'));
    const moh = join(dir, 'moh.wav');
    await makeToneWav(moh, { hz: 400, seconds: 2, volume: 0.4 });
    const silence = join(dir, 'silence.wav');
    await makeSilenceWav(silence);
    t = await startTestServer({ SWITCHBOARD_MOH_FILE: moh });
    caller = await registeredPhone(t, '101', { toneHz: 1000, answermode: 'auto' });
    callee = await registeredPhone(t, '102', { audioFile: silence, answermode: 'auto' });
  });
  after(async () => {
    await caller?.stop();
    await callee?.stop();
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function connect(): Promise<string> {
    const up = Promise.all([caller.waitForType('CALL_ESTABLISHED', 10_000), callee.waitForType('CALL_ESTABLISHED', 10_000)]);
    await caller.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await up;
    return ((await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as any[])[0].id as string;
  }

  async function hangup(): Promise<void> {
    const closed = callee.waitForType('CALL_CLOSED', 10_000);
    await caller.hangup();
    await closed;
  }

  it('a phone holds: the other side hears the music during the hold, the tone before and after', async () => {
    await connect();
    await sleep(1000);
    await caller.hold();
    await sleep(3000);
    await caller.resume();
    await sleep(1500);
    await hangup();
    const heard = await lastHeard(callee);
    const before = await bandShareIn(heard, 0.2, 0.6, 900, 1100);
    const during = await bandShareIn(heard, 1.6, 2, 300, 500);
    const stat = await soxStat(heard);
    const end = await bandShareIn(heard, stat.lengthSeconds - 0.8, 0.6, 900, 1100);
    assert.ok(before > 0.9, `before the hold ${Math.round(before * 100)}% near 1 kHz`);
    assert.ok(during > 0.9, `during the hold ${Math.round(during * 100)}% near 400 Hz (the music)`);
    assert.ok(end > 0.9, `after the resume ${Math.round(end * 100)}% near 1 kHz`);
    // The music filled the hold: the phone received frames all along (baresip's file has only received frames).
    assert.ok(stat.lengthSeconds > 5, `received ${stat.lengthSeconds} s of audio over ~5.5 s`);
    assert.equal(t.server.sip.musicOnHold.size, 0, 'no player left');
  });

  it('the API holds a participant: a player streams to that participant while the relay forwards nothing to it', async () => {
    // baresip 1.0 stops writing what it hears (its -dec.wav) once it gets a re-INVITE,
    // so the held phone's ears cannot be checked here; the RTP it is sent can.
    const callId = await connect();
    const call = (await api(t.base, t.adminKey, 'GET', `/api/v1/calls/${callId}`)).body;
    const pid = call.participants.find((p: any) => p.dn === '102').id as string;
    const media = t.server.sip.b2bua.get(callId)!.mediaTap();
    const leg = media.callee!;
    await sleep(500);
    assert.equal((await api(t.base, t.adminKey, 'POST', `/api/v1/calls/${callId}/participants/${pid}/hold`)).status, 202);
    await eventually(async () => t.server.sip.musicOnHold.size === 1, 3000, 'a player');
    assert.equal(media.relay.direction(leg), 'inactive', 'the relay forwards nothing to the held leg');
    const before = media.relay.stats(leg)!.packetsOut;
    await sleep(2000);
    const sent = media.relay.stats(leg)!.packetsOut - before;
    assert.ok(sent >= 90 && sent <= 110, `${sent} packets in 2 s to the held phone (50 per second)`);
    assert.equal((await api(t.base, t.adminKey, 'POST', `/api/v1/calls/${callId}/participants/${pid}/resume`)).status, 202);
    await eventually(async () => t.server.sip.musicOnHold.size === 0, 3000, 'the player stopped');
    await sleep(500);
    await hangup();
  });
});
