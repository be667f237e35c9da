// Scale-out (issue 14): every ACD queue has one owner node. Node A (a real
// child process) and node B share one PostgreSQL and NATS; A owns demo queue
// 800 first; A is killed with SIGKILL and B takes the queue once A's lease
// ran out; a third node C sees B as the owner; B stops cleanly and gives the
// queue back at once, so C owns it well within a lease.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/phones.ts';
import { postgresDatabase, PG_URL, type TestDatabase } from '../helpers/databases.ts';
import { startChild, type ChildSwitchboard } from '../reliability/child-switchboard.ts';
import { clusterName, deleteStream, nodeEnv, startNode } from './cluster-harness.ts';

/** The lease QueueOwnership holds a queue for (its default). */
const LEASE_MS = 10_000;

describe('ACD queue ownership across nodes', () => {
  const cluster = clusterName();
  let db: TestDatabase;
  let sql: pg.Client;
  let dir: string;
  let a: ChildSwitchboard | undefined;
  let b: TestServer | undefined;
  let c: TestServer | undefined;
  const ownerRow = async (queue: string): Promise<{ node: string; leaseUntil: string }[]> =>
    (await sql.query<{ node: string; leaseUntil: string }>('select node, lease_until as "leaseUntil" from queue_owners where queue = $1', [queue])).rows;

  before(async () => {
    db = await postgresDatabase();
    dir = mkdtempSync(join(tmpdir(), 'sb-queue-owner-'));
    a = await startChild({ ...nodeEnv(db, cluster, 'a', true), SWITCHBOARD_DATA_DIR: join(dir, 'a') });
    sql = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${new URL(db.url).searchParams.get('schema') ?? ''}` });
    await sql.connect();
    // A seeded queue 800 after its first round: it takes the queue at its next one, before B exists.
    await eventually(async () => (await ownerRow('800'))[0]?.node === 'a', 15_000, 'node A owning queue 800');
    b = await startNode(db, cluster, 'b', false);
  });
  after(async () => {
    await a?.kill9();
    await b?.stop();
    await c?.stop();
    await sql?.end();
    await deleteStream(cluster);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one owner per queue; the owner killed with SIGKILL: another node takes the queue after the lease', { timeout: 120_000 }, async () => {
    const nodeB = b as TestServer;
    const owners = nodeB.server.cluster?.queues;
    assert.ok(owners, 'node B is clustered');
    // A live owner keeps its queue: B's rounds see A as the owner.
    await eventually(async () => owners.ownerOf('800') === 'a', 5_000, 'node B seeing node A own queue 800');
    await new Promise((r) => setTimeout(r, LEASE_MS / 2));
    assert.equal(owners.ownerOf('800'), 'a', 'still A after more of B\'s rounds');
    assert.equal(owners.owns('800'), false);
    const rows = await ownerRow('800');
    assert.equal(rows.length, 1, 'one owner row');
    assert.equal(rows[0]?.node, 'a');

    const killedAt = Date.now();
    await (a as ChildSwitchboard).kill9();
    await eventually(async () => owners.owns('800'), LEASE_MS + 15_000, 'node B owning queue 800 after A died');
    const took = Date.now() - killedAt;
    process.stderr.write(`  node B took queue 800 ${String(took)} ms after node A was killed\n`);
    assert.deepEqual((await ownerRow('800')).map((r) => r.node), ['b']);
    assert.ok(new Date((await ownerRow('800'))[0]?.leaseUntil ?? 0).getTime() > Date.now(), 'B holds a live lease');
  });

  it('a clean stop hands the queue over at once (well within a lease)', { timeout: 60_000 }, async () => {
    c = await startNode(db, cluster, 'c', false);
    const owners = c.server.cluster?.queues;
    assert.ok(owners);
    await eventually(async () => owners.ownerOf('800') === 'b', 10_000, 'node C seeing node B own queue 800');
    assert.equal(owners.owns('800'), false, 'a live owner keeps its queue');
    const stoppedAt = Date.now();
    await (b as TestServer).stop();
    b = undefined;
    await eventually(async () => owners.owns('800'), LEASE_MS, 'node C owning queue 800');
    const took = Date.now() - stoppedAt;
    process.stderr.write(`  node C took queue 800 ${String(took)} ms after node B stopped\n`);
    assert.ok(took < LEASE_MS * 0.6, `handed over at the next round (${String(took)} ms), not after a lease`);
    assert.deepEqual((await ownerRow('800')).map((r) => r.node), ['c']);
  });
});
