// Every registered route, taken from Fastify's own route table so that new
// routes are covered without editing this test: no key → 401, a wrong key →
// 401, a read key on anything that changes state → 403.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';

// The TCXWebAPI dialect (seed 000) carries its key in the path: `:key` becomes
// the key under test there, and a wrong one where the test sends no header key;
// its POST commands (parameter.set, query) need an admin key.
function concrete(url: string, pathKey = 'qRQi5xQj8SvI'): string {
  return url.replace(/:key/g, encodeURIComponent(pathKey)).replace(/:command/g, 'parameter.set').replace(/:number/g, '101').replace(/:id/g, '1').replace(/:name/g, 'X').replace(/:[A-Za-z]+/g, 'x').replace(/\*$/, 'x');
}

describe('auth matrix', () => {
  let t: TestServer;
  let readKey: string;
  before(async () => {
    t = await startTestServer();
    readKey = (await t.server.control.keys.create('read', 'matrix')).key;
  });
  after(async () => t.stop());

  it('knows its routes', () => {
    const routes = t.server.http.routeTable;
    assert.ok(routes.length > 50, `only ${routes.length} routes`);
    assert.ok(routes.some((r) => r.url === '/api/v1/extensions' && r.method === 'POST'));
  });

  it('public routes are only health, readiness, the docs, recording links (whose random token is the credential), the OAuth token endpoint and the web panel\'s static files', () => {
    const pub = t.server.http.routeTable.filter((r) => r.role === 'public').map((r) => r.url);
    for (const url of pub) assert.match(url, /^(\/healthz|\/readyz|\/api\/docs.*|\/api\/v1\/openapi\.json|\/recordings\/:file|\/connect\/token|\/|\/assets\/:file)$/, `${url} is public`);
  });

  it('every other route refuses a missing or wrong key, and a read key cannot change anything', async () => {
    const checked: string[] = [];
    for (const r of t.server.http.routeTable) {
      if (r.role === 'public' || r.method === 'HEAD' || r.method === 'OPTIONS') continue;
      const url = concrete(r.url);
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : {};
      const none = await api(t.base, undefined, r.method, url, body);
      assert.equal(none.status, 401, `${r.method} ${r.url} without a key gave ${none.status}`);
      assert.equal(none.body.code, 'SB_UNAUTHORIZED');
      const wrong = await api(t.base, 'sb_000000000000_wrongwrongwrongwrongwrongwrongwr', r.method, url, body);
      assert.equal(wrong.status, 401, `${r.method} ${r.url} with a wrong key gave ${wrong.status}`);
      if (r.method !== 'GET') {
        const ro = await api(t.base, readKey, r.method, r.url.includes(':key') ? concrete(r.url, readKey) : url, body);
        assert.equal(ro.status, 403, `${r.method} ${r.url} with a read key gave ${ro.status}`);
        assert.equal(ro.body.code, 'SB_FORBIDDEN');
      }
      checked.push(`${r.method} ${r.url}`);
    }
    assert.ok(checked.length > 50);
  });

  it('a revoked key stops working at once', async () => {
    const k = await t.server.control.keys.create('admin', 'temp');
    assert.equal((await api(t.base, k.key, 'GET', '/api/v1/extensions')).status, 200);
    await t.server.control.keys.revoke(k.id);
    assert.equal((await api(t.base, k.key, 'GET', '/api/v1/extensions')).status, 401);
  });

  it('X-Api-Key works like a bearer token; secrets only for admin keys', async () => {
    const res = await fetch(`${t.base}/api/v1/extensions/101`, { headers: { 'x-api-key': readKey } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.number, '101');
    assert.equal(body.authPassword, undefined, 'a read key does not see SIP passwords');
    const admin = await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/101');
    assert.equal(typeof admin.body.authPassword, 'string');
  });
});
