// Scale-out (issue 14): the calls of nodes that come late and nodes that die.
// Node A (a real child process, so it can be killed with SIGKILL) carries a
// call between 101 and 102; node B starts only then and lists that call at
// once (the snapshot it asks the others for at start: no event of the call
// goes by after B joined). Then A is killed: B drops the call from its list
// once A's beats stop, and writes the call's CDR (ANSWERED, as A's own crash
// recovery would) with a call.ended on the stream; A started again finds
// nothing left to recover, so the call has one CDR.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/phones.ts';
import { postgresDatabase, type TestDatabase } from '../helpers/databases.ts';
import { Baresip } from '../peers/baresip.ts';
import { startChild, type ChildSwitchboard } from '../reliability/child-switchboard.ts';
import { clusterName, deleteStream, EventSocket, nodeEnv, startNode } from './cluster-harness.ts';

interface CallBody {
  id: string;
  state: string;
  participants: { dn: string; status: string }[];
}
interface CdrRow {
  callId: string;
  src: string;
  dst: string;
  disposition: string;
  billsec: number;
}

describe('a node that starts late, a node that dies: their calls', () => {
  const cluster = clusterName();
  let db: TestDatabase;
  let dir: string;
  let a: ChildSwitchboard | undefined;
  let b: TestServer | undefined;
  let socket: EventSocket | undefined;
  const phones: Baresip[] = [];
  let adminKey = '';
  let callId = '';
  const calls = async (base: string, key: string): Promise<CallBody[]> => (await api(base, key, 'GET', '/api/v1/calls')).body as CallBody[];
  const cdrsOf101to102 = async (t: TestServer): Promise<CdrRow[]> => ((await api(t.base, t.adminKey, 'GET', '/api/v1/cdr')).body as CdrRow[]).filter((r) => r.src === '101' && r.dst === '102');

  before(async () => {
    db = await postgresDatabase();
    dir = mkdtempSync(join(tmpdir(), 'sb-node-life-'));
    a = await startChild({ ...nodeEnv(db, cluster, 'a', true), SWITCHBOARD_DATA_DIR: join(dir, 'a') });
    adminKey = a.adminKey ?? '';
    assert.notEqual(adminKey, '', 'the first start printed the admin key');
  });
  after(async () => {
    socket?.close();
    for (const p of phones) await p.stop();
    await a?.kill9();
    await b?.stop();
    await deleteStream(cluster);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('node B starts after a call is up on node A and lists it at once', { timeout: 60_000 }, async () => {
    const nodeA = a as ChildSwitchboard;
    // The demo directory is seeded right after the banner.
    await eventually(async () => (await api(nodeA.base, adminKey, 'GET', '/api/v1/extensions/102')).status === 200, 10_000, 'the demo directory on node A');
    for (const ext of ['101', '102']) {
      const res = await api(nodeA.base, adminKey, 'GET', `/api/v1/extensions/${ext}`);
      const p = await Baresip.start({ user: ext, password: res.body.authPassword as string, registrar: `127.0.0.1:${String(nodeA.sipPort)}`, regint: 600, answermode: 'auto' });
      phones.push(p);
      await p.waitRegistered(8000);
    }
    const [p101, p102] = phones as [Baresip, Baresip];
    const up = Promise.all([p101.waitForType('CALL_ESTABLISHED', 15_000), p102.waitForType('CALL_ESTABLISHED', 15_000)]);
    await p101.dial(`sip:102@127.0.0.1:${String(nodeA.sipPort)}`);
    await up;
    const call = await eventually(async () => (await calls(nodeA.base, adminKey)).find((c) => c.state === 'Talking'), 10_000, 'a talking call on node A');
    callId = call.id;
    // Let the call's last events go by: what B learns must come from the snapshot.
    await new Promise((r) => setTimeout(r, 500));

    b = await startNode(db, cluster, 'b', false);
    const nodeB = b;
    socket = new EventSocket(nodeB);
    await socket.opened;
    const listed = (await calls(nodeB.base, nodeB.adminKey)).find((c) => c.id === callId);
    assert.ok(listed, `node B lists node A's call as soon as it is up: ${JSON.stringify(await calls(nodeB.base, nodeB.adminKey))}`);
    assert.equal(listed.state, 'Talking');
    assert.deepEqual(listed.participants.map((p) => `${p.dn}:${p.status}`).sort(), ['101:Connected', '102:Connected']);
    assert.equal((await api(nodeB.base, nodeB.adminKey, 'GET', `/api/v1/calls/${callId}`)).status, 200);
    assert.deepEqual(await cdrsOf101to102(nodeB), [], 'node B did not take a live call of node A for a crashed one');
  });

  it('node A killed: node B drops its call, writes its one CDR and announces its end; A restarted writes none', { timeout: 90_000 }, async () => {
    const nodeB = b as TestServer;
    const ws = socket as EventSocket;
    const killedAt = Date.now();
    await (a as ChildSwitchboard).kill9();
    await eventually(async () => !(await calls(nodeB.base, nodeB.adminKey)).some((c) => c.id === callId), 15_000, 'node B no longer listing the dead node\'s call');
    const dropped = Date.now() - killedAt;
    const cdr = await eventually(async () => (await cdrsOf101to102(nodeB))[0], 20_000, 'the CDR of the dead node\'s call');
    const written = Date.now() - killedAt;
    process.stderr.write(`  node B dropped the call ${String(dropped)} ms and wrote its CDR ${String(written)} ms after node A was killed\n`);
    assert.equal(cdr.disposition, 'ANSWERED', 'talk happened: billed as crash recovery bills it');
    assert.ok(cdr.billsec >= 0);
    await eventually(async () => ws.events.some((e) => e.type === 'call.ended' && (e.payload.call as { id: string }).id === callId), 5000, 'call.ended on node B\'s WebSocket');

    // A comes back on the same database: its start-up recovery has nothing of that call left.
    a = await startChild({ ...nodeEnv(db, cluster, 'a', false), SWITCHBOARD_DATA_DIR: join(dir, 'a') });
    await eventually(async () => (await api((a as ChildSwitchboard).base, adminKey, 'GET', '/api/v1/calls')).status === 200, 10_000, 'node A answering again');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await cdrsOf101to102(nodeB)).length, 1, 'one CDR for the call');
    assert.equal(ws.events.filter((e) => e.type === 'call.ended' && (e.payload.call as { id: string }).id === callId).length, 1, 'one call.ended for it');
  });
});
