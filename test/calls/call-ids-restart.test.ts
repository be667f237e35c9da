// Call ids never repeat across a restart (issue 13): a call, the server
// restarted on the same data directory, another call — the two calls' ids,
// and their CDRs' callIds, differ, and the later one is the larger.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { autoAnswerPhones, callBetween, eventually, hangUpAndSettle, stopPhonesThenServer } from '../helpers/phones.ts';
import type { Baresip } from '../peers/baresip.ts';

async function oneCall(t: TestServer): Promise<{ callId: string; cdrCallIds: string[] }> {
  const [p101, p102] = await autoAnswerPhones(t, ['101', '102'] as const);
  let phones: Baresip[] = [p101, p102];
  try {
    const { callId } = await callBetween(t, { '101': p101, '102': p102 });
    assert.match(callId, /^[1-9]\d*$/, 'a short decimal id');
    await hangUpAndSettle(t, p101, p102);
    const rows = await eventually(async () => {
      const r = await t.server.store.db.selectFrom('cdr').select('callId').execute();
      return r.some((x) => x.callId === callId) ? r : undefined;
    }, 8000, `the CDR of call ${callId}`);
    const cdrCallIds = rows.map((r) => r.callId);
    await stopPhonesThenServer(undefined, phones);
    phones = [];
    return { callId, cdrCallIds };
  } finally {
    for (const p of phones) await p.stop();
  }
}

describe('call ids across a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-callids-'));
  let t: TestServer | undefined;
  after(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a call after a restart on the same data directory gets a new id, and so does its CDR', async () => {
    t = await startTestServer({}, { dataDir: dir });
    const first = await oneCall(t);
    assert.deepEqual(first.cdrCallIds, [first.callId]);
    await t.stop();
    t = undefined;

    t = await startTestServer({}, { dataDir: dir });
    const second = await oneCall(t);
    assert.notEqual(second.callId, first.callId, 'the restarted server reused a call id');
    assert.ok(Number(second.callId) > Number(first.callId), `call ${second.callId} after a restart must be past ${first.callId}`);
    // Both CDRs are in the same database, each with its own call id.
    assert.deepEqual([...second.cdrCallIds].sort(), [first.callId, second.callId].sort());
  });
});
