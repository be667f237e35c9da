// POST /connect/token over HTTPS, as 3CX clients call it (multipart, and the
// form-urlencoded body of RFC 6749 §4.4.2): the exact reply, every refusal,
// expiry, revocation, and the DNs and role a token carries.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CallControlClient, selfSignedCertificate } from '../helpers/callcontrol-client.ts';

describe('call control token', () => {
  let t: TestServer;
  let cc: CallControlClient;
  let key101: string;
  let read101: string;
  before(async () => {
    const pair = await selfSignedCertificate();
    t = await startTestServer({ SWITCHBOARD_TLS_CERT: pair.cert, SWITCHBOARD_TLS_KEY: pair.key, SWITCHBOARD_CALLCONTROL_TOKEN_TTL: '2' });
    cc = new CallControlClient(`https://127.0.0.1:${String(t.server.ports.http)}`, pair.ca);
    key101 = (await t.server.control.keys.create('control', 'app 101', '101')).key;
    read101 = (await t.server.control.keys.create('read', 'wallboard 101', '101')).key;
  });
  after(async () => t.stop());

  it('answers a multipart request with exactly the four OAuth fields', async () => {
    const res = await cc.connect('101', key101);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body), ['token_type', 'expires_in', 'access_token', 'refresh_token']);
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.expires_in, 2);
    assert.match(res.body.access_token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.notEqual(res.body.access_token, res.body.refresh_token);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal((await cc.get('/callcontrol/101')).status, 200);
  });

  it('accepts form-urlencoded and HTTP Basic client authentication', async () => {
    const form = new URLSearchParams({ client_id: '101', client_secret: key101, grant_type: 'client_credentials' }).toString();
    const res = await cc.request('POST', '/connect/token', { raw: { body: form, contentType: 'application/x-www-form-urlencoded' }, token: null });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const basic = Buffer.from(`101:${key101}`).toString('base64');
    const viaBasic = await cc.request('POST', '/connect/token', { raw: { body: 'grant_type=client_credentials', contentType: 'application/x-www-form-urlencoded' }, token: null, headers: { authorization: `Basic ${basic}` } });
    assert.equal(viaBasic.status, 200, JSON.stringify(viaBasic.body));
  });

  it('refuses bad credentials and requests with the RFC 6749 §5.2 error', async () => {
    const form = (f: Record<string, string>) => ({ raw: { body: new URLSearchParams(f).toString(), contentType: 'application/x-www-form-urlencoded' }, token: null });
    const cases: [Record<string, string>, number, string][] = [
      [{ client_id: '101', client_secret: 'sb_000000000000_nonsense-nonsense-nonsense', grant_type: 'client_credentials' }, 401, 'invalid_client'],
      [{ client_id: '102', client_secret: key101, grant_type: 'client_credentials' }, 401, 'invalid_client'],
      [{ client_id: '101', grant_type: 'client_credentials' }, 400, 'invalid_request'],
      [{ client_id: '101', client_secret: key101 }, 400, 'invalid_request'],
      [{ client_id: '101', client_secret: key101, grant_type: 'password' }, 400, 'unsupported_grant_type'],
      [{ grant_type: 'refresh_token', refresh_token: 'forged.token' }, 400, 'invalid_grant'],
      [{ client_id: '101', client_secret: key101, grant_type: 'client_credentials', extra: 'x' }, 400, 'invalid_request'],
    ];
    for (const [fields, status, error] of cases) {
      const res = await cc.request('POST', '/connect/token', form(fields));
      assert.equal(res.status, status, JSON.stringify([fields, res.body]));
      assert.equal(res.body.error, error, JSON.stringify(res.body));
      assert.equal(typeof res.body.error_description, 'string');
    }
    const json = await cc.request('POST', '/connect/token', { raw: { body: 'not json', contentType: 'text/plain' }, token: null });
    assert.equal(json.status, 400);
    assert.equal(json.body.error, 'invalid_request');
  });

  it('a token carries its DN: another DN is 403; a read key cannot act', async () => {
    const mine = new CallControlClient(cc.base, cc.ca);
    await mine.connect('101', key101);
    const other = await mine.get('/callcontrol/102');
    assert.equal(other.status, 403);
    assert.deepEqual(Object.keys(other.body).sort(), ['code', 'finalstatus', 'reason', 'reasontext']);
    assert.equal(other.body.reason, 'Forbidden');
    assert.equal((await mine.get('/callcontrol')).body.map((d: { dn: string }) => d.dn).join(','), '101');
    const reader = new CallControlClient(cc.base, cc.ca);
    assert.equal((await reader.connect('101', read101)).status, 200);
    assert.equal((await reader.get('/callcontrol/101/participants')).status, 200);
    const act = await reader.post('/callcontrol/101/makecall', { destination: '102' });
    assert.equal(act.status, 403, JSON.stringify(act.body));
    assert.equal(act.body.finalstatus, 'Failure');
  });

  it('an expired token answers 401 cleanly; the refresh token gives a new one', async () => {
    const c = new CallControlClient(cc.base, cc.ca);
    const issued = (await c.connect('101', key101)).body as { refresh_token: string };
    assert.equal((await c.get('/callcontrol/101')).status, 200);
    await new Promise((r) => setTimeout(r, 2200));
    const expired = await c.get('/callcontrol/101');
    assert.equal(expired.status, 401);
    assert.equal(expired.body.reason, 'Unauthorized');
    assert.match(expired.body.reasontext, /expired/);
    await assert.rejects(c.ws(), /HTTP 401/);
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: issued.refresh_token }).toString();
    const renewed = await c.request('POST', '/connect/token', { raw: { body: form, contentType: 'application/x-www-form-urlencoded' }, token: null });
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
    c.token = renewed.body.access_token as string;
    assert.equal((await c.get('/callcontrol/101')).status, 200);
  });

  it('no token, a forged one, or one of a revoked key: 401', async () => {
    assert.equal((await cc.request('GET', '/callcontrol', { token: null })).status, 401);
    const forged = await cc.request('GET', '/callcontrol', { token: 'eyJ1c2UiOiJhY2Nlc3MifQ.AAAA' });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.code, 'SB_UNAUTHORIZED');
    await assert.rejects(cc.ws(undefined), /HTTP 401/);
    const k = await t.server.control.keys.create('control', 'temp', '101');
    const c = new CallControlClient(cc.base, cc.ca);
    await c.connect('101', k.key);
    assert.equal((await c.get('/callcontrol/101')).status, 200);
    await t.server.control.keys.revoke(k.id);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await c.get('/callcontrol/101')).status, 401);
  });
});
