// Call recording with real phones: a recording policy records a call between
// two baresip phones; the MP3 comes through its permanent link, decodes with
// sox to the caller's 1 kHz tone for the talk time; Range requests get 206;
// wrong and revoked links get 404. On demand, start/stop record both tones.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import { bandRmsRatio, makeSilenceWav, soxStat } from '../peers/audio.ts';
import type { Baresip } from '../peers/baresip.ts';

const run = promisify(execFile);

async function connect(t: TestServer, caller: Baresip, callee: Baresip, dialled: string): Promise<{ callId: string; up: number }> {
  const established = callee.waitForType('CALL_ESTABLISHED', 10_000);
  const callerUp = caller.waitForType('CALL_ESTABLISHED', 10_000);
  await caller.dial(`sip:${dialled}@127.0.0.1:${String(t.sipPort)}`);
  await Promise.all([established, callerUp]);
  const up = Date.now();
  const live = await api(t.base, t.adminKey, 'GET', '/api/v1/calls');
  assert.equal(live.body.length, 1);
  return { callId: live.body[0].id as string, up };
}

async function hangup(caller: Baresip, callee: Baresip): Promise<void> {
  const closed = callee.waitForType('CALL_CLOSED', 10_000);
  await caller.hangup();
  await closed;
}

async function recordingOf(t: TestServer, callId: string): Promise<any> {
  return eventually(async () => {
    const rows = (await api(t.base, t.adminKey, 'GET', `/api/v1/recordings?callId=${callId}`)).body as any[];
    return rows.length === 1 ? rows[0] : undefined;
  }, 20_000, 'a recording row');
}

async function download(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

describe('call recording', () => {
  let t: TestServer;
  let dir: string;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  let p104: Baresip;
  let readKey: string;
  let controlKey: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-rec-call-'));
    t = await startTestServer();
    const silence = join(dir, 'silence.wav');
    await makeSilenceWav(silence);
    p101 = await registeredPhone(t, '101', { toneHz: 1000, answermode: 'auto' });
    p102 = await registeredPhone(t, '102', { audioFile: silence, answermode: 'auto' });
    p103 = await registeredPhone(t, '103', { toneHz: 700, answermode: 'auto' });
    p104 = await registeredPhone(t, '104', { toneHz: 1300, answermode: 'auto' });
    readKey = (await api(t.base, t.adminKey, 'POST', '/api/v1/keys', { role: 'read' })).body.key;
    controlKey = (await api(t.base, t.adminKey, 'POST', '/api/v1/keys', { role: 'control' })).body.key;
  });
  after(async () => {
    for (const p of [p101, p102, p103, p104]) await p?.stop();
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("records by policy: the MP3 behind the link is the caller's 1 kHz tone for the talk time; Range gives 206; wrong or revoked links 404", async () => {
    assert.equal((await api(t.base, t.adminKey, 'PATCH', '/api/v1/extensions/102', { recording: 'all' })).status, 200);
    const { callId, up } = await connect(t, p101, p102, '102');
    await new Promise((r) => setTimeout(r, 4000));
    await hangup(p101, p102);
    const talkMs = Date.now() - up;

    const rec = await recordingOf(t, callId);
    const cdr = (await api(t.base, t.adminKey, 'GET', '/api/v1/cdr')).body as any[];
    assert.equal(rec.cdrUniqueid, cdr[cdr.length - 1].uniqueid, 'the CDR uniqueid of the call');
    assert.deepEqual(rec.participants.map((p: any) => [p.dn, p.direction]), [
      ['101', 'inbound'],
      ['102', 'outbound'],
    ]);
    assert.equal(rec.format, 'mp3');
    assert.match(rec.link, /^\/recordings\/[A-Za-z0-9_-]{32}\.mp3$/);
    assert.equal(rec.url, `${t.base}${rec.link}`);
    assert.ok(Math.abs(rec.durationMs - talkMs) <= talkMs * 0.1, `durationMs ${rec.durationMs} for ${talkMs} ms of talk`);
    const events = (await api(t.base, t.adminKey, 'GET', '/api/v1/events?since=0&limit=1000')).body.events as any[];
    const ready = events.filter((e) => e.type === 'recording.ready');
    assert.equal(ready.length, 1);
    assert.equal(ready[0].payload.recording.id, rec.id);

    // The link needs no key; the MP3 decodes to the 1 kHz tone for the talk time.
    const mp3 = await download(rec.url);
    assert.equal(mp3.status, 200);
    assert.equal(mp3.headers.get('content-type'), 'audio/mpeg');
    assert.equal(mp3.headers.get('accept-ranges'), 'bytes');
    assert.equal(mp3.body.length, rec.size);
    writeFileSync(join(dir, 'got.mp3'), mp3.body);
    await run('sox', [join(dir, 'got.mp3'), join(dir, 'got.wav')]);
    const stat = await soxStat(join(dir, 'got.wav'));
    assert.ok(Math.abs(stat.lengthSeconds * 1000 - talkMs) <= talkMs * 0.1, `MP3 lasts ${stat.lengthSeconds} s for ${talkMs} ms of talk`);
    assert.ok(stat.rmsAmplitude > 0.05, `rms ${stat.rmsAmplitude}`);
    const ratio = await bandRmsRatio(join(dir, 'got.wav'), 900, 1100);
    assert.ok(ratio > 0.9, `${Math.round(ratio * 100)}% of the recording near 1 kHz`);

    // Range requests (RFC 9110 §14): a slice, a suffix, past the end.
    const part = await download(rec.url, { range: 'bytes=100-1099' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-1099/${rec.size}`);
    assert.deepEqual(part.body, mp3.body.subarray(100, 1100));
    const tail = await download(rec.url, { range: 'bytes=-64' });
    assert.equal(tail.status, 206);
    assert.deepEqual(tail.body, mp3.body.subarray(rec.size - 64));
    const beyond = await download(rec.url, { range: `bytes=${rec.size}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${rec.size}`);

    // The WAV it was made from, through the same token.
    const wav = await download(`${t.base}${rec.link.replace(/\.mp3$/, '.wav')}`);
    assert.equal(wav.status, 200);
    assert.equal(wav.headers.get('content-type'), 'audio/wav');
    writeFileSync(join(dir, 'orig.wav'), wav.body);
    assert.ok(Math.abs((await soxStat(join(dir, 'orig.wav'))).lengthSeconds * 1000 - rec.durationMs) <= 1);

    // Seed 003 (CloudPBX): the same call's recording by CDR uniqueid, with a Bearer key; listed with the CDR's numbers.
    const cloud = await download(`${t.base}/record/${String(rec.cdrUniqueid)}`, { authorization: `Bearer ${readKey}` });
    assert.equal(cloud.status, 200);
    assert.equal(cloud.headers.get('content-type'), 'audio/wav');
    assert.deepEqual(cloud.body, wav.body);
    assert.equal((await download(`${t.base}/record/${String(rec.cdrUniqueid)}`)).status, 401, 'no key, no recording');
    const listed = (await api(t.base, readKey, 'GET', '/record')).body as any[];
    assert.deepEqual(listed.map((r) => [r.uniqueid, r.src, r.dst, r.format]), [[rec.cdrUniqueid, '101', '102', 'mp3']]);

    // Wrong tokens are 404, whatever their shape.
    const wrong = rec.link.replace(/\/recordings\/(.)/, (_m: string, c: string) => `/recordings/${c === 'A' ? 'B' : 'A'}`);
    for (const path of [wrong, '/recordings/nope.mp3', '/recordings/x', `${rec.link}.mp3`]) assert.equal((await download(`${t.base}${path}`)).status, 404, path);

    // A read key lists and reads; it cannot revoke. Revoked, the link is dead for good.
    assert.equal((await api(t.base, readKey, 'GET', `/api/v1/recordings/${rec.id}`)).body.link, rec.link);
    assert.deepEqual((await api(t.base, readKey, 'GET', `/api/v1/recordings/${rec.id}/link`)).body, { link: rec.link, url: rec.url });
    assert.equal((await api(t.base, readKey, 'DELETE', `/api/v1/recordings/${rec.id}/link`)).status, 403);
    const revoked = await api(t.base, t.adminKey, 'DELETE', `/api/v1/recordings/${rec.id}/link`);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.link, null);
    assert.ok(revoked.body.revokedAt);
    assert.equal((await download(rec.url)).status, 404);
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/recordings/not-a-uuid')).status, 400);
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/recordings/00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await api(t.base, t.adminKey, 'PATCH', '/api/v1/extensions/102', { recording: 'off' })).status, 200);
  });

  it('records on demand between start and stop: both phones\' tones, for that stretch only', async () => {
    const { callId } = await connect(t, p103, p104, '104');
    assert.equal((await api(t.base, controlKey, 'POST', '/api/v1/calls/999/record/start')).status, 404);
    assert.equal((await api(t.base, controlKey, 'POST', `/api/v1/calls/${callId}/record/pause`)).status, 400);
    assert.equal((await api(t.base, readKey, 'POST', `/api/v1/calls/${callId}/record/start`)).status, 403);
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    assert.equal((await api(t.base, controlKey, 'POST', `/api/v1/calls/${callId}/record/start`)).status, 202);
    assert.equal((await api(t.base, controlKey, 'POST', `/api/v1/calls/${callId}/record/start`)).status, 202, 'idempotent');
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await api(t.base, controlKey, 'POST', `/api/v1/calls/${callId}/record/stop`)).status, 202);
    const recordedMs = Date.now() - started;
    await new Promise((r) => setTimeout(r, 1000));
    await hangup(p103, p104);

    const rec = await recordingOf(t, callId);
    assert.ok(Math.abs(rec.durationMs - recordedMs) <= recordedMs * 0.1, `durationMs ${rec.durationMs} for ${recordedMs} ms recorded`);
    const mp3 = await download(rec.url);
    writeFileSync(join(dir, 'both.mp3'), mp3.body);
    await run('sox', [join(dir, 'both.mp3'), join(dir, 'both.wav')]);
    const low = await bandRmsRatio(join(dir, 'both.wav'), 600, 800);
    const high = await bandRmsRatio(join(dir, 'both.wav'), 1200, 1400);
    assert.ok(low > 0.4 && high > 0.4, `700 Hz ${Math.round(low * 100)}%, 1300 Hz ${Math.round(high * 100)}% of the mix`);
    assert.equal((await api(t.base, readKey, 'GET', '/api/v1/recordings')).body.length, 2);
  });
});
