// A trunk over TLS (RFC 3261 §26.2.1): Switchboard connects out to the
// provider's TLS port, verifies its certificate (trusted through
// SWITCHBOARD_SIP_TLS_CA) and registers over that connection. The provider is
// a small TLS registrar in the test that answers REGISTER 200.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:tls';
import { readFileSync } from 'node:fs';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { selfSignedCertificate } from '../../helpers/callcontrol-client.ts';
import { eventually } from '../../helpers/phones.ts';
import { SipStreamFramer, parseMessage, createResponse, type SipRequest } from '../../../src/sip/message/index.ts';

interface Registrar {
  server: Server;
  port: number;
  registers: SipRequest[];
}

async function tlsRegistrar(cert: string, key: string): Promise<Registrar> {
  const registers: SipRequest[] = [];
  const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (socket) => {
    const framer = new SipStreamFramer({ maxMessageSize: 65_535 });
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      for (const out of framer.push(chunk)) {
        if (out.kind !== 'message') continue;
        const parsed = parseMessage(out.data);
        if (!parsed.ok || parsed.message.kind !== 'request') continue;
        const req = parsed.message as SipRequest;
        registers.push(req);
        const res = createResponse(req, 200, 'OK', 'reg1');
        res.setHeader('Contact', `${req.getHeader('Contact') ?? ''};expires=60`);
        socket.write(res.toBuffer());
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0, registers };
}

describe('trunks over TLS', () => {
  const servers: TestServer[] = [];
  let registrar: Registrar | undefined;
  after(async () => {
    for (const s of servers) await s.stop();
    registrar?.server.close();
  });

  it('registers over a verified TLS connection; without the CA trusted the certificate is refused and the trunk fails', { timeout: 40_000 }, async () => {
    const pair = await selfSignedCertificate();
    const reg = (registrar = await tlsRegistrar(pair.cert, pair.key));
    const trunk = { name: 'TLS provider', host: '127.0.0.1', port: reg.port, transport: 'tls' as const, username: 'trunkuser', password: 'trunkpass', register: true, registerExpires: 60 };

    const trusting = await startTestServer({ SWITCHBOARD_TLS_CERT: pair.cert, SWITCHBOARD_TLS_KEY: pair.key, SWITCHBOARD_SIP_TLS_PORT: '0', SWITCHBOARD_SIP_TLS_CA: pair.cert });
    servers.push(trusting);
    const created = await trusting.server.control.directory.trunks.create(trunk);
    const ok = await eventually(async () => (await trusting.server.control.trunks.status()).find((s) => s.trunkId === created.id && s.state === 'registered'), 10_000, 'registered over TLS');
    assert.equal(ok.code, 200);
    const first = reg.registers[0];
    assert.ok(first, 'the registrar got a REGISTER');
    assert.match(first.getHeader('Via') ?? '', /^SIP\/2\.0\/TLS /);
    assert.match(first.getHeader('Contact') ?? '', /;transport=tls>/);
    assert.equal(first.uri.kind === 'sip' ? first.uri.params.get('transport') : undefined, 'tls');

    // A Switchboard that does not trust the provider's self-signed certificate never gets to send.
    const before = reg.registers.length;
    const wary = await startTestServer({ SWITCHBOARD_TLS_CERT: pair.cert, SWITCHBOARD_TLS_KEY: pair.key, SWITCHBOARD_SIP_TLS_PORT: '0' });
    servers.push(wary);
    const refused = await wary.server.control.directory.trunks.create(trunk);
    await eventually(async () => (await wary.server.control.trunks.status()).find((s) => s.trunkId === refused.id && s.state === 'failed'), 15_000, 'failed: certificate not trusted');
    assert.equal(reg.registers.length, before, 'no REGISTER crossed an unverified connection');
  });
});
