// The CloudPBX REST commands (seed 003 §1) against a real server and real
// baresip phones: Bearer keys with their roles, /cdr rows field by field
// after real calls, local-day ranges, /dial ringing cpa first, /record.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../../helpers/server.ts';
import { registeredPhone, eventually } from '../../helpers/phones.ts';
import type { Baresip } from '../../peers/baresip.ts';
import { localDate, localDateTime, nextDate } from '../../../src/core/time-zone.ts';

const TZ = 'Europe/Warsaw';
const SEED_FIELDS = ['calldate', 'clid', 'src', 'dst', 'channel', 'dstchannel', 'lastapp', 'duration', 'billsec', 'disposition', 'uniqueid', 'cost', 'zone'];

async function get(t: TestServer, key: string | undefined, path: string): Promise<{ status: number; body: any; type: string }> {
  const res = await api(t.base, key, 'GET', path);
  return { status: res.status, body: res.body, type: res.headers.get('content-type') ?? '' };
}

describe('CloudPBX REST', () => {
  let t: TestServer;
  let readKey: string;
  let controlKey: string;
  let p101: Baresip;
  let p102: Baresip;
  before(async () => {
    t = await startTestServer({ SWITCHBOARD_PBX_NAME: 'MojaCentrala', SWITCHBOARD_TIME_ZONE: TZ });
    readKey = (await t.server.control.keys.create('read', 'cloudpbx-read')).key;
    controlKey = (await t.server.control.keys.create('control', 'cloudpbx-control')).key;
    p101 = await registeredPhone(t, '101', { answermode: 'auto' });
    p102 = await registeredPhone(t, '102', { answermode: 'manual' });
  });
  after(async () => {
    await p101?.stop();
    await p102?.stop();
    await t.stop();
  });

  it('needs a Bearer key; read keys read, only control keys dial', async () => {
    assert.equal((await get(t, undefined, '/cdr')).status, 401);
    assert.equal((await get(t, 'sb_000000000000_wrongwrongwrongwrongwrongwrongwr', '/cdr')).status, 401);
    const empty = await get(t, readKey, '/cdr');
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, []);
    const ro = await get(t, readKey, '/dial?cpa=101&cpb=102');
    assert.equal(ro.status, 403);
    assert.equal(ro.body.code, 'SB_FORBIDDEN');
    assert.deepEqual(await t.server.control.calls.list(), [], 'a read key started no call');
  });

  it('/cdr returns the seed fields of real calls, in the PBX time zone', async () => {
    // An answered call 101 → 102 of about two seconds.
    const ringing = p102.waitForType('CALL_INCOMING', 10_000);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await ringing;
    const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await p102.accept();
    await up;
    await new Promise((r) => setTimeout(r, 2000));
    let closed = p102.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await closed;
    // A call 101 → 102 that 101 gives up on while it rings.
    const ringing2 = p102.waitForType('CALL_INCOMING', 10_000);
    await p101.dial(`sip:102@127.0.0.1:${String(t.sipPort)}`);
    await ringing2;
    closed = p102.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await closed;

    const native = await eventually(async () => {
      const rows = (await api(t.base, t.adminKey, 'GET', '/api/v1/cdr')).body as any[];
      return rows.length === 2 ? rows : undefined;
    });
    const res = await get(t, readKey, '/cdr');
    assert.equal(res.status, 200);
    assert.match(res.type, /^application\/json/);
    assert.equal(res.body.length, 2);
    for (const [i, row] of (res.body as Record<string, unknown>[]).entries()) {
      const n = native[i];
      assert.deepEqual(Object.keys(row), SEED_FIELDS);
      assert.match(row.calldate as string, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.equal(row.calldate, localDateTime(n.startedAt, TZ));
      assert.equal(row.clid, n.clid);
      assert.match(row.clid as string, /^"[^"]+" <101>$/);
      assert.equal(row.src, '101');
      assert.equal(row.dst, '102');
      assert.match(row.channel as string, /^SIP\/MojaCentrala-101-[0-9a-f]{8}$/);
      assert.match(row.dstchannel as string, /^SIP\/MojaCentrala-102-[0-9a-f]{8}$/);
      assert.equal(row.lastapp, 'Dial');
      assert.equal(typeof row.duration, 'number');
      assert.equal(typeof row.billsec, 'number');
      assert.match(row.uniqueid as string, /^\d{10}\.\d+$/);
      assert.equal(row.uniqueid, n.uniqueid);
      assert.equal(row.cost, '');
      assert.equal(row.zone, '');
    }
    const [answered, abandoned] = res.body;
    assert.equal(answered.disposition, 'ANSWERED');
    assert.ok(answered.billsec >= 1 && answered.billsec <= 4, `billsec ${answered.billsec}`);
    assert.ok(answered.duration >= answered.billsec);
    assert.equal(abandoned.disposition, 'NO ANSWER');
    assert.equal(abandoned.billsec, 0);

    // Inclusive local days: today holds both, yesterday and tomorrow none.
    const today = localDate(new Date(), TZ);
    const yesterday = new Date(Date.parse(`${today}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    assert.equal((await get(t, readKey, `/cdr?datestart=${today}&datestop=${today}`)).body.length, 2);
    assert.equal((await get(t, readKey, `/cdr?datestart=${yesterday}&datestop=${today}`)).body.length, 2);
    assert.deepEqual((await get(t, readKey, `/cdr?datestart=${yesterday}&datestop=${yesterday}`)).body, []);
    assert.deepEqual((await get(t, readKey, `/cdr?datestart=${nextDate(today)}&datestop=${nextDate(today)}`)).body, []);
  });

  it('/cdr refuses bad dates with a 400 and a message', async () => {
    for (const [q, says] of [
      ['datestart=2021-13-01', /datestart 2021-13-01 is not a date/],
      ['datestop=2021-02-30', /datestop 2021-02-30 is not a date/],
      ['datestart=yesterday', /datestart/],
      ['datestart=2021-10-07&datestop=2021-10-01', /after datestop/],
      ['color=red', /color/],
    ] as const) {
      const res = await get(t, readKey, `/cdr?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.body.code, 'SB_VALIDATION');
      assert.match(res.body.detail, says, q);
    }
  });

  it('/dial rings cpa first, then cpb, and connects them: OK', async () => {
    // 101's ESTABLISHED and 102's INCOMING come from two processes and may
    // arrive in either order; what the server guarantees is that 101 had
    // answered (Connected) before 102 was offered the call.
    const up101 = p101.waitForType('CALL_ESTABLISHED', 10_000);
    const ring102 = p102.waitForType('CALL_INCOMING', 10_000).then(() => t.server.control.calls.list()[0]?.participants.map((p) => `${p.dn}:${p.status}`));
    const res = await get(t, controlKey, '/dial?cpa=101&cpb=102');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'OK');
    assert.match(res.type, /^text\/plain/);
    const [, whenRinging] = await Promise.all([up101, ring102]);
    assert.deepEqual(whenRinging, ['101:Connected', '102:Ringing'], 'when 102 rang, 101 had answered');
    const up102 = p102.waitForType('CALL_ESTABLISHED', 10_000);
    await p102.accept();
    await up102;
    const call = await eventually(async () => {
      const calls = t.server.control.calls.list();
      return calls[0]?.state === 'Talking' ? calls[0] : undefined;
    });
    assert.deepEqual(call.participants.map((p) => `${p.dn}:${p.status}`), ['101:Connected', '102:Connected']);
    const down = p101.waitForType('CALL_CLOSED', 10_000);
    await p102.hangup();
    await down;
  });

  it('/dial says Action Error (500) when the call cannot start, and a 400 for missing numbers', async () => {
    for (const q of ['cpa=199&cpb=102', 'cpa=105&cpb=102', 'cpa=101&cpb=4321']) {
      const res = await get(t, controlKey, `/dial?${q}`);
      assert.equal(res.status, 500, q);
      assert.equal(res.body, 'Action Error');
    }
    for (const q of ['cpa=101', 'cpb=102', 'cpa=abc&cpb=102', '']) {
      const res = await get(t, controlKey, `/dial?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.body.code, 'SB_VALIDATION');
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(t.server.control.calls.list(), []);
  });

  it('/sendSMS without an SMS gateway: RESPONSE with 500, nothing stored', async () => {
    const res = await fetch(`${t.base}/sendSMS`, { method: 'POST', headers: { authorization: `Bearer ${controlKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'to=600100200&body=hello' });
    assert.equal(res.status, 500);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['responseId', 'responseStatus', 'responseErrorMessage']);
    assert.equal(body.responseId, null);
    assert.equal(body.responseStatus, 'FAILED');
    assert.match(String(body.responseErrorMessage), /no SMS gateway is configured/);
    assert.deepEqual(await t.server.store.db.selectFrom('smsMessages').selectAll().execute(), []);
  });

  it('/record lists recordings of the days asked for, with the seed fields', async () => {
    const today = localDate(new Date(), TZ);
    assert.deepEqual((await get(t, readKey, '/record')).body, []);
    const cdr = (await get(t, readKey, '/cdr')).body[0];
    const startedAt = new Date().toISOString();
    await t.server.store.db
      .insertInto('recordings')
      .values({ id: 'r1', callId: '1', cdrUniqueid: cdr.uniqueid, participants: '[]', startedAt, durationMs: 2000, size: 32_044, format: 'wav', path: '/nonexistent.wav', token: 'tok', revokedAt: null, createdAt: startedAt })
      .execute();
    const res = await get(t, readKey, `/record?datestart=${today}&datestop=${today}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, [{ uniqueid: cdr.uniqueid, src: '101', dst: '102', format: 'wav', date: localDateTime(startedAt, TZ) }]);
    assert.deepEqual((await get(t, readKey, `/record?datestart=${nextDate(today)}&datestop=${nextDate(today)}`)).body, []);
    assert.equal((await get(t, readKey, '/record?datestart=2021-02-30')).status, 400);
    const dl = await get(t, readKey, `/record/${String(cdr.uniqueid)}`);
    assert.equal(dl.status, 404, 'the row has no file behind it');
    assert.match(dl.body.detail, /gone/);
  });
});
