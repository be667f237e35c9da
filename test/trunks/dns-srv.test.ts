// A trunk located by RFC 3263: its host is a name whose NAPTR and SRV
// records (served by a DNS server on 127.0.0.1) point at two SIPp servers.
// The first answers 503, so the call goes to the second (§4.3); the
// registration follows the same records.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, api, type TestServer } from '../helpers/server.ts';
import { registeredPhone, eventually } from '../helpers/phones.ts';
import { startDnsServer, type DnsServer, type Zone } from '../helpers/dns-server.ts';
import { startSipp } from '../peers/sipp.ts';
import { freeUdpPort } from '../peers/ports.ts';
import type { Baresip } from '../peers/baresip.ts';

const PROVIDER_UAS = new URL('../calls/scenarios/provider-uas.xml', import.meta.url).pathname;
const OUT_OF_SERVICE = new URL('./scenarios/provider-uas-503.xml', import.meta.url).pathname;
const REGISTRAR = new URL('./scenarios/registrar-plain.xml', import.meta.url).pathname;

describe('trunks located by NAPTR/SRV (RFC 3263)', () => {
  let dns: DnsServer;
  let t: TestServer;
  let p101: Baresip;
  const zone: Zone = { naptr: {}, srv: {}, a: { 'sip1.provider.test': ['127.0.0.1'], 'sip2.provider.test': ['127.0.0.1'] } };
  const admin = (method: string, path: string, body?: unknown) => api(t.base, t.adminKey, method, path, body);

  before(async () => {
    dns = await startDnsServer(zone);
    t = await startTestServer({ SWITCHBOARD_DNS_SERVERS: dns.address });
    p101 = await registeredPhone(t, '101', { answermode: 'auto' });
  });
  after(async () => {
    await p101?.stop();
    await t?.stop();
    await dns?.stop();
  });

  it('out: the priority-10 server answers 503, the priority-20 server takes the call', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-srv-'));
    const down = await startSipp({ scenarioFile: OUT_OF_SERVICE, timeoutMs: 30_000, calls: 1, args: ['-trace_logs', '-log_file', join(dir, 'down.log')] });
    const log = join(dir, 'up.log');
    const messages = join(dir, 'up.messages');
    const up = await startSipp({ scenarioFile: PROVIDER_UAS, timeoutMs: 30_000, calls: 1, args: ['-trace_logs', '-log_file', log, '-trace_msg', '-message_file', messages] });
    zone.naptr!['provider.test'] = [{ order: 10, preference: 10, flags: 's', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.provider.test' }];
    zone.srv!['_sip._udp.provider.test'] = [
      { priority: 20, weight: 0, port: up.localPort, target: 'sip2.provider.test' },
      { priority: 10, weight: 0, port: down.localPort, target: 'sip1.provider.test' },
    ];
    const trunk = await admin('POST', '/api/v1/trunks', { name: 'By SRV', host: 'provider.test', dnsSrv: true, transport: 'udp', register: false, enabled: true });
    assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
    assert.equal(trunk.body.dnsSrv, true);
    const rule = await admin('POST', '/api/v1/outbound-rules', { name: 'All', priority: 10, prefix: '0', routes: [{ trunkId: trunk.body.id, strip: 1, prepend: '48', callerId: '221234567' }] });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));

    const established = p101.waitForType('CALL_ESTABLISHED', 15_000);
    await p101.dial(`sip:0600100200@127.0.0.1:${String(t.sipPort)}`);
    await established;
    const downResult = await down.done;
    assert.equal(downResult.code, 0, `the first server got the INVITE and its ACK: ${downResult.screen ?? ''}`);
    await p101.hangup();
    const upResult = await up.done;
    assert.equal(upResult.code, 0, upResult.screen);
    // Request-URI at the provider's domain (not rewritten to the server), number and caller ID from the route.
    assert.match(await readFile(log, 'utf8'), /INVITE number=48600100200 callerid=221234567/);
    assert.match(await readFile(messages, 'utf8'), /^INVITE sip:48600100200@provider\.test SIP\/2\.0/m);
    assert.ok(dns.questions.includes('NAPTR provider.test'));
    assert.ok(dns.questions.includes('SRV _sip._udp.provider.test'));
    const cdr = await eventually(async () => ((await admin('GET', '/api/v1/cdr')).body as { dst: string; disposition: string }[]).find((r) => r.dst === '0600100200'), 5000, 'the CDR row');
    assert.equal(cdr.disposition, 'ANSWERED');
  });

  it('registration: the SRV record names the registrar; no NAPTR needed', async () => {
    const port = await freeUdpPort();
    const dir = await mkdtemp(join(tmpdir(), 'sb-srv-reg-'));
    const log = join(dir, 'reg.log');
    const registrar = await startSipp({ scenarioFile: REGISTRAR, localPort: port, calls: 1, timeoutMs: 30_000, args: ['-trace_msg', '-message_file', log] });
    zone.a!['voip.example.test'] = ['127.0.0.9'];
    zone.srv!['_sip._udp.voip.example.test'] = [{ priority: 1, weight: 10, port, target: 'sip1.provider.test' }];
    const created = await admin('POST', '/api/v1/trunks', { name: 'Registered by SRV', host: 'voip.example.test', dnsSrv: true, username: 'trunkuser', password: 'trunkpass', register: true, registerExpires: 60 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as number;
    await eventually(async () => {
      const all = (await admin('GET', '/api/v1/trunks/status')).body as { trunkId: number; state: string }[];
      return all.find((s) => s.trunkId === id && s.state === 'registered');
    }, 10_000, 'registered through the SRV target');
    const text = await readFile(log, 'utf8');
    assert.match(text, /REGISTER sip:voip\.example\.test SIP\/2\.0/);
    assert.equal((await admin('DELETE', `/api/v1/trunks/${String(id)}`)).status, 204);
    const result = await registrar.done;
    assert.equal(result.code, 0, result.screen ?? result.stdout);
  });
});
