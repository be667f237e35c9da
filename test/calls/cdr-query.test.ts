// GET /api/v1/cdr filters by the time calls started (inclusive bounds) and
// refuses malformed dates.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';

describe('CDR query', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    const rows = ['2026-01-10T08:00:00.000Z', '2026-01-11T12:30:00.000Z', '2026-01-12T23:59:59.000Z'].map((startedAt, i) => ({
      uniqueid: `17680${String(i)}.1`,
      callId: String(i),
      startedAt,
      answeredAt: startedAt,
      endedAt: startedAt,
      src: '101',
      dst: '102',
      clid: '"A" <101>',
      channel: 'SIP/101-00000001',
      dstChannel: 'SIP/102-00000002',
      lastApp: 'Dial',
      lastData: 'SIP/102',
      duration: 10 + i,
      billsec: 5 + i,
      disposition: 'ANSWERED',
      direction: 'Internal',
      did: '',
      trunk: '',
      cost: null,
      zone: '',
      recordingId: null,
    }));
    await t.server.store.db.insertInto('cdr').values(rows).execute();
  });
  after(async () => t.stop());

  it('filters by start time, both bounds inclusive, oldest first', async () => {
    const all = await api(t.base, t.adminKey, 'GET', '/api/v1/cdr');
    assert.deepEqual(all.body.map((r: { billsec: number }) => r.billsec), [5, 6, 7]);
    const mid = await api(t.base, t.adminKey, 'GET', '/api/v1/cdr?from=2026-01-11T12:30:00Z&to=2026-01-12T23:59:59Z');
    assert.deepEqual(mid.body.map((r: { uniqueid: string }) => r.uniqueid), ['176801.1', '176802.1']);
    const limited = await api(t.base, t.adminKey, 'GET', '/api/v1/cdr?limit=1');
    assert.equal(limited.body.length, 1);
  });

  it('refuses malformed dates and limits', async () => {
    for (const q of ['from=yesterday', 'to=2026-13-01T00:00:00Z', 'limit=0', 'limit=20000', 'color=red']) {
      const res = await api(t.base, t.adminKey, 'GET', `/api/v1/cdr?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.body.code, 'SB_VALIDATION');
    }
  });
});
