// ACD queues with real baresip phones: 101 calls a queue whose agents are
// 102, 103 (and 104). The PBX answers 101, who hears music on hold (RTP
// reaches 101 before any agent answers); agents are offered the call by the
// queue's strategy; the answering agent talks to 101 (audio both ways); the
// CDR says lastapp Queue with the agent as dstchannel. Also: ringAll rings
// both, hunt order after the ring timeout, logged-out and busy agents are
// not offered, wrap-up keeps an agent out, the master timeout sends the
// caller to the no-answer destination, the statistics events and the
// CloudPBX queue/qmember frames.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually, audioFlowsBothWays } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';
import type { PbxEvent } from '../../src/core/pbx-control.ts';
import type { QueueAgentStatus, QueueStatus } from '../../src/core/queue-status.ts';
import { PbxClient } from '../api/cloudpbx/ws-client.ts';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallBody {
  id: string;
  state: string;
  participants: { id: string; dn: string; status: string }[];
}
interface CdrRow {
  dst: string;
  disposition: string;
  lastapp: string;
  lastdata: string;
  dstchannel: string;
  callId: string;
}

describe('ACD queues with real phones', () => {
  let t: TestServer;
  let p101: Baresip;
  let p102: Baresip;
  let p103: Baresip;
  let p104: Baresip;
  const events: PbxEvent[] = [];
  let unsubscribe: () => void = () => undefined;
  const admin = (method: string, path: string, body?: unknown) => api(t.base, t.adminKey, method, path, body);
  const calls = async (): Promise<CallBody[]> => (await admin('GET', '/api/v1/calls')).body as CallBody[];
  const statuses = (c: CallBody): string => c.participants.map((p) => `${p.dn}:${p.status}`).sort().join();
  const queue = async (number: string, over: Record<string, unknown>): Promise<void> => {
    const res = await admin('POST', '/api/v1/queues', {
      number,
      name: `Q${number}`,
      pollingStrategy: 'hunt',
      ringTimeout: 3,
      masterTimeout: 60,
      wrapUpTime: 0,
      agents: ['102', '103'].map((extension) => ({ extension, loggedIn: true })),
      noAnswer: { type: 'extension', number: '104' },
      ...over,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  const status = async (number: string): Promise<QueueStatus> => {
    const res = await admin('GET', `/api/v1/queues/${number}/status`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as QueueStatus;
  };
  const dial = (number: string, phone = p101) => phone.dial(`sip:${number}@127.0.0.1:${String(t.sipPort)}`);
  /** 101 dials the queue; the PBX answers; music reaches 101 before any agent answers. */
  const enterQueue = async (number: string): Promise<CallBody> => {
    const up = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await dial(number);
    await up;
    const call = await eventually(async () => (await calls()).find((c) => c.participants.some((p) => p.dn === '101' && p.status === 'Connected')), 10_000, 'the queue answered 101');
    const live = t.server.sip.b2bua.get(call.id)!;
    await eventually(async () => (live.mediaStats().caller?.packetsOut ?? 0) > 50 && live.calleeParticipant === undefined, 5000, 'music on hold reaches 101 before an agent answers');
    return call;
  };
  const noCalls = () => eventually(async () => (await calls()).length === 0, 10_000, 'no calls left');
  const hangUp101 = async (other: Baresip): Promise<void> => {
    const down = other.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await down;
    await noCalls();
  };
  const cdrOf = (callId: string): Promise<CdrRow> =>
    eventually(async () => ((await admin('GET', '/api/v1/cdr')).body as CdrRow[]).find((r) => r.callId === callId), 5000, `the CDR of call ${callId}`);
  const agentEvents = (queueNumber: string, ext: string): QueueAgentStatus[] =>
    events.filter((e) => e.type === 'queue.agent').map((e) => e.payload as QueueAgentStatus).filter((a) => a.queue === queueNumber && a.extension === ext);

  before(async () => {
    t = await startTestServer();
    unsubscribe = t.server.control.events.subscribe((e) => events.push(e));
    p101 = await registeredPhone(t, '101', { answermode: 'auto' });
    p102 = await registeredPhone(t, '102');
    p103 = await registeredPhone(t, '103');
    p104 = await registeredPhone(t, '104');
  });
  after(async () => {
    unsubscribe();
    for (const p of [p101, p102, p103, p104]) await p?.stop();
    await t?.stop();
  });

  it('hunt: 101 hears music, 102 rings first, then 103 answers; audio flows; CDR Queue; events and CloudPBX frames', { timeout: 60_000 }, async () => {
    await queue('810', {});
    const ws = new PbxClient(`ws://127.0.0.1:${t.base.split(':')[2]}/ws/pbx_PBX?pbxkey=${t.adminKey}`);
    await ws.opened;
    const ring102 = p102.waitForType('CALL_INCOMING', 10_000);
    const call = await enterQueue('810');
    await ring102;
    const waiting = await eventually(async () => {
      const s = await status('810');
      return s.waiting.length === 1 ? s : undefined;
    }, 5000, '101 waits in 810');
    assert.equal(waiting.waiting[0]!.position, 1);
    assert.equal(waiting.waiting[0]!.callerNumber, '101');
    assert.equal(waiting.agents.find((a) => a.extension === '102')!.state, 'ringing');
    // 102 does not answer: after the ring timeout (3 s) 103 rings.
    const ringedAt = Date.now();
    await p103.waitForType('CALL_INCOMING', 10_000);
    assert.ok(Date.now() - ringedAt > 1500, 'the next agent rings after the ring timeout');
    const up = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await p103.accept();
    await up;
    const talking = await eventually(async () => (await calls()).find((c) => c.id === call.id && c.state === 'Talking'), 5000, '101 talks to 103');
    assert.equal(statuses(talking), '101:Connected,103:Connected');
    await audioFlowsBothWays(t, call.id);
    const during = await status('810');
    assert.equal(during.waiting.length, 0);
    assert.equal(during.answeredToday, 1);
    assert.equal(during.agents.find((a) => a.extension === '103')!.state, 'busy');
    await hangUp101(p103);
    const cdr = await cdrOf(call.id);
    assert.equal(cdr.lastapp, 'Queue');
    assert.equal(cdr.lastdata, '810');
    assert.equal(cdr.disposition, 'ANSWERED');
    assert.match(cdr.dstchannel, /^SIP\/103-/);
    const seed = (await api(t.base, t.adminKey, 'GET', '/cdr')).body as { lastapp: string; dstchannel: string; dst: string }[];
    const row = seed.find((r) => r.dst === '810');
    assert.equal(row?.lastapp, 'Queue');
    assert.match(row?.dstchannel ?? '', /^SIP\/PBX-103-/);

    // Events: 101 waited at position 1 with a wait time; 103 went ringing → busy → free with one answered call.
    const updates = events.filter((e) => e.type === 'queue.updated').map((e) => e.payload as QueueStatus).filter((s) => s.queue === '810');
    const withCaller = updates.find((s) => s.waiting.length === 1)!;
    assert.deepEqual(Object.keys(withCaller.waiting[0]!).sort(), ['callId', 'callerName', 'callerNumber', 'position', 'since', 'waitSeconds']);
    assert.deepEqual(Object.keys(withCaller.agentCounts).sort(), ['busy', 'free', 'loggedOut', 'ringing', 'unavailable', 'wrapUp']);
    assert.equal(typeof withCaller.longestWaitSeconds, 'number');
    const states103 = agentEvents('810', '103').map((a) => a.state);
    assert.deepEqual(states103.filter((s, i) => s !== states103[i - 1]).slice(-3), ['ringing', 'busy', 'free']);
    assert.equal(agentEvents('810', '103').at(-1)!.answeredToday, 1);

    // CloudPBX: queue calls "1" then "0"; qmember for 103 ringing (6), talking (2), free again (1) with m_ct 1.
    await ws.until(() => ws.events.some((f) => (f.text.queue as { calls?: string } | undefined)?.calls === '0'), 'queue calls 0');
    const queueFrames = ws.events.map((f) => f.text.queue as { peer: string; calls: string } | undefined).filter((q) => q?.peer === 'Q810');
    // The connection's snapshot may say "0" first (the queue's state when the client connected).
    const calls810 = queueFrames.map((q) => q!.calls);
    assert.deepEqual(calls810[0] === '0' ? calls810.slice(1) : calls810, ['1', '0']);
    assert.deepEqual(Object.keys(queueFrames[0]!), ['peer', 'calls']);
    const m103 = ws.events.map((f) => f.text.qmember as Record<string, string> | undefined).filter((m) => m?.peer === 'PBX-103' && m.queue === 'Q810');
    const mStates = m103.map((m) => m!.m_status);
    assert.ok(mStates.includes('6') && mStates.includes('2'), `m_status ${mStates.join()}`);
    assert.deepEqual(Object.keys(m103.at(-1)!).sort(), ['m_ct', 'm_location', 'm_mbshp', 'm_name', 'm_paused', 'm_reason', 'm_status', 'peer', 'queue']);
    assert.equal(m103.at(-1)!.m_ct, '1');
    assert.equal(m103.at(-1)!.m_location, 'SIP/PBX-103');
    ws.close();
  });

  it('ringAll rings every logged-in agent at once; a logged-out agent is not offered', { timeout: 60_000 }, async () => {
    await queue('811', { pollingStrategy: 'ringAll', agents: ['102', '103', '104'].map((extension) => ({ extension, loggedIn: true })) });
    assert.equal((await admin('POST', '/api/v1/queues/811/agents/104/logout')).status, 204);
    await eventually(async () => (await status('811')).agents.find((a) => a.extension === '104')?.state === 'loggedOut', 5000, '104 logged out');
    let rang104 = false;
    void p104.waitForType('CALL_INCOMING', 8000).then(() => (rang104 = true), () => undefined);
    const ring102 = p102.waitForType('CALL_INCOMING', 10_000);
    const ring103 = p103.waitForType('CALL_INCOMING', 10_000);
    const call = await enterQueue('811');
    await Promise.all([ring102, ring103]);
    const closed103 = p103.waitForType('CALL_CLOSED', 10_000);
    const up = p102.waitForType('CALL_ESTABLISHED', 10_000);
    await p102.accept();
    await up;
    await closed103;
    await eventually(async () => (await calls()).find((c) => c.id === call.id && statuses(c) === '101:Connected,102:Connected'), 5000, '101 talks to 102');
    await audioFlowsBothWays(t, call.id);
    assert.equal(rang104, false, 'the logged-out agent was not offered the call');
    await hangUp101(p102);
    assert.equal((await admin('POST', '/api/v1/queues/811/agents/104/login')).status, 204);
    assert.equal((await admin('POST', '/api/v1/queues/811/agents/105/login')).status, 422, 'not an agent of 811');
  });

  it('a busy agent is skipped; wrap-up keeps the last agent out of the next call', { timeout: 90_000 }, async () => {
    await queue('812', { wrapUpTime: 8 });
    // 104 calls 102 directly: 102 is busy, so the hunt starts at 103.
    const ring102 = p102.waitForType('CALL_INCOMING', 10_000);
    await dial('102', p104);
    await ring102;
    const up102 = p102.waitForType('CALL_ESTABLISHED', 10_000);
    await p102.accept();
    await up102;
    await eventually(async () => (await status('812')).agents.find((a) => a.extension === '102')?.state === 'busy', 5000, '102 busy');
    let rang102 = false;
    const watch102 = p102.waitForType('CALL_INCOMING', 6000).then(() => (rang102 = true), () => undefined);
    const ring103 = p103.waitForType('CALL_INCOMING', 10_000);
    const first = await enterQueue('812');
    await ring103;
    const up103 = p103.waitForType('CALL_ESTABLISHED', 10_000);
    await p103.accept();
    await up103;
    await eventually(async () => (await calls()).find((c) => c.id === first.id && c.state === 'Talking'), 5000, '101 talks to 103');
    await hangUp101Keep(p103);
    await watch102;
    assert.equal(rang102, false, 'the busy agent was not offered the call');
    // 102 hangs up its direct call; 103 is in wrap-up: the next call goes to 102, not 103.
    const closed104 = p104.waitForType('CALL_CLOSED', 10_000);
    await p102.hangup();
    await closed104;
    const s = await eventually(async () => {
      const st = await status('812');
      return st.agents.find((a) => a.extension === '103')?.state === 'wrapUp' && st.agents.find((a) => a.extension === '102')?.state === 'free' ? st : undefined;
    }, 5000, '103 in wrap-up, 102 free');
    assert.ok(s.agents.find((a) => a.extension === '103')!.wrapUpUntil);
    let rang103 = false;
    const watch103 = p103.waitForType('CALL_INCOMING', 2500).then(() => (rang103 = true), () => undefined);
    const again102 = p102.waitForType('CALL_INCOMING', 10_000);
    await enterQueue('812');
    await again102;
    await watch103;
    assert.equal(rang103, false, 'the agent in wrap-up was not offered the call');
    const up = p102.waitForType('CALL_ESTABLISHED', 10_000);
    await p102.accept();
    await up;
    await hangUp101(p102);
    // The wrap-up ends on its own.
    await eventually(async () => (await status('812')).agents.find((a) => a.extension === '103')?.state === 'free', 10_000, '103 free after its wrap-up');
  });

  /** Hangs up 101 and waits for the queue call to end (other calls may remain). */
  const hangUp101Keep = async (other: Baresip): Promise<void> => {
    const down = other.waitForType('CALL_CLOSED', 10_000);
    await p101.hangup();
    await down;
    await eventually(async () => !(await calls()).some((c) => c.participants.some((p) => p.dn === '101')), 10_000, "101's call ended");
  };

  it('the master timeout sends the caller to the no-answer destination; the queue counts it', { timeout: 60_000 }, async () => {
    // 105 has no phone: no agent can take the call.
    await queue('813', { agents: [{ extension: '105', loggedIn: true }], masterTimeout: 3 });
    const entered = Date.now();
    const ring104 = p104.waitForType('CALL_INCOMING', 15_000);
    const call = await enterQueue('813');
    assert.equal((await status('813')).agents[0]!.state, 'unavailable');
    await ring104;
    assert.ok(Date.now() - entered > 2500, 'the caller waited the master timeout');
    const up = p104.waitForType('CALL_ESTABLISHED', 10_000);
    await p104.accept();
    await up;
    await eventually(async () => (await calls()).find((c) => c.id === call.id && statuses(c) === '101:Connected,104:Connected'), 5000, '101 talks to 104');
    await audioFlowsBothWays(t, call.id);
    const s = await status('813');
    assert.equal(s.timedOutToday, 1);
    assert.equal(s.waiting.length, 0);
    await hangUp101(p104);
    assert.equal((await cdrOf(call.id)).lastapp, 'Dial', 'the call left the queue for the no-answer destination');
  });

  it('the intro plays, then music with spoken announcements of the position, without a gap', { timeout: 60_000 }, async () => {
    // Half a second of µ-law silence as the intro, relative to the data dir.
    writeFileSync(join(t.dataDir, 'intro.ul'), Buffer.alloc(4000, 0xff));
    await queue('814', { agents: [{ extension: '105', loggedIn: true }], introEnabled: true, introFile: 'intro.ul', announcementInterval: 1, announcePosition: true, masterTimeout: 8, noAnswer: { type: 'hangup', number: '' } });
    const call = await enterQueue('814');
    const live = t.server.sip.b2bua.get(call.id)!;
    const spoken = join(t.dataDir, 'prompts', `ivr-${createHash('sha256').update('You are caller number 1. Please hold.').digest('hex').slice(0, 16)}.wav`);
    await eventually(async () => existsSync(spoken), 15_000, 'the position announcement was spoken into the data dir');
    const before = live.mediaStats().caller?.packetsOut ?? 0;
    await new Promise((r) => setTimeout(r, 3000));
    const sent = (live.mediaStats().caller?.packetsOut ?? 0) - before;
    assert.ok(sent > 120, `about 50 packets a second reach 101 across music and announcements (${String(sent)} in 3 s)`);
    const closed = p101.waitForType('CALL_CLOSED', 15_000);
    await closed;
    await noCalls();
  });

  it('webapi ext.queue.set and ext.queueglobal.set log agents out and in; queue.free.get follows', async () => {
    const webapi = async (cmd: string, q: Record<string, string>) => (await fetch(`${t.base}/webapi/${t.adminKey}/${cmd}?${new URLSearchParams(q).toString()}`)).json() as Promise<unknown>;
    await eventually(async () => (await status('810')).agents.every((a) => a.state === 'free'), 10_000, 'agents of 810 free');
    assert.deepEqual(await webapi('queue.free.get', { num: '810' }), ['102', '103']);
    const ws = new PbxClient(`ws://127.0.0.1:${t.base.split(':')[2]}/ws/pbx_PBX?pbxkey=${t.adminKey}`);
    await ws.opened;
    const last102 = (): Record<string, string> | undefined =>
      ws.events.map((f) => f.text.qmember as Record<string, string> | undefined).filter((m) => m?.peer === 'PBX-102' && m.queue === 'Q810').at(-1);
    // A new connection starts with every queue and agent as they are now.
    await ws.until(() => ws.events.some((f) => (f.text.queue as { peer?: string } | undefined)?.peer === 'Q810') && last102()?.m_status === '1', 'the queue snapshot on connect');
    assert.equal(await webapi('ext.queue.set', { num: '102', queue: '810', log: 'off' }), true);
    // CloudPBX: the log-out is a pause of the agent in that queue.
    const paused = (): Record<string, string> | undefined =>
      ws.events.map((f) => f.text.qmember as Record<string, string> | undefined).find((m) => m?.peer === 'PBX-102' && m.queue === 'Q810' && m.m_paused === '1');
    await ws.until(() => paused() !== undefined, 'qmember 102 paused');
    assert.equal(paused()!.m_reason, 'logged out');
    assert.equal(await webapi('ext.queueglobal.set', { num: '103', log: 'off' }), true);
    await eventually(async () => (await status('810')).agentCounts.loggedOut === 2, 5000, 'both logged out');
    assert.deepEqual(await webapi('queue.free.get', { num: '810' }), []);
    assert.equal(await webapi('queue.isfree.get', { num: '810' }), false);
    assert.ok(agentEvents('810', '102').some((a) => a.state === 'loggedOut' && !a.loggedIn));
    assert.ok(agentEvents('810', '103').some((a) => a.state === 'loggedOut' && !a.globalLoggedIn));
    assert.equal((await admin('POST', '/api/v1/extensions/103/queues/login')).status, 204);
    assert.equal((await admin('POST', '/api/v1/queues/810/agents/102/login')).status, 204);
    assert.deepEqual(await webapi('queue.free.get', { num: '810' }), ['102', '103']);
    await ws.until(() => last102()?.m_paused === '0', 'qmember 102 back');
    ws.close();
    const read = (await admin('POST', '/api/v1/keys', { role: 'read' })).body as { key: string };
    assert.equal((await api(t.base, read.key, 'POST', '/api/v1/queues/810/agents/102/logout')).status, 403, 'a read key cannot log agents out');
    assert.equal((await admin('GET', '/api/v1/queues/899/status')).status, 404);
  });
});
