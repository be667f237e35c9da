// SIP over TLS (RFC 3261 §26.2.1): a phone registers and calls over TLS to
// Switchboard's TLS port, to a phone on UDP, and audio flows between them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { selfSignedCertificate } from '../../helpers/callcontrol-client.ts';
import { audioFlowsBothWays, eventually } from '../../helpers/phones.ts';
import { Baresip } from '../../peers/baresip.ts';
import { loadConfig, ConfigError } from '../../../src/config.ts';

describe('SIP over TLS', () => {
  let t: TestServer;
  const phones: Baresip[] = [];
  const password = async (ext: string): Promise<string> =>
    (await t.server.store.db.selectFrom('extensions').select('authPassword').where('number', '=', ext).executeTakeFirstOrThrow()).authPassword;

  before(async () => {
    const pair = await selfSignedCertificate();
    t = await startTestServer({ SWITCHBOARD_TLS_CERT: pair.cert, SWITCHBOARD_TLS_KEY: pair.key, SWITCHBOARD_SIP_TLS_PORT: '0' });
  });
  after(async () => {
    for (const p of phones) await p.stop();
    await t.stop();
  });

  it('refuses a TLS port without a certificate, naming the setting', () => {
    assert.throws(() => loadConfig({ SWITCHBOARD_SIP_TLS_PORT: '5061', SWITCHBOARD_DATA_DIR: t.dataDir }), (e: unknown) => e instanceof ConfigError && e.setting === 'SWITCHBOARD_SIP_TLS_PORT');
  });

  it('listens on its own port; a phone registers over TLS and calls a UDP phone with audio both ways', { timeout: 60_000 }, async () => {
    const tlsPort = t.server.ports.sip?.tls;
    assert.ok(tlsPort !== undefined && tlsPort > 0 && tlsPort !== t.sipPort, `a TLS port of its own (${String(tlsPort)})`);
    const p101 = await Baresip.start({ user: '101', password: await password('101'), registrar: `127.0.0.1:${String(tlsPort)}`, transport: 'tls', regint: 600 });
    phones.push(p101);
    await p101.waitRegistered(10_000);
    const p102 = await Baresip.start({ user: '102', password: await password('102'), registrar: `127.0.0.1:${String(t.sipPort)}`, regint: 600, answermode: 'auto' });
    phones.push(p102);
    await p102.waitRegistered(5000);
    const devices = await t.server.control.devices.list();
    assert.equal(devices.find((d) => d.extension === '101')?.transport, 'tls', 'the binding remembers its transport');

    const up = p102.waitForType('CALL_ESTABLISHED', 10_000);
    const upCaller = p101.waitForType('CALL_ESTABLISHED', 10_000);
    await p101.dial(`sip:102@127.0.0.1:${String(tlsPort)};transport=tls`);
    await Promise.all([up, upCaller]);
    const call = await eventually(async () => t.server.control.calls.list().find((c) => c.state === 'Talking'), 5000, 'the call talking');
    await audioFlowsBothWays(t, call.id);

    // The other direction: Switchboard sends the INVITE to 101 over its TLS connection.
    await p101.hangup();
    await eventually(async () => t.server.control.calls.list().length === 0, 5000, 'the call ended');
    const ringing = p101.waitForType('CALL_INCOMING', 10_000);
    await p102.dial(`sip:101@127.0.0.1:${String(t.sipPort)}`);
    await ringing;
    await p102.hangup();
  });
});
