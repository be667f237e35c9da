// Scale-out (issue 14): a queue caller reaches the queue's owner node. Two
// nodes behind Kamailio on one PostgreSQL and NATS; 101–104 register through
// the front and land on one node or the other (one node per AOR). Queue 850's
// agents are the phones homed on its owner; a caller homed on the other node
// dials 850: its node hands it to the owner (a leg to the owner's SIP
// address, trusted as the cluster's own), the owner answers with music and
// rings its agent, the agent answers; RTP flows both ways through both
// nodes and the caller's tone reaches the agent; the owner's call names the caller's extension (its
// identity crossed over), the owner counts one answered call and the other
// node's own queue none; the status read on either node is the owner's.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, type TestServer } from '../helpers/server.ts';
import { eventually, audioFlowsBothWays, lastHeard } from '../helpers/phones.ts';
import { postgresDatabase, type TestDatabase } from '../helpers/databases.ts';
import { Baresip } from '../peers/baresip.ts';
import { Kamailio } from '../peers/kamailio.ts';
import { bandShareIn, soxStat } from '../peers/audio.ts';
import type { QueueStatus } from '../../src/core/queue-status.ts';
import type { CallInfo } from '../../src/core/calls.ts';
import { SipUdpClient } from '../helpers/sip-udp-client.ts';
import { clusterName, deleteStream, startFront, startNode } from './cluster-harness.ts';

/** Each phone sends its own tone, so what a phone heard says who it heard. */
const TONE: Record<string, number> = { '101': 500, '102': 800, '103': 1300, '104': 1700 };
const EXTENSIONS = Object.keys(TONE);

describe('ACD queue callers handed to the owner node', { skip: !Kamailio.available() && 'kamailio is not installed' }, () => {
  const cluster = clusterName();
  let db: TestDatabase;
  let nodes: TestServer[] = [];
  let front: Awaited<ReturnType<typeof startFront>>;
  const phones = new Map<string, Baresip>();

  const homeOf = (ext: string): TestServer => {
    const home = nodes.filter((n) => n.server.sip.locations.bindings(ext).length > 0);
    assert.equal(home.length, 1, `${ext} is registered on exactly one node`);
    return home[0] as TestServer;
  };
  const nodeId = (t: TestServer): string => t.server.config.nodeId;
  const status = async (t: TestServer, queue: string): Promise<QueueStatus> => {
    const res = await api(t.base, t.adminKey, 'GET', `/api/v1/queues/${queue}/status`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as QueueStatus;
  };

  before(async () => {
    db = await postgresDatabase();
    nodes = [await startNode(db, cluster, 'a', true), await startNode(db, cluster, 'b', false)];
    front = await startFront(nodes.map((n) => n.sipPort));
  });
  after(async () => {
    for (const p of phones.values()) await p.stop();
    await front?.stop();
    for (const n of nodes) await n.stop();
    await deleteStream(cluster);
    await db?.drop();
  });

  it('a caller on the other node waits in the owner\'s queue, the owner\'s agent answers, audio both ways, one answered call on either node\'s status', { timeout: 120_000 }, async () => {
    const [a] = nodes as [TestServer, TestServer];
    for (const ext of EXTENSIONS) {
      const res = await api(a.base, a.adminKey, 'GET', `/api/v1/extensions/${ext}`);
      const p = await Baresip.start({ user: ext, password: res.body.authPassword as string, registrar: front.kam.address, regint: 600, toneHz: TONE[ext], sipTrace: process.env.SB_SIP_TRACE === '1' });
      phones.set(ext, p);
      await p.waitRegistered(8000);
    }

    const created = await api(a.base, a.adminKey, 'POST', '/api/v1/queues', { number: '850', name: 'Q850', pollingStrategy: 'ringAll', ringTimeout: 20, masterTimeout: 60, wrapUpTime: 0, agents: [], noAnswer: { type: 'hangup', number: '' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const ownerId = await eventually(async () => {
      const seen = nodes.map((n) => n.server.cluster?.queues.ownerOf('850'));
      return seen[0] !== undefined && seen.every((o) => o === seen[0]) ? seen[0] : undefined;
    }, 15_000, 'both nodes agreeing on the owner of queue 850');
    const owner = nodes.find((n) => nodeId(n) === ownerId) as TestServer;
    const other = nodes.find((n) => n !== owner) as TestServer;
    // 101 and 102 always hash to different nodes (two-nodes.test.ts): one of them is the caller.
    const caller = ['101', '102'].find((e) => homeOf(e) === other) as string;
    const agents = EXTENSIONS.filter((e) => homeOf(e) === owner);
    assert.ok(agents.length > 0, 'an agent phone on the owner');
    const updated = await api(owner.base, owner.adminKey, 'PATCH', '/api/v1/queues/850', { agents: agents.map((extension) => ({ extension, loggedIn: true })) });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    // The caller's node must have heard where the owner's SIP listens.
    await eventually(async () => other.server.cluster?.members.sipOf(ownerId) !== undefined, 10_000, 'the caller\'s node knowing the owner\'s SIP address');
    await eventually(async () => (await status(owner, '850')).agents.every((s) => s.state === 'free'), 10_000, 'the agents free');

    const pCaller = phones.get(caller) as Baresip;
    const offered = Promise.race(agents.map((e) => (phones.get(e) as Baresip).waitForType('CALL_INCOMING', 20_000).then(() => e)));
    const answeredByQueue = pCaller.waitForType('CALL_ESTABLISHED', 15_000);
    const dialledAt = Date.now();
    await pCaller.dial(`sip:850@${front.kam.address}`);
    await answeredByQueue;
    process.stderr.write(`  the owner's queue answered the caller ${String(Date.now() - dialledAt)} ms after it dialled (through the front and the hand-over leg)\n`);
    const agent = await offered;
    const waiting = await eventually(async () => {
      const s = await status(other, '850');
      return s.waiting.length === 1 ? s : undefined;
    }, 5000, 'the caller waiting in 850, read on the caller\'s node');
    assert.equal(waiting.waiting[0]?.callerNumber, caller, 'the owner knows who is calling');
    const pAgent = phones.get(agent) as Baresip;
    const up = pAgent.waitForType('CALL_ESTABLISHED', 10_000);
    await pAgent.accept();
    await up;

    // On the owner: caller ⇄ agent, the caller named by its extension; on the caller's node: caller ⇄ queue 850.
    const ownerCall = await eventually(async () => owner.server.sip.b2bua.list().find((c) => c.state === 'Talking' && c.participants.some((p) => p.dn === agent && p.status === 'Connected')), 10_000, 'the agent talking on the owner');
    const callerSide = ownerCall.participants.find((p) => p.id === ownerCall.owner);
    assert.equal(callerSide?.dn, caller);
    assert.equal(callerSide?.dnType, 'Extension');
    const legCall = other.server.sip.b2bua.list().find((c: CallInfo) => c.participants.some((p) => p.dn === caller));
    assert.ok(legCall, 'the caller\'s call stays on its own node');
    assert.deepEqual(legCall.participants.map((p) => `${p.dn}:${p.dnType}`).sort(), [`${caller}:Extension`, '850:Queue']);
    await audioFlowsBothWays(owner, ownerCall.id, 'audio both ways on the owner');
    await audioFlowsBothWays(other, legCall.id, 'audio both ways on the caller\'s node');
    await new Promise((r) => setTimeout(r, 3000));
    const closed = Promise.all([pAgent.waitForType('CALL_CLOSED', 10_000), pCaller.waitForType('CALL_CLOSED', 10_000)]);
    await pCaller.hangup();
    await closed;
    await eventually(async () => nodes.every((n) => n.server.sip.b2bua.list().length === 0), 10_000, 'no call left on either node');

    // Tone: the caller's audio crossed both nodes to the agent. (The other way is
    // checked by packets above: after the music the caller's baresip drops the
    // agent's stream whenever its sequence numbers are behind the music's — its
    // jitter buffer is not reset on a new SSRC — which one node does alike.)
    const agentHeard = await lastHeard(pAgent);
    await eventually(async () => (await soxStat(agentHeard)).lengthSeconds > 2.5, 5000, 'the agent\'s recording closed');
    const agentGot = await bandShareIn(agentHeard, 0.5, 2, (TONE[caller] ?? 0) - 120, (TONE[caller] ?? 0) + 120);
    assert.ok(agentGot >= 0.6, `the agent hears the caller's tone (${agentGot.toFixed(2)} of RMS)`);

    const fromOwner = await status(owner, '850');
    assert.equal(fromOwner.answeredToday, 1);
    assert.equal(fromOwner.waiting.length, 0);
    assert.deepEqual(await status(other, '850'), fromOwner, 'the caller\'s node answers with the owner\'s status');
    assert.equal((await other.server.sip.queues.status('850')).answeredToday, 0, 'the caller\'s node did not serve the caller itself');
  });

  it('the hand-over mark is believed only from a live node\'s SIP address: from anywhere else the INVITE is challenged as a phone\'s', { timeout: 30_000 }, async () => {
    const owner = nodes.find((n) => nodeId(n) === n.server.cluster?.queues.ownerOf('850')) as TestServer;
    const other = nodes.find((n) => n !== owner) as TestServer;
    const callsBefore = owner.server.sip.b2bua.size;
    const forger = await new SipUdpClient({ host: '127.0.0.1', port: owner.sipPort }).open();
    try {
      const callId = `forged-${String(Date.now())}`;
      const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
      forger.send(
        [
          `INVITE sip:850@127.0.0.1:${String(owner.sipPort)} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${String(forger.port)};branch=z9hG4bK-${callId};rport`,
          'Max-Forwards: 70',
          `From: <sip:101@127.0.0.1>;tag=f1`,
          `To: <sip:850@127.0.0.1>`,
          `Call-ID: ${callId}`,
          'CSeq: 1 INVITE',
          `Contact: <sip:101@127.0.0.1:${String(forger.port)}>`,
          // What a fellow node would send: its name, and the caller it vouches for.
          `X-Switchboard-Node: ${nodeId(other)}`,
          'P-Asserted-Identity: <sip:101@127.0.0.1>',
          'Content-Type: application/sdp',
          `Content-Length: ${String(Buffer.byteLength(sdp))}`,
          '',
          sdp,
        ].join('\r\n'),
      );
      const answer = await eventually(async () => forger.received.find((r) => r.callId === callId && r.status >= 200), 5000, 'a final answer to the forged INVITE');
      assert.equal(answer.status, 407, 'challenged, not served');
      assert.equal(owner.server.sip.b2bua.size, callsBefore, 'no call on the owner');
    } finally {
      forger.close();
    }
  });
});
