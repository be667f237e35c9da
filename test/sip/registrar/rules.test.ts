// The registrar's rules (RFC 3261 §10.3), by a plain UDP client with digest:
// several contacts, Min-Expires, Contact "*", no user enumeration, bans after
// repeated failures, and OPTIONS qualify marking a silent device unreachable.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer } from '../../helpers/server.ts';
import { SipUdpClient } from '../../helpers/sip-udp-client.ts';

describe('registrar rules', () => {
  let t: TestServer;
  let pw101: string;
  const server = () => ({ host: '127.0.0.1', port: t.sipPort });
  before(async () => {
    // A small T1 keeps unanswered OPTIONS (Timer F = 64*T1) short.
    t = await startTestServer({ SWITCHBOARD_SIP_T1_MS: '50' });
    pw101 = (await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/101')).body.authPassword;
  });
  after(async () => t.stop());

  it('keeps several contacts for one extension and lists them in the 200', async () => {
    const a = await new SipUdpClient(server()).open();
    const b = await new SipUdpClient(server()).open();
    try {
      assert.equal((await a.registerWithAuth({ user: '101', password: pw101, expires: 300 })).status, 200);
      const ok = await b.registerWithAuth({ user: '101', password: pw101, expires: 300 });
      assert.equal(ok.status, 200);
      assert.equal(ok.contacts.length, 2, 'the 200 lists every binding');
      assert.ok(ok.contacts.every((c) => Number(c.params.get('expires')) > 290));
      const devices = (await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/101/devices')).body;
      assert.equal(devices.length, 2);
      // §10.3 step 6: "*" with Expires 0 removes them all.
      const all = await a.registerWithAuth({ user: '101', password: pw101, contacts: ['*'], expires: 0 });
      assert.equal(all.status, 200);
      assert.equal((await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/101/devices')).body.length, 0);
    } finally {
      a.close();
      b.close();
    }
  });

  it('answers 423 with Min-Expires to a too brief interval, and 400 to "*" with a non-zero Expires', async () => {
    const c = await new SipUdpClient(server()).open();
    try {
      const brief = await c.registerWithAuth({ user: '101', password: pw101, expires: 10 });
      assert.equal(brief.status, 423);
      assert.equal(brief.getHeader('min-expires'), '60');
      const star = await c.registerWithAuth({ user: '101', password: pw101, contacts: ['*'], expires: 60 });
      assert.equal(star.status, 400);
    } finally {
      c.close();
    }
  });

  it('gives an unknown user exactly the challenge a wrong password gets', async () => {
    const c = await new SipUdpClient(server()).open();
    try {
      const unknown = await c.registerWithAuth({ user: '9999', password: 'whatever1' });
      const wrong = await c.registerWithAuth({ user: '102', password: 'whatever1' });
      assert.equal(unknown.status, 401);
      assert.equal(wrong.status, 401);
      const shape = (r: typeof unknown) => r.getHeaders('www-authenticate').map((h) => h.replace(/nonce="[^"]*"/, 'nonce=""'));
      assert.deepEqual(shape(unknown), shape(wrong));
      assert.equal(unknown.reason, wrong.reason);
    } finally {
      c.close();
    }
  });

  it('a user may not register another extension (403)', async () => {
    const c = await new SipUdpClient(server()).open();
    try {
      const first = await c.register({ user: '102' });
      assert.equal(first.status, 401);
      const { DigestClient } = await import('../../../src/sip/auth/digest-client.ts');
      const auth = new DigestClient({ username: '101', password: pw101 }).authorize({ method: 'REGISTER', uri: `sip:127.0.0.1:${String(t.sipPort)}`, challengeHeaderValue: first.getHeaders('www-authenticate') });
      const res = await c.register({ user: '102', authorization: auth });
      assert.equal(res.status, 403);
    } finally {
      c.close();
    }
  });

  it('bans a source after repeated failures and drops its packets, others unaffected', async () => {
    const attacker = await new SipUdpClient(server(), '127.0.0.3').open();
    const honest = await new SipUdpClient(server()).open();
    try {
      let dropped = false;
      for (let i = 0; i < 30 && !dropped; i++) {
        try {
          await attacker.registerWithAuth({ user: '101', password: `guess-${i}-xx` });
        } catch {
          dropped = true;
        }
      }
      assert.ok(dropped, 'the attacker is still answered after 30 failures');
      assert.equal(t.server.sip.guard.isBanned('127.0.0.3'), true);
      assert.equal((await honest.registerWithAuth({ user: '101', password: pw101, expires: 120 })).status, 200);
    } finally {
      attacker.close();
      honest.close();
    }
  });

  it('marks a device that stops answering OPTIONS unreachable, and reachable again', async () => {
    const c = await new SipUdpClient(server()).open();
    try {
      assert.equal((await c.registerWithAuth({ user: '103', password: (await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/103')).body.authPassword, expires: 300 })).status, 200);
      const reachable = async () => (await api(t.base, t.adminKey, 'GET', '/api/v1/extensions/103/devices')).body[0]?.reachable as boolean;
      await t.server.sip.qualifier.round();
      assert.ok(c.requests.includes('OPTIONS'));
      assert.equal(await reachable(), true);
      c.answerRequests = false;
      await t.server.sip.qualifier.round();
      assert.equal(await reachable(), false);
      c.answerRequests = true;
      await t.server.sip.qualifier.round();
      assert.equal(await reachable(), true);
    } finally {
      c.close();
    }
  });
});
