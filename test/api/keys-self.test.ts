// GET /api/v1/keys/self: any valid key reads its own id, label and role (so
// a client such as the panel knows what it may do without trying), never the
// secret or the hash; no key or a revoked key is refused.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';

describe('GET /api/v1/keys/self', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t.stop());

  it('answers each role with its own key, and nothing secret', async () => {
    for (const role of ['read', 'control', 'admin'] as const) {
      const made = await t.server.control.keys.create(role, `self-${role}`);
      const res = await api(t.base, made.key, 'GET', '/api/v1/keys/self');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.id, made.id);
      assert.equal(res.body.label, `self-${role}`);
      assert.equal(res.body.role, role);
      assert.equal(res.body.revokedAt, null);
      assert.deepEqual(Object.keys(res.body).sort(), ['createdAt', 'extension', 'id', 'label', 'lastUsedAt', 'revokedAt', 'role']);
      const text = JSON.stringify(res.body);
      assert.ok(!text.includes(made.key), 'the secret is not in the answer');
      assert.ok(!/hash/i.test(text), 'no hash field');
    }
  });

  it('refuses no key, a wrong key and a revoked key with 401', async () => {
    assert.equal((await api(t.base, undefined, 'GET', '/api/v1/keys/self')).status, 401);
    assert.equal((await api(t.base, 'sb_000000000000_wrongwrongwrongwrongwrongwrongwr', 'GET', '/api/v1/keys/self')).status, 401);
    const k = await t.server.control.keys.create('read', 'gone');
    await t.server.control.keys.revoke(k.id);
    const res = await api(t.base, k.key, 'GET', '/api/v1/keys/self');
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'SB_UNAUTHORIZED');
  });

  it('is in the published OpenAPI document', async () => {
    const doc = await api(t.base, undefined, 'GET', '/api/v1/openapi.json');
    assert.ok(doc.body.paths['/api/v1/keys/self']?.get, Object.keys(doc.body.paths).filter((p: string) => p.includes('keys')).join(','));
  });
});
