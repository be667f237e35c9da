// WireCRM NOTIFY_RECORD (seed 002) with real phones: a recorded call 101 → 102
// is followed, after NOTIFY_END, by NOTIFY_RECORD with the call's pbx_call_id
// and an absolute record_link that downloads the MP3 without a key (and a
// recorded click-to-call by NOTIFY_OUT_END, then NOTIFY_RECORD); with
// NOTIFY_RECORD left out of SWITCHBOARD_CRM_EVENTS nothing is sent for it.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import { WebhookReceiver, type Received } from '../helpers/webhook-receiver.ts';
import type { Baresip } from '../peers/baresip.ts';

async function fields(r: Received): Promise<Record<string, string>> {
  assert.match(String(r.headers['content-type']), /^multipart\/form-data; boundary=/);
  const form = await new Response(r.body, { headers: { 'content-type': String(r.headers['content-type']) } }).formData();
  return Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)]));
}

/** 101 calls 102 (recorded by policy), they talk for `ms`, 101 hangs up; returns the call's id. */
async function recordedCall(t: TestServer, p101: Baresip, p102: Baresip, ms: number): Promise<string> {
  const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 10_000), p102.waitForType('CALL_ESTABLISHED', 10_000)]);
  await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
  await up;
  const live = (await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as any[];
  assert.equal(live.length, 1);
  await new Promise((r) => setTimeout(r, ms));
  const closed = p102.waitForType('CALL_CLOSED', 10_000);
  await p101.hangup();
  await closed;
  return live[0].id as string;
}

async function recordingOf(t: TestServer, callId: string): Promise<any> {
  return eventually(async () => {
    const rows = (await api(t.base, t.adminKey, 'GET', `/api/v1/recordings?callId=${callId}`)).body as any[];
    return rows.length === 1 ? rows[0] : undefined;
  }, 20_000, 'a recording row');
}

describe('WireCRM NOTIFY_RECORD', () => {
  for (const selection of ['all', 'without NOTIFY_RECORD'] as const) {
    describe(`events: ${selection}`, () => {
      let t: TestServer;
      const crm = new WebhookReceiver();
      let p101: Baresip;
      let p102: Baresip;
      before(async () => {
        await crm.start();
        t = await startTestServer({
          SWITCHBOARD_CRM_URL: crm.url,
          SWITCHBOARD_CRM_INTERNAL_CALLS: 'true',
          SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
          ...(selection === 'all' ? {} : { SWITCHBOARD_CRM_EVENTS: 'NOTIFY_START,NOTIFY_INTERNAL,NOTIFY_END' }),
        });
        p101 = await registeredPhone(t, '101', { toneHz: 1000, answermode: 'auto' });
        p102 = await registeredPhone(t, '102', { toneHz: 700, answermode: 'auto' });
        assert.equal((await api(t.base, t.adminKey, 'PATCH', '/api/v1/extensions/102', { recording: 'all' })).status, 200);
      });
      after(async () => {
        await p101?.stop();
        await p102?.stop();
        await t?.stop();
        await crm.stop();
      });

      if (selection === 'all') {
        it('a recorded call: NOTIFY_RECORD after NOTIFY_END, same pbx_call_id, a permanent absolute link to the MP3', async () => {
          const callId = await recordedCall(t, p101, p102, 2000);
          await crm.until((r) => r.length >= 4, 25_000, 'four CRM notifications');
          const got = await Promise.all(crm.received.map(fields));
          assert.deepEqual(got.map((f) => f.event), ['NOTIFY_START', 'NOTIFY_INTERNAL', 'NOTIFY_END', 'NOTIFY_RECORD']);
          const id = got[0]?.pbx_call_id ?? '';
          assert.match(id, /^in_[0-9a-f]{40}$/);
          const rec = await recordingOf(t, callId);
          // Exactly the seed's three fields, in its order.
          assert.deepEqual(Object.entries(got[3] ?? {}), [
            ['event', 'NOTIFY_RECORD'],
            ['pbx_call_id', id],
            ['record_link', `${t.base}${String(rec.link)}`],
          ]);
          // Default public URL: http, the advertised host (the bound 127.0.0.1) and the HTTP port.
          assert.match(got[3]?.record_link ?? '', /^http:\/\/127\.0\.0\.1:\d+\/recordings\/[A-Za-z0-9_-]{32}\.mp3$/);
          // No key: the CRM fetches the link as it is.
          const res = await fetch(got[3]?.record_link ?? '');
          const body = Buffer.from(await res.arrayBuffer());
          assert.equal(res.status, 200);
          assert.equal(res.headers.get('content-type'), 'audio/mpeg');
          assert.ok(body.length > 0);
          assert.equal(body.length, rec.size);
          // An MP3 frame sync or an ID3 tag at the start.
          assert.ok(body.subarray(0, 3).toString('latin1') === 'ID3' || (body[0] === 0xff && ((body[1] ?? 0) & 0xe0) === 0xe0), 'an MP3 file');
          await new Promise((r) => setTimeout(r, 500));
          assert.equal(crm.received.length, 4, 'one NOTIFY_RECORD, nothing more');
        });

        it('a recorded click-to-call: NOTIFY_RECORD after NOTIFY_OUT_END with its out_ pbx_call_id', async () => {
          const from = crm.received.length;
          const control = (await t.server.control.keys.create('control', 'wirecrm')).key;
          const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 10_000), p102.waitForType('CALL_ESTABLISHED', 10_000)]);
          const res = await fetch(`${t.base}/crm/wirecrm/call`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-pbx-authentication': control }, body: 'from=101&to=102' });
          assert.deepEqual([res.status, await res.json()], [200, { status: '1' }]);
          await up;
          await new Promise((r) => setTimeout(r, 1500));
          const closed = p102.waitForType('CALL_CLOSED', 10_000);
          await p101.hangup();
          await closed;
          await crm.until((r) => r.length >= from + 3, 25_000, 'OUT_START, OUT_END, RECORD');
          const got = await Promise.all(crm.received.slice(from).map(fields));
          assert.deepEqual(got.map((f) => f.event), ['NOTIFY_OUT_START', 'NOTIFY_OUT_END', 'NOTIFY_RECORD']);
          const id = got[0]?.pbx_call_id ?? '';
          assert.match(id, /^out_[0-9a-f]{40}$/);
          assert.deepEqual(Object.keys(got[2] ?? {}), ['event', 'pbx_call_id', 'record_link']);
          assert.equal(got[2]?.pbx_call_id, id);
          assert.match(got[2]?.record_link ?? '', new RegExp(`^${t.base.replace(/\./g, '\\.')}/recordings/[A-Za-z0-9_-]{32}\\.mp3$`));
          const mp3 = await fetch(got[2]?.record_link ?? '');
          assert.equal(mp3.status, 200);
          assert.equal(mp3.headers.get('content-type'), 'audio/mpeg');
          assert.ok((await mp3.arrayBuffer()).byteLength > 0);
        });
      } else {
        it('NOTIFY_RECORD switched off: the recorded call sends START, INTERNAL, END only', async () => {
          const callId = await recordedCall(t, p101, p102, 1000);
          await crm.until((r) => r.length >= 3, 15_000, 'three CRM notifications');
          await recordingOf(t, callId);
          const events = (await api(t.base, t.adminKey, 'GET', '/api/v1/events?since=0&limit=1000')).body.events as any[];
          assert.equal(events.filter((e) => e.type === 'recording.ready').length, 1, 'the recording was announced');
          await new Promise((r) => setTimeout(r, 1000));
          const got = await Promise.all(crm.received.map(fields));
          assert.deepEqual(got.map((f) => f.event), ['NOTIFY_START', 'NOTIFY_INTERNAL', 'NOTIFY_END']);
        });
      }
    });
  }
});
