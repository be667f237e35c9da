// Scale-out (issue 14): two Switchboard nodes on one PostgreSQL schema and one
// NATS JetStream, Kamailio (deploy/kamailio/kamailio.cfg) in front. baresip
// 101 and 102 register through Kamailio and land on different nodes (one node
// per AOR); 101 calls 102: the call lives on 101's node and reaches 102
// through the Path 102 registered with on the other node; audio flows both
// ways; the call is listed by both nodes' APIs and dropped through the node
// that does not hold it (forwarded over NATS); both nodes' event WebSockets
// send the same events, numbered alike, in the same order, without gaps.
// Then the node holding the call is killed: Kamailio stops dispatching to it
// within its probing interval and a new call goes through the other node.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, type TestServer } from '../helpers/server.ts';
import { eventually, audioFlowsBothWays } from '../helpers/phones.ts';
import { postgresDatabase, type TestDatabase } from '../helpers/databases.ts';
import { Baresip } from '../peers/baresip.ts';
import { Kamailio } from '../peers/kamailio.ts';
import { clusterName, deleteStream, EventSocket, startFront, startNode } from './cluster-harness.ts';

interface CallBody {
  id: string;
  state: string;
  participants: { id: string; dn: string; status: string }[];
}

describe('two nodes behind Kamailio', { skip: !Kamailio.available() && 'kamailio is not installed' }, () => {
  const cluster = clusterName();
  let db: TestDatabase;
  let nodes: TestServer[] = [];
  let front: Awaited<ReturnType<typeof startFront>>;
  const phones: Baresip[] = [];
  const sockets: EventSocket[] = [];
  let home101: TestServer;
  let home102: TestServer;

  const phone = async (ext: string, via: TestServer = nodes[0] as TestServer): Promise<Baresip> => {
    const res = await api(via.base, via.adminKey, 'GET', `/api/v1/extensions/${ext}`);
    const p = await Baresip.start({ user: ext, password: res.body.authPassword as string, registrar: front.kam.address, regint: 600, answermode: 'auto', sipTrace: process.env.SB_SIP_TRACE === '1' });
    phones.push(p);
    await p.waitRegistered(8000);
    return p;
  };
  const homeOf = (ext: string): TestServer => {
    const home = nodes.filter((n) => n.server.sip.locations.bindings(ext).length > 0);
    assert.equal(home.length, 1, `${ext} is registered on exactly one node`);
    return home[0] as TestServer;
  };
  const calls = async (t: TestServer): Promise<CallBody[]> => (await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as CallBody[];

  before(async () => {
    db = await postgresDatabase();
    const a = await startNode(db, cluster, 'a', true);
    nodes = [a, await startNode(db, cluster, 'b', false)];
    front = await startFront(nodes.map((n) => n.sipPort));
  });
  after(async () => {
    for (const s of sockets) s.close();
    for (const p of phones) await p.stop();
    await front?.stop();
    for (const n of nodes) await n.stop();
    await deleteStream(cluster);
    await db?.drop();
  });

  it('101 and 102 register through Kamailio onto different nodes, each node learns the other phone', async () => {
    await phone('101');
    await phone('102');
    home101 = homeOf('101');
    home102 = homeOf('102');
    assert.notEqual(home101, home102, 'one node per AOR: 101 and 102 hash to different nodes');
    const binding = home102.server.sip.locations.bindings('102')[0];
    assert.ok(binding?.path?.[0]?.includes(`127.0.0.1:${String(front.kam.port)}`), `102's binding keeps Kamailio's Path: ${JSON.stringify(binding?.path)}`);
    assert.match(binding?.path?.[0] ?? '', /;lr/);
    // 101's node finds 102 (from the shared devices table and 102's device.registered event).
    await eventually(async () => home101.server.sip.reachable.bindings('102').length === 1, 5000, '101\'s node knowing 102');
    const listed = (await api(home101.base, home101.adminKey, 'GET', '/api/v1/registrations')).body as { extension: string }[];
    assert.deepEqual(listed.map((d) => d.extension).sort(), ['101', '102'], 'either node lists both phones');
  });

  it('101 calls 102 across the nodes: audio both ways, listed and dropped by either node, same events on both WebSockets', async () => {
    const [p101, p102] = phones as [Baresip, Baresip];
    for (const n of nodes) sockets.push(new EventSocket(n));
    await Promise.all(sockets.map((s) => s.opened));
    const start = Math.min(...sockets.map((s) => s.hello?.lastSeq ?? 0));

    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 15_000), p102.waitForType('CALL_ESTABLISHED', 15_000)]);
    await p101.dial(`sip:102@${front.kam.address}`);
    await up;
    const call = await eventually(async () => (await calls(home101)).find((c) => c.state === 'Talking'), 10_000, 'a talking call on 101\'s node');
    assert.deepEqual(call.participants.map((p) => p.dn).sort(), ['101', '102']);
    await audioFlowsBothWays(home101, call.id, 'audio both ways between 101 and 102');

    // The other node lists the call too (from the cluster's events).
    const seen = await eventually(async () => (await calls(home102)).find((c) => c.id === call.id && c.state === 'Talking'), 5000, 'the call listed by 102\'s node');
    assert.deepEqual(seen.participants.map((p) => p.dn).sort(), ['101', '102']);
    const one = await api(home102.base, home102.adminKey, 'GET', `/api/v1/calls/${call.id}`);
    assert.equal(one.status, 200);

    // Dropped through the node that does not hold it: forwarded, answered.
    const pid = call.participants.find((p) => p.dn === '102')?.id ?? '';
    const down = Promise.all([p101.waitForType('CALL_CLOSED', 10_000), p102.waitForType('CALL_CLOSED', 10_000)]);
    const res = await api(home102.base, home102.adminKey, 'POST', `/api/v1/calls/${call.id}/participants/${pid}/drop`);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await down;
    const missing = await api(home102.base, home102.adminKey, 'POST', `/api/v1/calls/${call.id}/participants/${pid}/drop`);
    assert.equal(missing.status, 404, 'a call that ended is gone on every node');
    await eventually(async () => (await calls(home102)).length === 0 && (await calls(home101)).length === 0, 5000, 'no call listed anywhere');

    // Both WebSockets: the same events, the same numbers, the same order, no gap.
    const ended = (s: EventSocket): boolean => s.events.some((e) => e.type === 'call.ended' && (e.payload.call as { id: string }).id === call.id);
    await eventually(async () => sockets.every(ended), 5000, 'call.ended on both WebSockets');
    await new Promise((r) => setTimeout(r, 300));
    const [wa, wb] = sockets.map((s) => s.events.filter((e) => e.seq > start)) as [EventSocket['events'], EventSocket['events']];
    const upTo = Math.min(wa.at(-1)?.seq ?? 0, wb.at(-1)?.seq ?? 0);
    const view = (list: EventSocket['events']): string[] => list.filter((e) => e.seq <= upTo).map((e) => `${String(e.seq)} ${e.type}`);
    assert.deepEqual(view(wa), view(wb), 'both nodes stream the same events in the same order');
    const seqs = wa.filter((e) => e.seq <= upTo).map((e) => e.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => (seqs[0] ?? 0) + i), 'sequence numbers without gaps');
    const types = new Set(view(wa).map((l) => l.split(' ')[1]));
    for (const t of ['call.created', 'participant.updated', 'call.updated', 'call.ended']) assert.ok(types.has(t), `${t} streamed`);

    // A client resuming on the other node from the middle gets the rest, numbered alike.
    const mid = seqs[Math.floor(seqs.length / 2)] ?? 0;
    const resumed = new EventSocket(home101, `?since=${String(mid)}`);
    sockets.push(resumed);
    await resumed.opened;
    await eventually(async () => resumed.events.some((e) => e.seq >= upTo), 5000, 'the resumed stream catching up');
    assert.deepEqual(view(resumed.events), view(wb).filter((l) => Number(l.split(' ')[0]) > mid), 'resume on another node continues the same order');
  });
  it('101\'s node dies: Kamailio takes it out within its probing interval, a new phone of 101 and its call go through the other node, its event stream goes on without a gap', async () => {
    const survivor = home102;
    const ws = sockets[nodes.indexOf(survivor)] as EventSocket;
    const before = ws.events.length;
    await home101.stop();
    // Probing: an OPTIONS every 1 s that times out after 1 s (FR_TIMER) marks the node inactive.
    await new Promise((r) => setTimeout(r, 3000));
    const logBefore = front.kam.log().length;
    // A second phone of 101: 101's AOR hashes to the dead node, so this REGISTER
    // shows whether Kamailio still sends there.
    const p103 = await phone('101', survivor);
    assert.equal(survivor.server.sip.locations.bindings('101').length, 1, '101\'s new phone registers on the node that is alive');
    const up = Promise.all([p103.waitForType('CALL_ESTABLISHED', 15_000), (phones[1] as Baresip).waitForType('CALL_ESTABLISHED', 15_000)]);
    await p103.dial(`sip:102@${front.kam.address}`);
    await up;
    const call = await eventually(async () => (await calls(survivor)).find((c) => c.state === 'Talking'), 10_000, 'a talking call on the surviving node');
    await audioFlowsBothWays(survivor, call.id, 'audio both ways between 101 (its second phone) and 102');
    assert.doesNotMatch(front.kam.log().slice(logBefore), /failed (REGISTER|INVITE); trying the next/, 'no request was sent to the dead node');
    const down = (phones[1] as Baresip).waitForType('CALL_CLOSED', 10_000);
    await p103.hangup();
    await down;
    await eventually(async () => ws.events.some((e) => e.type === 'call.ended' && (e.payload.call as { id: string }).id === call.id), 5000, 'call.ended streamed');
    const seqs = ws.events.slice(before).map((e) => e.seq);
    assert.ok(seqs.length > 3, 'events streamed after the node died');
    assert.deepEqual(seqs, seqs.map((_, i) => (seqs[0] ?? 0) + i), 'no sequence gap');
    assert.equal(seqs[0], (ws.events[before - 1]?.seq ?? 0) + 1, 'numbering goes on from before the node died');
  });
});
