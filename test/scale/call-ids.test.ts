// Call ids in a cluster (issue 14): two nodes on one PostgreSQL schema and one
// NATS JetStream, each carrying a call of its own at the same time. Numbered
// per node from 1, both calls were "1", so the merged call list held two
// calls of one id and a command for call "1" was ambiguous. Each node now
// takes its ids from blocks leased from the shared database: the two live
// calls have different ids, either node lists both, and each id names the
// right call on either node.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, type TestServer } from '../helpers/server.ts';
import { dialUntilUp, eventually, hangUpSeenBy, registeredPhone } from '../helpers/phones.ts';
import { postgresDatabase, type TestDatabase } from '../helpers/databases.ts';
import type { Baresip } from '../peers/baresip.ts';
import { clusterName, deleteStream, startNode } from './cluster-harness.ts';

interface CallBody {
  id: string;
  state: string;
  participants: { id: string; dn: string }[];
}

describe('call ids on two nodes of one database', () => {
  const cluster = clusterName();
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  const phones: Record<string, Baresip> = {};
  const calls = async (t: TestServer): Promise<CallBody[]> => (await api(t.base, t.adminKey, 'GET', '/api/v1/calls')).body as CallBody[];

  before(async () => {
    db = await postgresDatabase();
    a = await startNode(db, cluster, 'a', true);
    b = await startNode(db, cluster, 'b', false);
    // Each node's phones register with it directly: each call stays on its node.
    for (const ext of ['101', '103']) phones[ext] = await registeredPhone(a, ext, { answermode: 'auto' });
    for (const ext of ['102', '104']) phones[ext] = await registeredPhone(b, ext, { answermode: 'auto' });
  });
  after(async () => {
    for (const p of Object.values(phones)) await p.stop();
    await b?.stop();
    await a?.stop();
    await deleteStream(cluster);
    await db?.drop();
  });

  it('a call on node A and a call on node B at once get different ids, each naming its own call on either node', async () => {
    await dialUntilUp(a, phones['101']!, phones['103']!, '103');
    await dialUntilUp(b, phones['102']!, phones['104']!, '104');
    const onA = await eventually(async () => (await calls(a)).find((c) => c.participants.some((p) => p.dn === '101') && c.state === 'Talking'), 10_000, 'the call on A');
    const onB = await eventually(async () => (await calls(b)).find((c) => c.participants.some((p) => p.dn === '102') && c.state === 'Talking'), 10_000, 'the call on B');
    assert.match(onA.id, /^[1-9]\d*$/);
    assert.match(onB.id, /^[1-9]\d*$/);
    assert.notEqual(onA.id, onB.id, 'two nodes gave their calls the same id');
    assert.ok(a.server.sip.b2bua.get(onA.id) && !a.server.sip.b2bua.get(onB.id), 'A holds its own call only');

    // The merged list of either node: both calls, once each.
    for (const t of [a, b]) {
      const listed = await eventually(async () => {
        const l = await calls(t);
        return l.length === 2 ? l : undefined;
      }, 5000, 'both calls listed');
      assert.deepEqual(listed.map((c) => c.id).sort(), [onA.id, onB.id].sort());
      // Each id names one call, with its own phones, whichever node is asked.
      for (const [id, dns] of [[onA.id, ['101', '103']], [onB.id, ['102', '104']]] as const) {
        const one = await api(t.base, t.adminKey, 'GET', `/api/v1/calls/${id}`);
        assert.equal(one.status, 200);
        assert.deepEqual((one.body as CallBody).participants.map((p) => p.dn).sort(), dns);
      }
    }

    await hangUpSeenBy(phones['101']!, phones['103']!);
    await hangUpSeenBy(phones['102']!, phones['104']!);
    await eventually(async () => (await calls(a)).length === 0 && (await calls(b)).length === 0, 8000, 'no call listed anywhere');
  });
});
