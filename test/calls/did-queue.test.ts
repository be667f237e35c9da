// A DID end to end: SIPp as the provider side of a trunk sends a call to DID
// 221230000, whose inbound rule points at queue 810 in office hours (Mon–Fri
// 09:00–17:00 UTC) and at IVR 710 out of hours. The clock office hours are
// read by is set to a chosen instant (B2bua.officeClock). In hours the agent
// (102, logged in through the API) answers; out of hours the IVR answers and,
// no key pressed, sends the caller to 103. The CDR rows say which way each
// call went.
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the server sent */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import { startSipp } from '../peers/sipp.ts';
import { freeUdpPort } from '../peers/ports.ts';

const DID = '221230000';
const MONDAY_MORNING = new Date('2026-12-07T10:00:00Z');
const SUNDAY_MORNING = new Date('2026-12-06T10:00:00Z');

describe('DID to a queue in office hours, to an IVR out of hours', () => {
  let t: TestServer;
  let p102: Baresip;
  let p103: Baresip;
  let providerPort: number;
  const admin = (method: string, path: string, body?: unknown) => api(t.base, t.adminKey, method, path, body);
  const calls = async (): Promise<any[]> => (await admin('GET', '/api/v1/calls')).body as any[];

  before(async () => {
    t = await startTestServer();
    p102 = await registeredPhone(t, '102', { answermode: 'auto' });
    p103 = await registeredPhone(t, '103', { answermode: 'auto' });
    providerPort = await freeUdpPort();
    const trunk = await admin('POST', '/api/v1/trunks', { name: 'Provider', host: '127.0.0.1', port: providerPort, transport: 'udp', register: false, enabled: true });
    assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
    const queue = await admin('POST', '/api/v1/queues', {
      number: '810',
      name: 'Hotline',
      pollingStrategy: 'hunt',
      ringTimeout: 10,
      masterTimeout: 60,
      wrapUpTime: 0,
      agents: [{ extension: '102', loggedIn: false }],
      noAnswer: { type: 'extension', number: '104' },
    });
    assert.equal(queue.status, 201, JSON.stringify(queue.body));
    const ivr = await admin('POST', '/api/v1/ivrs', {
      number: '710',
      name: 'After hours',
      timeout: 1,
      maxRetries: 0,
      options: [{ digit: '1', destination: { type: 'extension', number: '104' } }],
      onTimeout: { type: 'extension', number: '103' },
      onInvalid: { type: 'extension', number: '103' },
    });
    assert.equal(ivr.status, 201, JSON.stringify(ivr.body));
    const weekday = [{ from: '09:00', to: '17:00' }];
    const rule = await admin('POST', '/api/v1/inbound-rules', {
      name: 'Hotline number',
      trunkId: trunk.body.id,
      did: DID,
      officeHours: { timeZone: 'UTC', weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday }, holidays: [] },
      inHours: { type: 'extension', number: '810' },
      outOfHours: { type: 'extension', number: '710' },
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
  });
  after(async () => {
    for (const p of [p102, p103]) await p?.stop();
    await t?.stop();
  });

  /** The provider calls the DID and hangs up after `holdMs` of talk. */
  const providerCall = (holdMs: number) =>
    startSipp({ builtin: 'uac', target: `127.0.0.1:${String(t.sipPort)}`, localPort: providerPort, calls: 1, timeoutMs: 60_000, args: ['-s', DID, '-d', String(holdMs)] });

  it('in office hours: queue 810; the agent logged in by the API answers; CDR Inbound ANSWERED, lastapp Queue, the agent as dstchannel', { timeout: 90_000 }, async () => {
    const login = await admin('POST', '/api/v1/queues/810/agents/102/login');
    assert.equal(login.status, 204, JSON.stringify(login.body));
    assert.equal(((await admin('GET', '/api/v1/queues/810/status')).body.agents as any[]).find((a) => a.extension === '102')?.state, 'free');
    t.server.sip.b2bua.officeClock = () => MONDAY_MORNING;

    const answered = p102.waitForType('CALL_ESTABLISHED', 20_000);
    const provider = await providerCall(6000);
    await answered;
    const call = await eventually(async () => (await calls()).find((c) => c.state === 'Talking'), 10_000, 'the agent talking');
    assert.equal(call.direction, 'Inbound');
    assert.equal(call.did, 'Hotline number');
    assert.deepEqual(call.participants.map((p: any) => `${p.dn as string}:${p.dnType as string}:${p.status as string}`).sort(), ['102:Extension:Connected', 'sipp:ExternalLine:Connected']);
    // SIPp's built-in UAC sends no RTP: the agent's audio reaching the provider is what can be measured.
    const live = t.server.sip.b2bua.get(call.id as string)!;
    await eventually(async () => (live.mediaStats().callee?.packetsIn ?? 0) > 25 && (live.mediaStats().caller?.packetsOut ?? 0) > 25, 5000, "the agent's audio relayed to the provider");
    const result = await provider.done;
    assert.equal(result.code, 0, result.screen);

    const row = await eventually(async () => ((await admin('GET', '/api/v1/cdr')).body as any[]).find((r) => r.callId === call.id), 8000, 'the CDR row');
    assert.equal(row.src, 'sipp');
    assert.equal(row.dst, DID);
    assert.equal(row.direction, 'Inbound');
    assert.equal(row.did, 'Hotline number');
    assert.equal(row.disposition, 'ANSWERED');
    assert.equal(row.lastapp, 'Queue');
    assert.equal(row.lastdata, '810');
    assert.match(row.dstchannel as string, /^SIP\/102-[0-9a-f]{8}$/);
    assert.ok(row.billsec >= 4 && row.billsec <= row.duration, `billsec ${String(row.billsec)} of duration ${String(row.duration)}`);
    const agent = ((await admin('GET', '/api/v1/queues/810/status')).body.agents as any[]).find((a) => a.extension === '102');
    assert.equal(agent.answeredToday, 1, 'the queue counted the answered call');
  });

  it('out of office hours (a Sunday): IVR 710 answers, no key pressed, the caller goes on to 103; the agent is not offered the call', { timeout: 90_000 }, async () => {
    t.server.sip.b2bua.officeClock = () => SUNDAY_MORNING;
    const reached = p103.waitForType('CALL_ESTABLISHED', 40_000);
    const provider = await providerCall(12_000);
    const atIvr = await eventually(async () => (await calls()).find((c) => c.state === 'Routing' && c.answeredAt !== null), 10_000, 'the IVR answered the provider');
    assert.deepEqual(atIvr.participants.map((p: any) => `${p.dn as string}:${p.status as string}`), ['sipp:Connected'], 'nobody rings while the menu plays');
    await reached;
    const result = await provider.done;
    assert.equal(result.code, 0, result.screen);
    const row = await eventually(async () => ((await admin('GET', '/api/v1/cdr')).body as any[]).find((r) => r.callId === atIvr.id), 8000, 'the CDR row');
    assert.equal(row.dst, DID);
    assert.equal(row.direction, 'Inbound');
    assert.equal(row.disposition, 'ANSWERED');
    assert.equal(row.lastapp, 'Dial');
    assert.match(row.dstchannel as string, /^SIP\/103-[0-9a-f]{8}$/);
    const events = ((await admin('GET', '/api/v1/events?limit=1000')).body.events as any[]).filter((e) => e.type === 'participant.updated' && e.payload.participant.callId === atIvr.id);
    assert.deepEqual([...new Set(events.map((e) => e.payload.participant.dn as string))].sort(), ['103', 'sipp'], 'the queue agent was never offered the out-of-hours call');
  });
});
