// POST /sendSMS (seed 003 §1.5) against a real SMPP 3.4 SMSC over TCP
// (test/peers/smsc.ts): what reaches the SMSC, long texts split behind a
// concatenation header, delivery receipts as smsSendResponse frames, bad
// input refused with nothing stored, test messages never sent, and messages
// kept across a gateway outage and a restart of Switchboard.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { eventually } from '../../helpers/phones.ts';
import { Smsc, type Submitted } from '../../peers/smsc.ts';
import { PbxClient } from './ws-client.ts';

async function sendSms(t: TestServer, key: string, form: Record<string, string>, json = false): Promise<{ status: number; body: any; type: string }> {
  const res = await fetch(`${t.base}/sendSMS`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
    body: json ? JSON.stringify(form) : new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain text
  }
  return { status: res.status, body, type: res.headers.get('content-type') ?? '' };
}

function statuses(c: PbxClient, id: string): string[] {
  return c.events.map((f) => f.text.smsSendResponse as { MsgId: string; status: string } | undefined).filter((s) => s?.MsgId === id).map((s) => s?.status ?? '');
}

/** The text of the parts, reassembled by their concatenation headers (TS 23.040 §9.2.3.24.1). */
function reassemble(parts: Submitted[]): { ref: number; text: string } {
  const refs = new Set<number>();
  const ordered = parts
    .map((p) => {
      assert.equal(p.esmClass & 0x40, 0x40, 'UDHI set');
      const udh = p.shortMessage.subarray(0, 6);
      assert.deepEqual([...udh.subarray(0, 3)], [0x05, 0x00, 0x03]);
      refs.add(udh[3] ?? -1);
      assert.equal(udh[4], parts.length);
      return { seq: udh[5] ?? 0, data: p.shortMessage.subarray(6) };
    })
    .sort((a, b) => a.seq - b.seq);
  assert.deepEqual(ordered.map((p) => p.seq), parts.map((_, i) => i + 1));
  assert.equal(refs.size, 1, 'one reference for all parts');
  const text = ordered.map((p) => Buffer.from(p.data).swap16().toString('utf16le')).join('');
  return { ref: [...refs][0] ?? -1, text };
}

describe('CloudPBX sendSMS over SMPP', () => {
  let smsc: Smsc;
  let t: TestServer;
  let controlKey: string;
  let ws: PbxClient;
  const env = (): Record<string, string> => ({ SWITCHBOARD_PBX_NAME: 'Sms', SWITCHBOARD_SMPP_URL: `smpp://sb:s3cret@127.0.0.1:${String(smsc.port)}?sender=Switchboard` });
  before(async () => {
    smsc = new Smsc({ systemId: 'sb', password: 's3cret', receiptFor: (s) => (s.destination === '48600000000' ? 'UNDELIV' : 'DELIVRD') });
    await smsc.start();
    t = await startTestServer(env());
    controlKey = (await t.server.control.keys.create('control', 'sms')).key;
    const readKey = (await t.server.control.keys.create('read', 'sms-ws')).key;
    ws = new PbxClient(`${t.base.replace('http', 'ws')}/ws/pbx_Sms?pbxkey=${readKey}`);
    await ws.opened;
  });
  after(async () => {
    ws?.close();
    await t?.stop();
    await smsc?.stop();
  });

  it('submits a message and reports QUEUE → SENT → DELIVERED on the WebSocket', { timeout: 25_000 }, async () => {
    await eventually(async () => smsc.binds.some((b) => b.ok), 8000, 'a bind');
    const res = await sendSms(t, controlKey, { to: '600100200', body: 'Hello from Switchboard' });
    assert.equal(res.status, 200);
    assert.match(res.type, /^application\/json/);
    assert.match(res.body.responseId, /^[1-9][0-9]{18}$/);
    assert.deepEqual(res.body, { responseId: res.body.responseId, responseStatus: 'QUEUE', responseErrorMessage: null });
    const id = res.body.responseId as string;
    await ws.until(() => statuses(ws, id).at(-1) === 'DELIVERED', 'DELIVERED');
    assert.deepEqual(statuses(ws, id), ['QUEUE', 'SENT', 'DELIVERED']);
    const frame = ws.events.find((f) => (f.text.smsSendResponse as { MsgId?: string } | undefined)?.MsgId === id);
    assert.deepEqual(frame?.text, { smsSendResponse: { MsgId: id, to: '48600100200', status: 'QUEUE' } });
    assert.equal(frame?.channel, 'pbx_Sms');
    const sm = smsc.submitted.at(-1);
    assert.ok(sm);
    assert.deepEqual(
      { dest: sm.destination, destTon: sm.destTon, destNpi: sm.destNpi, source: sm.source, sourceTon: sm.sourceTon, dc: sm.dataCoding, esm: sm.esmClass, rd: sm.registeredDelivery, text: sm.shortMessage.toString('latin1') },
      { dest: '48600100200', destTon: 1, destNpi: 1, source: 'Switchboard', sourceTon: 5, dc: 0, esm: 0, rd: 1, text: 'Hello from Switchboard' },
    );
    // An undeliverable number ends UNDELIVERED; JSON bodies are accepted too.
    const bad = await sendSms(t, controlKey, { to: '600000000', body: 'x' }, true);
    assert.equal(bad.status, 200);
    await ws.until(() => statuses(ws, bad.body.responseId).at(-1) === 'UNDELIVERED', 'UNDELIVERED');
    // Seed 003 §2.3: the responseId is the uniqueid of the message's CDR row.
    const cdr = (await (await fetch(`${t.base}/cdr`, { headers: { authorization: `Bearer ${controlKey}` } })).json()) as Record<string, unknown>[];
    const row = cdr.find((r) => r.uniqueid === id);
    assert.ok(row, 'a CDR row whose uniqueid is the responseId');
    assert.deepEqual({ src: row.src, dst: row.dst, lastapp: row.lastapp, duration: row.duration, billsec: row.billsec, disposition: row.disposition }, { src: 'Switchboard', dst: '48600100200', lastapp: 'SMS', duration: 0, billsec: 0, disposition: 'ANSWERED' });
    await eventually(async () => (await t.server.store.db.selectFrom('cdr').select('disposition').where('uniqueid', '=', bad.body.responseId).executeTakeFirst())?.disposition === 'FAILED', 5000, 'the undelivered message\'s CDR row FAILED');
    // The session is alive both ways.
    await smsc.enquireLink();
  });

  it('splits a long Polish text into UCS-2 parts behind one concatenation header', { timeout: 25_000 }, async () => {
    const text = `Zażółć gęślą jaźń — ${'ąęśćżźółń '.repeat(17)}koniec.`;
    assert.ok([...text].length > 134 && [...text].length <= 201);
    const before = smsc.submitted.length;
    const res = await sendSms(t, controlKey, { to: '600100201', body: text });
    assert.equal(res.status, 200);
    const id = res.body.responseId as string;
    await ws.until(() => statuses(ws, id).at(-1) === 'DELIVERED', 'DELIVERED after every part');
    const parts = smsc.submitted.slice(before);
    assert.equal(parts.length, Math.ceil([...text].length / 67));
    for (const p of parts) {
      assert.equal(p.dataCoding, 8, 'UCS-2');
      assert.ok(p.shortMessage.length <= 140, `${p.shortMessage.length} octets`);
    }
    assert.equal(reassemble(parts).text, text);
    assert.deepEqual(statuses(ws, id), ['QUEUE', 'SENT', 'DELIVERED']);
  });

  it('refuses a bad to or body with 400 Parameter is missing, storing nothing', { timeout: 25_000 }, async () => {
    const count = async () => (await t.server.store.db.selectFrom('smsMessages').select('id').execute()).length;
    const rows = await count();
    const sent = smsc.submitted.length;
    for (const form of [{ body: 'x' }, { to: '600100200' }, { to: '60010020', body: 'x' }, { to: '+48600100200', body: 'x' }, { to: '600100200', body: '' }, { to: '600100200', body: 'x'.repeat(1025) }, { to: '600100200', body: 'x', color: 'red' }]) {
      const res = await sendSms(t, controlKey, form as Record<string, string>);
      assert.equal(res.status, 400, JSON.stringify(form));
      assert.equal(res.body, 'Parameter is missing');
    }
    const ok = await sendSms(t, controlKey, { to: '600100200', body: 'ż'.repeat(1024) });
    assert.equal(ok.status, 200, '1,024 characters are allowed');
    const ro = await fetch(`${t.base}/sendSMS`, { method: 'POST', headers: { authorization: `Bearer ${(await t.server.control.keys.create('read', 'ro')).key}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'to=600100200&body=x' });
    assert.equal(ro.status, 403);
    assert.equal(await count(), rows + 1);
    await eventually(async () => smsc.submitted.length >= sent + 16 || undefined, 8000, 'the 1,024-character message in 16 parts');
  });

  it('never sends a test message', { timeout: 25_000 }, async () => {
    const sent = smsc.submitted.length;
    const res = await sendSms(t, controlKey, { to: '600100202', body: 'test only', test: 'true' });
    assert.equal(res.status, 200);
    await ws.until(() => statuses(ws, res.body.responseId).at(-1) === 'STOP', 'STOP');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(smsc.submitted.length, sent);
    assert.equal(smsc.submitted.some((s) => s.destination === '48600100202'), false);
  });

  it('keeps a message while the SMSC is down and sends it when it is back', { timeout: 25_000 }, async () => {
    await smsc.stop();
    const res = await sendSms(t, controlKey, { to: '600100203', body: 'after the outage' });
    assert.equal(res.status, 200);
    assert.equal(res.body.responseStatus, 'QUEUE');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(smsc.submitted.some((s) => s.destination === '48600100203'), false);
    await smsc.start(smsc.port);
    await ws.until(() => statuses(ws, res.body.responseId).at(-1) === 'DELIVERED', 'DELIVERED after the SMSC came back', 20_000);
  });

  it('loses nothing across a restart between accept and send', { timeout: 25_000 }, async () => {
    await smsc.stop();
    const res = await sendSms(t, controlKey, { to: '600100204', body: 'across a restart' });
    assert.equal(res.status, 200);
    const id = res.body.responseId as string;
    ws.close();
    await t.server.stop();
    await smsc.start(smsc.port);
    const again = await startTestServer(env(), { dataDir: t.dataDir });
    try {
      await eventually(async () => smsc.submitted.find((s) => s.destination === '48600100204'), 15_000, 'the message sent after the restart');
      const delivered = await eventually(async () => {
        const events = await again.server.control.events.since(0, 10_000);
        return events.find((e) => e.type === 'sms.updated' && (e.payload as { id: string; status: string }).id === id && (e.payload as { status: string }).status === 'DELIVERED');
      }, 10_000, 'DELIVERED after the restart');
      assert.ok(delivered);
      assert.equal(smsc.submitted.filter((s) => s.destination === '48600100204').length, 1, 'sent once');
    } finally {
      await again.stop();
    }
  });
});
