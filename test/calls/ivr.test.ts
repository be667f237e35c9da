// IVR menus with real phones: the PBX answers 101, plays a spoken prompt
// (espeak-ng + sox), 101 presses digits (RFC 4733 from baresip) and reaches
// the option's extension; a wrong digit replays the menu, no digit goes to the
// timeout destination, the invalid destination may hang up; the CDR counts
// the call as answered from the IVR's answer.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually, audioFlowsBothWays } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';

interface CallBody {
  id: string;
  state: string;
  answeredAt: string | null;
  participants: { id: string; dn: string; status: string }[];
}
interface CdrRow {
  dst: string;
  disposition: string;
  billsec: number;
  answeredAt: string | null;
}

describe('IVR menus', () => {
  let t: TestServer;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  const admin = (method: string, path: string, body?: unknown) => api(t.base, t.adminKey, method, path, body);
  const statuses = (c: CallBody | undefined): string => (c?.participants ?? []).map((p) => `${p.dn}:${p.status}`).sort().join();
  const callWhere = (want: (c: CallBody) => boolean, what: string): Promise<CallBody> =>
    eventually(async () => ((await admin('GET', '/api/v1/calls')).body as CallBody[]).find(want), 15_000, what);
  const cdrRows = async (): Promise<CdrRow[]> => (await admin('GET', '/api/v1/cdr')).body as CdrRow[];
  let cdrCount = 0;
  const lastCdr = (): Promise<CdrRow> =>
    eventually(async () => {
      const rows = await cdrRows();
      return rows.length === cdrCount ? rows[cdrCount - 1] : undefined;
    }, 5000, `${String(cdrCount)} CDR rows`);
  /** 101 dials the menu; the PBX answers; the prompt's RTP reaches 101's leg. */
  const enterMenu = async (number: string): Promise<CallBody> => {
    const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await p101.dial(`sip:${number}@127.0.0.1:${String(t.sipPort)}`);
    await up;
    const call = await callWhere((c) => statuses(c) === '101:Connected', 'the IVR answered 101');
    assert.equal(call.state, 'Routing', 'talking to the PBX, not to a person');
    assert.ok(call.answeredAt, 'answeredAt is set at the IVR answer');
    const live = t.server.sip.b2bua.get(call.id);
    await eventually(async () => (live?.mediaStats().caller?.packetsOut ?? 0) > 25, 5000, 'the prompt plays to 101');
    return call;
  };
  const hangUp = async (other: Baresip): Promise<void> => {
    const down = other.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await down;
    cdrCount++;
  };

  before(async () => {
    t = await startTestServer();
    p101 = await registeredPhone(t, '101', { answermode: 'auto' });
    p102 = await registeredPhone(t, '102', { answermode: 'auto' });
    p103 = await registeredPhone(t, '103', { answermode: 'auto' });
    const menu = {
      name: 'Sales',
      prompt: '',
      timeout: 2,
      options: [{ digit: '1', destination: { type: 'extension', number: '102' } }],
      onTimeout: { type: 'extension', number: '103' },
      onInvalid: { type: 'hangup', number: '' },
    };
    for (const [number, maxRetries] of [['710', 1], ['711', 0]] as const) {
      const res = await admin('POST', '/api/v1/ivrs', { number, maxRetries, ...menu });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  });
  after(async () => {
    for (const p of [p101, p102, p103]) await p?.stop();
    await t?.stop();
  });

  it('a wrong digit replays the menu; then 1 reaches 102 and they talk', async () => {
    const call = await enterMenu('710');
    await p101.sendDtmf('9');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(statuses(await callWhere((c) => c.id === call.id, 'the call')), '101:Connected', 'still in the menu after an invalid digit');
    const reached = p102.waitForType('CALL_ESTABLISHED', 10_000);
    await p101.sendDtmf('1');
    await reached;
    const talking = await callWhere((c) => c.state === 'Talking' && statuses(c) === '101:Connected,102:Connected', '101 talks to 102');
    assert.equal(talking.answeredAt, call.answeredAt, 'answered once, at the IVR');
    await audioFlowsBothWays(t, call.id);
    await hangUp(p102);
    const cdr = await lastCdr();
    assert.equal(cdr.dst, '710');
    assert.equal(cdr.disposition, 'ANSWERED');
    assert.equal(cdr.answeredAt, call.answeredAt);
    const prompts = join(t.dataDir, 'prompts');
    assert.ok(existsSync(prompts) && readdirSync(prompts).some((f) => /^ivr-[0-9a-f]{16}\.wav$/.test(f)), 'the spoken prompt was generated into the data dir');
  });

  it('no digit: after the prompt and the timeout, the timeout destination (103) answers', async () => {
    const call = await enterMenu('711');
    const enteredAt = Date.now();
    const reached = p103.waitForType('CALL_ESTABLISHED', 20_000);
    await reached;
    assert.ok(Date.now() - enteredAt > 1500, 'the menu waited its timeout');
    await callWhere((c) => c.id === call.id && c.state === 'Talking' && statuses(c) === '101:Connected,103:Connected', '101 talks to 103');
    await audioFlowsBothWays(t, call.id);
    await hangUp(p103);
    assert.equal((await lastCdr()).disposition, 'ANSWERED');
  });

  it('an invalid digit with no retries left: the invalid destination hangs up; the CDR says answered', async () => {
    await enterMenu('711');
    const closed = p101.waitForType('CALL_CLOSED', 10_000);
    await p101.sendDtmf('7');
    await closed;
    cdrCount++;
    const cdr = await lastCdr();
    assert.equal(cdr.dst, '711');
    assert.equal(cdr.disposition, 'ANSWERED');
    assert.ok(cdr.answeredAt);
    await eventually(async () => ((await admin('GET', '/api/v1/calls')).body as CallBody[]).length === 0, 5000, 'no calls left');
  });

  it('a menu that times out into itself is stopped by the hop limit: 101 is hung up', async () => {
    // Its own prompt file (a tenth of a second of µ-law), relative to the data dir.
    writeFileSync(join(t.dataDir, 'short.ul'), Buffer.alloc(800, 0xff));
    const res = await admin('POST', '/api/v1/ivrs', { number: '712', name: 'Loop', prompt: 'short.ul', timeout: 1, maxRetries: 0, options: [], onTimeout: { type: 'extension', number: '712' }, onInvalid: { type: 'hangup', number: '' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const closed = p101.waitForType('CALL_CLOSED', 30_000);
    const startedAt = Date.now();
    await p101.dial(`sip:712@127.0.0.1:${String(t.sipPort)}`);
    await closed;
    cdrCount++;
    assert.ok(Date.now() - startedAt > 8000, 'nine rounds of the menu before the hop limit');
    const cdr = await lastCdr();
    assert.equal(cdr.dst, '712');
    assert.equal(cdr.disposition, 'ANSWERED');
  });

  it('the caller hangs up in the menu: the call ends, answered, with its billsec', async () => {
    const call = await enterMenu('710');
    await new Promise((r) => setTimeout(r, 1100));
    await p101.hangup();
    cdrCount++;
    const cdr = await lastCdr();
    assert.equal(cdr.dst, '710');
    assert.equal(cdr.disposition, 'ANSWERED');
    assert.equal(cdr.answeredAt, call.answeredAt);
    assert.ok(cdr.billsec >= 1, `billsec ${String(cdr.billsec)}`);
    assert.equal(t.server.sip.b2bua.get(call.id), undefined, 'the call is gone');
  });
});
