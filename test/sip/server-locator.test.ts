// RFC 3263 §4 server location against a real DNS server on 127.0.0.1:
// NAPTR picks the SRV name of the transport, SRV orders the servers, A
// gives their addresses; a port in the URI or an address skips it all.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ServerLocator, ordered } from '../../src/sip/transport/server-locator.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';

describe('RFC 3263 server locator', () => {
  let dns: DnsServer;
  let locator: ServerLocator;

  before(async () => {
    dns = await startDnsServer({
      naptr: {
        'provider.test': [
          { order: 10, preference: 50, flags: 's', service: 'SIP+D2T', regexp: '', replacement: '_sip._tcp.provider.test' },
          { order: 10, preference: 10, flags: 's', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.provider.test' },
          { order: 20, preference: 10, flags: 's', service: 'SIPS+D2T', regexp: '', replacement: '_sips._tcp.provider.test' },
        ],
      },
      srv: {
        '_sip._udp.provider.test': [
          { priority: 20, weight: 0, port: 5080, target: 'backup.provider.test' },
          { priority: 10, weight: 0, port: 5070, target: 'main.provider.test' },
        ],
        '_sip._tcp.provider.test': [{ priority: 10, weight: 0, port: 5090, target: 'main.provider.test' }],
        '_sips._tcp.plain.test': [{ priority: 5, weight: 0, port: 5099, target: 'tls.plain.test' }],
        '_sip._udp.gone.test': [{ priority: 0, weight: 0, port: 0, target: '.' }],
      },
      a: {
        'main.provider.test': ['127.0.0.10'],
        'backup.provider.test': ['127.0.0.20', '127.0.0.21'],
        'tls.plain.test': ['127.0.0.30'],
        'plain.test': ['127.0.0.40'],
        'gone.test': ['127.0.0.50'],
        'provider.test': ['127.0.0.99'],
      },
    });
    locator = new ServerLocator({ servers: [dns.address], cacheMs: 0 });
  });
  after(async () => {
    await dns?.stop();
  });

  it('NAPTR → SRV of the transport → A, lowest SRV priority first, every address of a target', async () => {
    assert.deepEqual(await locator.locate('provider.test', 'udp'), [
      { address: '127.0.0.10', port: 5070, name: 'main.provider.test' },
      { address: '127.0.0.20', port: 5080, name: 'backup.provider.test' },
      { address: '127.0.0.21', port: 5080, name: 'backup.provider.test' },
    ]);
    assert.deepEqual(await locator.locate('provider.test', 'tcp'), [{ address: '127.0.0.10', port: 5090, name: 'main.provider.test' }]);
  });

  it('without NAPTR the usual SRV name (_sips._tcp for TLS); without SRV the A record on the default port', async () => {
    assert.deepEqual(await locator.locate('plain.test', 'tls'), [{ address: '127.0.0.30', port: 5099, name: 'tls.plain.test' }]);
    assert.ok(dns.questions.includes('SRV _sips._tcp.plain.test'));
    assert.deepEqual(await locator.locate('plain.test', 'udp'), [{ address: '127.0.0.40', port: 5060, name: 'plain.test' }]);
    // "." : the service is decidedly not there; the host's A record is what is left.
    assert.deepEqual(await locator.locate('gone.test', 'udp'), [{ address: '127.0.0.50', port: 5060, name: 'gone.test' }]);
  });

  it('a port in the URI means the A record only (§4.2); an address means no lookup at all; an unknown name nothing', async () => {
    const before = dns.questions.length;
    assert.deepEqual(await locator.locate('provider.test', 'udp', 5062), [{ address: '127.0.0.99', port: 5062, name: 'provider.test' }]);
    assert.deepEqual(dns.questions.slice(before), ['A provider.test']);
    const asked = dns.questions.length;
    assert.deepEqual(await locator.locate('127.0.0.7', 'tls'), [{ address: '127.0.0.7', port: 5061, name: '127.0.0.7' }]);
    assert.equal(dns.questions.length, asked);
    assert.deepEqual(await locator.locate('nowhere.test', 'udp'), []);
  });

  it('answers are kept for cacheMs', async () => {
    const cached = new ServerLocator({ servers: [dns.address], cacheMs: 60_000 });
    await cached.locate('provider.test', 'udp');
    const asked = dns.questions.length;
    await cached.locate('provider.test', 'udp');
    assert.equal(dns.questions.length, asked);
  });

  it('RFC 2782 order: by priority, then weighted random within one (weight 0 last unless alone)', () => {
    const records = [
      { priority: 2, weight: 0, id: 'p2' },
      { priority: 1, weight: 0, id: 'zero' },
      { priority: 1, weight: 10, id: 'light' },
      { priority: 1, weight: 90, id: 'heavy' },
    ];
    // random 0.05 × 100 = 5 → inside "light" (0–10); then 0.5 × 90 → "heavy"; "zero" last.
    const seq = [0.05, 0.5];
    assert.deepEqual(
      ordered(records, () => seq.shift() ?? 0).map((r) => r.id),
      ['light', 'heavy', 'zero', 'p2'],
    );
    // random 0.5 × 100 = 50 → past "light" → "heavy".
    assert.deepEqual(
      ordered(records, () => 0.5).map((r) => r.id),
      ['heavy', 'light', 'zero', 'p2'],
    );
  });
});
