// Which calls are being recorded right now, for a "recording" light: GET
// /api/v1/recordings/active and the recording.started / recording.stopped
// events, with a real call between two baresip phones recorded by policy,
// stopped and started again on demand.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';

describe('recordings in progress', () => {
  let t: TestServer;
  let p101: Baresip;
  let p102: Baresip;
  before(async () => {
    t = await startTestServer();
    assert.equal((await api(t.base, t.adminKey, 'PATCH', '/api/v1/extensions/101', { recording: 'all' })).status, 200);
    [p101, p102] = await Promise.all([registeredPhone(t, '101', { answermode: 'auto' }), registeredPhone(t, '102', { answermode: 'auto' })]);
  });
  after(async () => {
    for (const p of [p101, p102]) await p?.stop();
    await t?.stop();
  });

  const active = async (key = t.adminKey): Promise<any[]> => {
    const res = await api(t.base, key, 'GET', '/api/v1/recordings/active');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as any[];
  };
  const eventsOf = async (since: number, type: string): Promise<any[]> => ((await api(t.base, t.adminKey, 'GET', `/api/v1/events?since=${String(since)}&limit=1000`)).body.events as any[]).filter((e) => e.type === type);

  it('a policy recording is listed while the call talks and announced; stop and start on demand follow; the end of the call clears it', async () => {
    assert.deepEqual(await active(), []);
    const since = (await api(t.base, t.adminKey, 'GET', '/api/v1/events?since=0&limit=1')).body.lastSeq as number;
    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 10_000), p102.waitForType('CALL_ESTABLISHED', 10_000)]);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await up;
    const callId = ((await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as any[])[0].id as string;
    const [first] = await eventually(async () => {
      const a = await active();
      return a.length === 1 ? a : undefined;
    }, 5000, 'the policy recording');
    assert.equal(first.callId, callId);
    assert.match(first.recordingId, /^[0-9a-f-]{36}$/);
    assert.ok(Date.parse(first.startedAt) > 0);
    const readKey = (await t.server.control.keys.create('read', 'light')).key;
    assert.deepEqual(await active(readKey), [first], 'any key may read it');
    const started = await eventsOf(since, 'recording.started');
    assert.deepEqual(started.map((e) => e.payload), [first]);

    assert.equal((await api(t.base, t.adminKey, 'POST', `/api/v1/calls/${callId}/record/stop`)).status, 202);
    assert.deepEqual(await active(), []);
    const stopped = await eventually(async () => {
      const s = await eventsOf(since, 'recording.stopped');
      return s.length === 1 ? s : undefined;
    }, 5000, 'recording.stopped');
    assert.deepEqual(stopped[0].payload, first);

    assert.equal((await api(t.base, t.adminKey, 'POST', `/api/v1/calls/${callId}/record/start`)).status, 202);
    const [second] = await active();
    assert.equal(second.callId, callId);
    assert.notEqual(second.recordingId, first.recordingId, 'a second recording of the same call');

    const closed = p102.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await closed;
    await eventually(async () => (await active()).length === 0, 5000, 'no recording after the call ended');
    const all = await eventually(async () => {
      const s = await eventsOf(since, 'recording.stopped');
      return s.length === 2 ? s : undefined;
    }, 5000, 'two recording.stopped');
    assert.equal(all[1].payload.recordingId, second.recordingId);
  });
});
