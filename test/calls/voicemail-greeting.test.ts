// The box owner's greeting: uploaded as WAV through the API (only the format
// a phone line carries is taken), played to a caller instead of the spoken
// one — 101 hears its 1,300 Hz tone — and removed again; or recorded from
// the phone in the *97 mailbox (9, speak after the beep, #). And the date and
// time a message was left, as the mailbox says it (seed 000 vmplaydatetime).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { registeredPhone, lastHeard, eventually } from '../helpers/phones.ts';
import { bandRmsRatio, soxStat } from '../peers/audio.ts';
import { wavHeader } from '../../src/media/wav-file.ts';
import { spokenDateTime } from '../../src/engine/features/voicemail.ts';
import type { Baresip } from '../peers/baresip.ts';

function toneWav(hz: number, seconds: number, rate = 8000, channels = 1): Buffer {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2 * channels);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)), (i * channels + c) * 2);
  return Buffer.concat([wavHeader({ channels, sampleRate: rate }, data.length), data]);
}

describe('voicemail greeting', () => {
  let t: TestServer;
  let p101: Baresip | undefined;
  const put = (key: string, body: Buffer | string, type = 'audio/wav') =>
    fetch(`${t.base}/api/v1/extensions/102/voicemail/greeting`, { method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': type }, body });

  before(async () => {
    t = await startTestServer();
    const set = await api(t.base, t.adminKey, 'PATCH', '/api/v1/extensions/102', {
      vmEnabled: true,
      forwarding: [{ profile: 'Available', condition: 'notRegistered', destination: { type: 'voicemail', number: '102' } }],
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
  });
  after(async () => {
    await p101?.stop();
    await t.stop();
  });

  it('only 16-bit mono 8 kHz PCM WAV is taken, by a control key; nothing changes otherwise', async () => {
    const ro = (await t.server.control.keys.create('read', 'ro')).key;
    assert.equal((await put(ro, toneWav(1300, 1))).status, 403);
    const cd = await put(t.adminKey, toneWav(1300, 1, 44100, 2));
    assert.equal(cd.status, 415);
    assert.match(((await cd.json()) as { detail: string }).detail, /16-bit mono 8 kHz/);
    assert.equal((await put(t.adminKey, 'hello', 'text/plain')).status, 415);
    assert.equal((await put(t.adminKey, Buffer.from('RIFF....WAVEjunk'))).status, 415);
    assert.equal((await put(t.adminKey, toneWav(1300, 0.05))).status, 400, 'too short');
    assert.equal((await put(t.adminKey, Buffer.alloc(5 * 1024 * 1024))).status, 413);
    assert.equal((await fetch(`${t.base}/api/v1/extensions/999/voicemail/greeting`, { method: 'PUT', headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'audio/wav' }, body: toneWav(1300, 1) })).status, 404);
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/102/voicemail/greeting')).status, 404, 'no greeting yet');
  });

  it('a caller hears the uploaded greeting instead of the spoken one; DELETE goes back', { timeout: 60_000 }, async () => {
    const wav = toneWav(1300, 1.5);
    const res = await put(t.adminKey, wav);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { size: wav.length, contentType: 'audio/wav' });
    const got = await fetch(`${t.base}/api/v1/extensions/102/voicemail/greeting`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(wav), 'the same bytes back');

    p101 = await registeredPhone(t, '101');
    const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await up;
    await new Promise((r) => setTimeout(r, 1400));
    const closed = p101.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await closed;
    const ratio = await bandRmsRatio(await lastHeard(p101), 1250, 1350);
    assert.ok(ratio > 0.6, `101 heard the 1,300 Hz greeting (band ratio ${ratio.toFixed(2)})`);

    assert.equal((await api(t.base, t.adminKey, 'DELETE', '/api/v1/extensions/102/voicemail/greeting')).status, 204);
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/102/voicemail/greeting')).status, 404);
    assert.equal((await api(t.base, t.adminKey, 'DELETE', '/api/v1/extensions/102/voicemail/greeting')).status, 404);
  });

  it('the owner records the greeting from the phone: *97, 9, speaks after the beep, #; callers hear it', { timeout: 90_000 }, async () => {
    // 102's phone is registered now: 'always' sends callers to the box all the same.
    const set = await api(t.base, t.adminKey, 'PATCH', '/api/v1/extensions/102', { forwarding: [{ profile: 'Available', condition: 'always', destination: { type: 'voicemail', number: '102' } }] });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const owner = await registeredPhone(t, '102', { toneHz: 900 });
    try {
      const up = owner.waitForType('CALL_ESTABLISHED', 10_000);
      await owner.dial(`sip:*97@127.0.0.1:${String(t.sipPort)}`);
      await up;
      // The menu is playing (a key before it starts is not heard): then 9.
      await eventually(async () => (t.server.sip.b2bua.list()[0] && (t.server.sip.b2bua.get(t.server.sip.b2bua.list()[0]!.id)?.mediaStats().caller?.packetsOut ?? 0) > 25) || undefined, 15_000, 'the mailbox menu playing');
      await owner.sendDtmf('9');
      // After the prompt and the beep the recording starts: its draft file appears.
      const dir = join(t.dataDir, 'voicemail', '102');
      await eventually(async () => (await readdir(dir).catch(() => [] as string[])).some((f) => f.endsWith('.part')) || undefined, 20_000, 'the greeting being recorded');
      await new Promise((r) => setTimeout(r, 2500));
      // "Saved", no messages, goodbye: the PBX hangs up.
      const closed = owner.waitForType('CALL_CLOSED', 60_000);
      await owner.sendDtmf('#');
      await closed;
    } finally {
      await owner.stop();
    }
    const got = await fetch(`${t.base}/api/v1/extensions/102/voicemail/greeting`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    assert.equal(got.status, 200, 'the recording is the greeting now');
    const file = join(t.dataDir, 'greeting-copy.wav');
    await writeFile(file, Buffer.from(await got.arrayBuffer()));
    const length = (await soxStat(file)).lengthSeconds;
    assert.ok(length > 2 && length < 5, `about 2.5 s recorded, got ${String(length)} s`);
    const own = await bandRmsRatio(file, 850, 950);
    assert.ok(own > 0.8, `the owner's 900 Hz tone recorded (band ratio ${own.toFixed(2)})`);

    p101 ??= await registeredPhone(t, '101');
    await new Promise((r) => setTimeout(r, 1100)); // baresip names recordings by the second
    const in101 = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await in101;
    await new Promise((r) => setTimeout(r, 1400));
    const closed = p101.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await closed;
    const heard = await bandRmsRatio(await lastHeard(p101), 850, 950);
    assert.ok(heard > 0.6, `101 heard the greeting 102 recorded (band ratio ${heard.toFixed(2)})`);
  });

  it('the date and time said before a message, in the PBX time zone, 12- or 24-hour', () => {
    const at = new Date('2026-12-03T19:05:00Z');
    assert.equal(spokenDateTime(at, 'Europe/Warsaw', false), 'Thursday, December 3, at 8 o 5 PM');
    assert.equal(spokenDateTime(at, 'Europe/Warsaw', true), 'Thursday, December 3, at 20 o 5');
    assert.equal(spokenDateTime(new Date('2026-12-03T23:00:00Z'), 'UTC', true), 'Thursday, December 3, at 23 hundred');
    assert.equal(spokenDateTime(new Date('2026-12-03T09:30:00Z'), 'UTC', false), 'Thursday, December 3, at 9 30 AM');
  });
});
