// How calls end before and without talk: forking to two devices of one
// extension (the first answer wins, the other is cancelled), busy, no answer,
// the caller cancelling, DND and an unregistered extension — each with the
// right CDR disposition and billsec.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';

interface Cdr {
  disposition: string;
  billsec: number;
  duration: number;
  src: string;
  dst: string;
}

describe('call dispositions', () => {
  let t: TestServer;
  const phones: Baresip[] = [];
  let p101: Baresip;
  let seen = 0;
  const dial = (from: Baresip, to: string) => from.dial(`sip:${to}@127.0.0.1:${String(t.sipPort)}`);
  const nextCdr = async (): Promise<Cdr> => {
    const rows = await eventually(async () => {
      const r = (await api(t.base, t.adminKey, 'GET', '/api/v1/cdr')).body as Cdr[];
      return r.length > seen ? r : undefined;
    }, 15_000, 'a new CDR row');
    seen = rows.length;
    assert.deepEqual((await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body, [], 'no call left over');
    return rows[rows.length - 1] as Cdr;
  };

  before(async () => {
    t = await startTestServer();
    p101 = await registeredPhone(t, '101', { answermode: 'manual' });
    phones.push(p101);
  });
  after(async () => {
    for (const p of phones) await p.stop();
    await t.stop();
  });

  it('forks to both devices of 102; the first to answer wins, the other stops ringing', async () => {
    const a = await registeredPhone(t, '102', { answermode: 'manual' });
    const b = await registeredPhone(t, '102', { answermode: 'manual' });
    phones.push(a, b);
    assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/102/devices')).body.length, 2);
    const ringA = a.waitForType('CALL_INCOMING', 10_000);
    const ringB = b.waitForType('CALL_INCOMING', 10_000);
    await dial(p101, '102');
    await Promise.all([ringA, ringB]);
    const bClosed = b.waitForType('CALL_CLOSED', 10_000);
    const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await a.accept();
    await up;
    await bClosed;
    await new Promise((r) => setTimeout(r, 1500));
    const down = a.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await down;
    const cdr = await nextCdr();
    assert.equal(cdr.disposition, 'ANSWERED');
    assert.ok(Math.abs(cdr.billsec - 1.5) <= 1, `billsec ${cdr.billsec}`);
    await a.stop();
    await b.stop();
  });

  it('busy: the callee rejects', async () => {
    const p103 = await registeredPhone(t, '103', { answermode: 'manual' });
    phones.push(p103);
    const ring = p103.waitForType('CALL_INCOMING', 10_000);
    const closed = p101.waitForType('CALL_CLOSED', 10_000);
    await dial(p101, '103');
    await ring;
    await p103.hangup();
    const ev = await closed;
    assert.match(String(ev.param ?? ''), /486|Busy/i);
    const cdr = await nextCdr();
    assert.equal(cdr.disposition, 'BUSY');
    assert.equal(cdr.billsec, 0);
  });

  it('no answer: the extension rings for its no-answer time', async () => {
    assert.equal((await api(t.base, t.adminKey, 'PATCH', '/api/v1/extensions/103', { noAnswerTimeout: 5 })).status, 200);
    const p103 = phones[phones.length - 1] as Baresip;
    const ring = p103.waitForType('CALL_INCOMING', 10_000);
    const closed = p101.waitForType('CALL_CLOSED', 15_000);
    const started = Date.now();
    await dial(p101, '103');
    await ring;
    await closed;
    const rang = Date.now() - started;
    assert.ok(rang >= 4500 && rang < 8000, `rang for ${rang} ms`);
    const cdr = await nextCdr();
    assert.equal(cdr.disposition, 'NO ANSWER');
    assert.equal(cdr.billsec, 0);
    assert.ok(Math.abs(cdr.duration - 5) <= 1, `duration ${cdr.duration}`);
  });

  it('the caller cancels while it rings', async () => {
    const p103 = phones[phones.length - 1] as Baresip;
    const ring = p103.waitForType('CALL_INCOMING', 10_000);
    await dial(p101, '103');
    await ring;
    const stopped = p103.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await stopped;
    const cdr = await nextCdr();
    assert.equal(cdr.disposition, 'NO ANSWER');
    assert.equal(cdr.billsec, 0);
  });

  it('DND gives busy, an unregistered extension fails', async () => {
    assert.equal((await api(t.base, t.adminKey, 'PATCH', '/api/v1/extensions/103', { dnd: true })).status, 200);
    let closed = p101.waitForType('CALL_CLOSED', 10_000);
    await dial(p101, '103');
    await closed;
    assert.equal((await nextCdr()).disposition, 'BUSY');
    closed = p101.waitForType('CALL_CLOSED', 10_000);
    await dial(p101, '104');
    await closed;
    const cdr = await nextCdr();
    assert.equal(cdr.disposition, 'FAILED');
    assert.equal(cdr.dst, '104');
  });
});
