// Voicemail with real phones: 101 calls 102, who has no registered phone and
// forwards to voicemail; 101 skips the greeting with #, leaves three seconds
// of its 440 Hz tone, hangs up. The message is listed, announced as an event,
// and its WAV holds the tone. Then 102 dials *97, enters its PIN and hears
// the message (marked heard); the API deletes it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import { voicemailFor102 } from '../helpers/voicemail.ts';
import { bandRmsRatio, soxStat } from '../peers/audio.ts';
import type { Baresip } from '../peers/baresip.ts';

interface Message {
  id: string;
  extension: string;
  callerNumber: string;
  durationMs: number;
  heard: boolean;
}

describe('voicemail', () => {
  let t: TestServer;
  const phones: Baresip[] = [];
  const admin = (method: string, path: string, body?: unknown) => api(t.base, t.adminKey, method, path, body);
  const messages = async (): Promise<Message[]> => (await admin('GET', '/api/v1/extensions/102/voicemail')).body as Message[];

  before(async () => {
    t = await startTestServer();
    await voicemailFor102(t);
  });
  after(async () => {
    for (const p of phones) await p.stop();
    await t.stop();
  });

  it('a caller leaves a message; the owner hears it with the PIN; the API lists, serves and deletes it', { timeout: 90_000 }, async () => {
    const p101 = await registeredPhone(t, '101', { toneHz: 440 });
    phones.push(p101);
    const since = await t.server.control.events.lastSeq();
    const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await up;
    // # skips the greeting; the beep, then three seconds of the tone.
    await new Promise((r) => setTimeout(r, 800));
    await p101.sendDtmf('#');
    await new Promise((r) => setTimeout(r, 3500));
    await p101.hangup();

    const [m] = await eventually(async () => {
      const list = await messages();
      return list.length === 1 ? list : undefined;
    }, 8000, 'the message listed');
    assert.ok(m);
    assert.equal(m.callerNumber, '101');
    assert.equal(m.heard, false);
    assert.ok(m.durationMs > 1500 && m.durationMs < 5000, `about three seconds, got ${String(m.durationMs)} ms`);
    const events = await t.server.control.events.since(since, 1000);
    const announced = events.find((e) => e.type === 'voicemail.message');
    assert.equal((announced?.payload as { message: Message } | undefined)?.message.id, m.id);

    const audio = await fetch(`${t.base}/api/v1/extensions/102/voicemail/${m.id}/audio`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    assert.equal(audio.status, 200);
    assert.equal(audio.headers.get('content-type'), 'audio/wav');
    const wav = join(await mkdtemp(join(tmpdir(), 'sb-vm-')), 'message.wav');
    await writeFile(wav, Buffer.from(await audio.arrayBuffer()));
    const stat = await soxStat(wav);
    assert.ok(stat.lengthSeconds > 1.5, `${String(stat.lengthSeconds)} s of audio`);
    const ratio = await bandRmsRatio(wav, 400, 480);
    assert.ok(ratio > 0.8, `the caller's 440 Hz tone recorded (band ratio ${ratio.toFixed(2)})`);

    // The owner's mailbox: PIN, "1 new message", "message from 1 0 1", the message, goodbye — the PBX hangs up.
    const p102 = await registeredPhone(t, '102', { toneHz: 1000 });
    phones.push(p102);
    const answered = p102.waitForType('CALL_ESTABLISHED', 10_000);
    await p102.dial(`sip:*97@127.0.0.1:${String(t.sipPort)}`);
    await answered;
    await new Promise((r) => setTimeout(r, 800));
    const closed = p102.waitForType('CALL_CLOSED', 60_000);
    await p102.sendDtmf('1234#');
    await closed;
    const after = await messages();
    assert.equal(after[0]?.heard, true, 'played to the end and marked heard');

    const ro = (await t.server.control.keys.create('read', 'ro')).key;
    const refused = await api(t.base, ro, 'DELETE', `/api/v1/extensions/102/voicemail/${m.id}`);
    assert.equal(refused.status, 403);
    const del = await admin('DELETE', `/api/v1/extensions/102/voicemail/${m.id}`);
    assert.equal(del.status, 204);
    assert.deepEqual(await messages(), []);
    await assert.rejects(access(join(t.dataDir, 'voicemail', '102', `${m.id}.wav`)), 'the file is gone too');
    assert.equal((await admin('GET', '/api/v1/extensions/999/voicemail')).status, 404);
    assert.equal((await admin('GET', `/api/v1/extensions/102/voicemail/${m.id}/audio`)).status, 404);
  });
});
