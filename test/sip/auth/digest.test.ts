import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseAuthHeader,
  parseDigestChallenge,
  parseDigestChallenges,
  parseDigestCredentials,
  serializeDigestChallenge,
  serializeDigestCredentials,
} from '../../../src/sip/auth/digest-challenge.ts';
import { digestHa1, digestHash, digestResponse, parseDigestAlgorithm, type DigestAlgorithm } from '../../../src/sip/auth/digest-response.ts';
import { NonceIssuer } from '../../../src/sip/auth/nonce.ts';
import { DigestServer, type VerifyResult } from '../../../src/sip/auth/digest-server.ts';
import { DigestClient } from '../../../src/sip/auth/digest-client.ts';

const SECRET = 'test-secret-0123456789abcdef';

function response(algorithm: DigestAlgorithm, v: { username: string; realm: string; password: string; method: string; uri: string; nonce: string; qop?: string; nc?: string; cnonce?: string }): string {
  return digestResponse({ algorithm, ha1: digestHa1({ algorithm, ...v }), ...v });
}

function clock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function failure(r: VerifyResult): Extract<VerifyResult, { ok: false }> {
  assert.equal(r.ok, false, 'expected verification to fail');
  return r as Extract<VerifyResult, { ok: false }>;
}

/** A server challenge → client authorize → server verify round trip. */
async function roundTrip(opts: {
  server: DigestServer;
  client: DigestClient;
  passwords: Record<string, string>;
  method?: string;
  uri?: string;
  pick?: (values: string[]) => string | string[];
  rewrite?: (authorization: string) => string;
}): Promise<{ result: VerifyResult; authorization: string }> {
  const method = opts.method ?? 'REGISTER';
  const uri = opts.uri ?? 'sip:pbx.example.com';
  const challenges = opts.server.challenge().map((h) => h.value);
  const authorization = opts.client.authorize({ method, uri, challengeHeaderValue: opts.pick ? opts.pick(challenges) : challenges });
  assert.ok(authorization, 'client produced no credentials');
  const sent = opts.rewrite ? opts.rewrite(authorization) : authorization;
  const result = await opts.server.verify({ method, authorizationHeaderValue: sent, lookupPassword: (u) => opts.passwords[u] });
  return { result, authorization: sent };
}

describe('digest response: RFC test vectors', () => {
  it('RFC 2617 §3.5: Mufasa / "Circle Of Life", MD5, qop=auth', () => {
    const header =
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
    const parsed = parseDigestCredentials(header);
    assert.ok(parsed.ok);
    const c = parsed.value;
    const computed = response('MD5', { username: c.username, realm: c.realm, password: 'Circle Of Life', method: 'GET', uri: c.uri, nonce: c.nonce, qop: c.qop, nc: c.nc, cnonce: c.cnonce });
    assert.equal(computed, '6629fae49393a05397450978507c4ef1');
    assert.equal(computed, c.response);
  });

  const rfc7616 = {
    username: 'Mufasa',
    realm: 'http-auth@example.org',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    qop: 'auth',
    nc: '00000001',
  };

  it('RFC 7616 §3.9.1: MD5', () => {
    assert.equal(response('MD5', rfc7616), '8ca523f5e9506fed4657c9700eebdbec');
  });

  it('RFC 7616 §3.9.1: SHA-256', () => {
    assert.equal(response('SHA-256', rfc7616), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('RFC 7616 §3.9.1: the client, given the RFC challenge and cnonce, sends the RFC response', () => {
    for (const [algorithm, expected] of [
      ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
      ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
    ] as const) {
      const client = new DigestClient({ username: 'Mufasa', password: 'Circle of Life', cnonce: () => rfc7616.cnonce });
      const challenge = `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="${rfc7616.nonce}", opaque="${rfc7616.opaque}"`;
      const header = client.authorize({ method: 'GET', uri: '/dir/index.html', challengeHeaderValue: challenge });
      assert.ok(header);
      const parsed = parseDigestCredentials(header);
      assert.ok(parsed.ok);
      assert.equal(parsed.value.response, expected);
      assert.equal(parsed.value.nc, '00000001');
      assert.equal(parsed.value.qop, 'auth');
      assert.equal(parsed.value.opaque, rfc7616.opaque);
      assert.equal(parsed.value.algorithm, algorithm);
    }
  });

  it('SHA-512-256 hashes the FIPS 180-4 "abc" example', () => {
    assert.equal(digestHash('SHA-512-256', 'abc'), '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23');
  });

  it('RFC 2069 form (no qop): response = H(HA1:nonce:HA2)', () => {
    const ha1 = digestHash('MD5', 'Mufasa:testrealm@host.com:Circle Of Life');
    const ha2 = digestHash('MD5', 'GET:/dir/index.html');
    const expected = digestHash('MD5', `${ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:${ha2}`);
    assert.equal(
      response('MD5', { username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093' }),
      expected,
    );
  });

  it('algorithm names are case-insensitive; absent means MD5; unknown is undefined', () => {
    assert.equal(parseDigestAlgorithm(undefined), 'MD5');
    assert.equal(parseDigestAlgorithm('sha-256'), 'SHA-256');
    assert.equal(parseDigestAlgorithm('md5-SESS'), 'MD5-sess');
    assert.equal(parseDigestAlgorithm('AKAv1-MD5'), undefined);
  });
});

describe('digest challenge / credentials parsing', () => {
  it('parses a challenge with odd spacing, case and folded lines', () => {
    const r = parseDigestChallenge('  digest  REALM = "atlanta.com" ,\r\n\tNonce="f84f1cec41e6cbe5aea9c8e88d359",QOP="auth,auth-int" , algorithm=md5, Stale=TRUE, opaque=""');
    assert.ok(r.ok);
    assert.equal(r.value.realm, 'atlanta.com');
    assert.equal(r.value.nonce, 'f84f1cec41e6cbe5aea9c8e88d359');
    assert.deepEqual(r.value.qop, ['auth', 'auth-int']);
    assert.equal(r.value.algorithm, 'md5');
    assert.equal(r.value.stale, true);
    assert.equal(r.value.opaque, '');
  });

  it('keeps commas and escaped quotes inside quoted strings', () => {
    const r = parseDigestChallenge('Digest realm="a, \\"b\\" \\\\ c", nonce="n,1", domain="sip:a.com sip:b.com"');
    assert.ok(r.ok);
    assert.equal(r.value.realm, 'a, "b" \\ c');
    assert.equal(r.value.nonce, 'n,1');
    assert.equal(r.value.domain, 'sip:a.com sip:b.com');
  });

  it('serialize → parse is the identity, escapes included', () => {
    const init = { realm: 'we "quote" \\ and, commas', nonce: 'abc/def+==', algorithm: 'SHA-256', qop: ['auth'], opaque: 'o', stale: true };
    const r = parseDigestChallenge(serializeDigestChallenge(init));
    assert.ok(r.ok);
    assert.equal(r.value.realm, init.realm);
    assert.equal(r.value.nonce, init.nonce);
    assert.equal(r.value.algorithm, 'SHA-256');
    assert.deepEqual(r.value.qop, ['auth']);
    assert.equal(r.value.stale, true);

    const creds = { username: 'DOMAIN\\bob "b"', realm: 'r', nonce: 'n', uri: 'sip:a@b;transport=tcp', response: 'ABCDEF01', algorithm: 'MD5', qop: 'auth', cnonce: 'c', nc: '0000000A', opaque: 'o' };
    const c = parseDigestCredentials(serializeDigestCredentials(creds));
    assert.ok(c.ok);
    assert.equal(c.value.username, creds.username);
    assert.equal(c.value.uri, creds.uri);
    assert.equal(c.value.response, 'abcdef01');
    assert.equal(c.value.nc, '0000000a');
  });

  it('serializing never emits CR or LF', () => {
    const v = serializeDigestChallenge({ realm: 'a\r\nVia: evil', nonce: 'n' });
    assert.ok(!/[\r\n]/.test(v));
  });

  it('splits several challenges joined in one value, in order', () => {
    const r = parseDigestChallenges('Digest realm="r", nonce="1", algorithm=SHA-256, Digest realm="r", nonce="2", algorithm=MD5');
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.map((c) => [c.nonce, c.algorithm]),
      [
        ['1', 'SHA-256'],
        ['2', 'MD5'],
      ],
    );
  });

  it('accepts qop quoted in credentials (seen in the wild)', () => {
    const r = parseDigestCredentials('Digest username="a", realm="r", nonce="n", uri="sip:x", response="00ff", qop="auth", nc=00000001, cnonce="c"');
    assert.ok(r.ok);
    assert.equal(r.value.qop, 'auth');
  });

  it('malformed input never throws and returns a reason', () => {
    const bad: unknown[] = [
      undefined,
      null,
      42,
      {},
      '',
      '   ',
      'Digest',
      'Digest realm',
      'Digest realm=',
      'Digest realm="unterminated',
      'Digest realm="x" nonce="y"',
      'Digest realm="x", realm="y", nonce="z"',
      'Digest =x',
      'Digest realm="x\\',
      '"quoted scheme"',
      'Basic dXNlcjpwYXNz',
      'Digest username="a", realm="r", nonce="n", uri="sip:x", response="zz"',
      'Digest username="a", realm="r", nonce="n", uri="sip:x", response="00", qop=auth',
      'Digest username="a", realm="r", nonce="n", uri="sip:x", response="00", qop=auth, cnonce="c", nc=1',
      'Digest username="a", realm="r", nonce="n", response="00"',
      'x'.repeat(100_000),
      ',,,,',
      'Digest realm="r", nonce="n", \u0000=1',
      'Digest ' + 'a=b, '.repeat(2000),
    ];
    for (const v of bad) {
      for (const parse of [parseDigestChallenge, parseDigestCredentials]) {
        const r = parse(v);
        if (typeof v === 'string' && v.startsWith('Digest username') && parse === parseDigestChallenge) continue;
        assert.equal(r.ok, false, `expected failure for ${JSON.stringify(v)?.slice(0, 60)}`);
        if (!r.ok) assert.equal(typeof r.error, 'string');
      }
    }
    assert.equal(parseAuthHeader('Digest realm="x" nonce="y"').ok, false);
  });

  it('random byte soup never throws', () => {
    const alphabet = 'Digest realm=nonce"\\, \t\r\nabc=';
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const len = rnd() % 60;
      for (let j = 0; j < len; j++) s += alphabet[rnd() % alphabet.length];
      assert.doesNotThrow(() => {
        parseDigestChallenges(s);
        parseDigestCredentials(s);
      }, s);
    }
  });
});

describe('stateless nonces', () => {
  it('a fresh nonce is valid, and stale after the TTL', () => {
    const c = clock();
    const n = new NonceIssuer({ secret: SECRET, ttlMs: 30_000, now: c.now });
    const nonce = n.issue();
    assert.match(nonce, /^[A-Za-z0-9_-]{48}$/);
    assert.deepEqual(n.check(nonce), { status: 'valid', issuedAt: c.now() });
    c.advance(30_000);
    assert.equal(n.check(nonce).status, 'valid');
    c.advance(1);
    assert.equal(n.check(nonce).status, 'stale');
  });

  it('refuses tampered, truncated, foreign and garbage nonces', () => {
    const c = clock();
    const n = new NonceIssuer({ secret: SECRET, ttlMs: 30_000, now: c.now });
    const nonce = n.issue();
    const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    for (const i of [0, 5, 11, 20, 30, 47]) assert.equal(n.check(flip(nonce, i)).status, 'invalid', `flip at ${i}`);
    assert.equal(n.check(nonce.slice(1)).status, 'invalid');
    assert.equal(n.check(`${nonce}A`).status, 'invalid');
    assert.equal(n.check('').status, 'invalid');
    assert.equal(n.check(undefined).status, 'invalid');
    assert.equal(n.check('!'.repeat(48)).status, 'invalid');
    const other = new NonceIssuer({ secret: 'another-secret-0123456789', ttlMs: 30_000, now: c.now });
    assert.equal(other.check(nonce).status, 'invalid');
    const otherRealm = new NonceIssuer({ secret: SECRET, ttlMs: 30_000, now: c.now, context: 'other.realm' });
    assert.equal(otherRealm.check(nonce).status, 'invalid');
  });

  it('a back-dated timestamp with the old MAC is refused (the time is authenticated)', () => {
    const c = clock();
    const n = new NonceIssuer({ secret: SECRET, ttlMs: 30_000, now: c.now });
    const raw = Buffer.from(n.issue(), 'base64url');
    raw.writeBigUInt64BE(BigInt(c.now() + 3_600_000), 0);
    c.advance(60_000);
    assert.equal(n.check(raw.toString('base64url')).status, 'invalid');
  });

  it('every nonce is different', () => {
    const n = new NonceIssuer({ secret: SECRET, ttlMs: 30_000 });
    const seen = new Set(Array.from({ length: 1000 }, () => n.issue()));
    assert.equal(seen.size, 1000);
  });
});

describe('DigestServer challenges', () => {
  it('one challenge per algorithm, SHA-256 first, qop="auth"', () => {
    const server = new DigestServer({ realm: 'pbx.example.com', secret: SECRET, nonceTtlMs: 60_000, algorithms: ['MD5', 'SHA-256'] });
    const hs = server.challenge();
    assert.deepEqual(
      hs.map((h) => h.header),
      ['WWW-Authenticate', 'WWW-Authenticate'],
    );
    const parsed = hs.map((h) => parseDigestChallenge(h.value));
    assert.ok(parsed.every((p) => p.ok));
    const cs = parsed.map((p) => (p.ok ? p.value : assert.fail()));
    assert.deepEqual(
      cs.map((c) => c.algorithm),
      ['SHA-256', 'MD5'],
    );
    assert.ok(cs.every((c) => c.realm === 'pbx.example.com' && c.qop?.join() === 'auth' && c.stale === false));
    assert.notEqual(cs[0]?.nonce, cs[1]?.nonce);
  });

  it('md5First puts MD5 on top; per-request algorithms narrow the offer', async () => {
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 60_000, algorithms: ['SHA-256', 'MD5'], md5First: true });
    const algs = (hs: { value: string }[]): (string | undefined)[] => hs.map((h) => {
      const p = parseDigestChallenge(h.value);
      return p.ok ? p.value.algorithm : undefined;
    });
    assert.deepEqual(algs(server.challenge()), ['MD5', 'SHA-256']);
    assert.deepEqual(algs(server.challenge({ algorithms: ['MD5'] })), ['MD5']);
    assert.deepEqual(algs(server.challenge({ algorithms: ['SHA-256'] })), ['SHA-256']);
    const md5Only = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 60_000, algorithms: ['MD5'] });
    assert.deepEqual(algs(md5Only.challenge({ algorithms: ['SHA-256'] })), ['MD5'], 'nothing in common: the server\'s own list');
    const f = failure(await server.verify({ method: 'REGISTER', authorizationHeaderValue: undefined, lookupPassword: () => undefined, challengeAlgorithms: ['MD5'] }));
    assert.deepEqual(algs(f.challenges), ['MD5']);
    // Narrowing the offer does not narrow what is accepted.
    const header = new DigestClient({ username: 'a', password: 'p' }).authorize({ method: 'REGISTER', uri: 'sip:r', challengeHeaderValue: server.challenge({ algorithms: ['SHA-256'] })[0]?.value ?? '' });
    assert.equal((await server.verify({ method: 'REGISTER', authorizationHeaderValue: header, lookupPassword: () => 'p', challengeAlgorithms: ['MD5'] })).ok, true);
  });

  it('proxy and stale variants', () => {
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 60_000, algorithms: ['MD5'] });
    const [h] = server.challenge({ proxy: true, stale: true });
    assert.equal(h?.header, 'Proxy-Authenticate');
    const p = parseDigestChallenge(h?.value);
    assert.ok(p.ok && p.value.stale && p.value.algorithm === 'MD5');
  });
});

describe('DigestServer.verify with DigestClient', () => {
  const passwords = { alice: 'wonderland', bob: 'builder' };

  for (const algorithm of ['MD5', 'SHA-256'] as const) {
    it(`${algorithm}, qop=auth: accepted, nc counts up per nonce`, async () => {
      const server = new DigestServer({ realm: 'pbx.example.com', secret: SECRET, nonceTtlMs: 60_000, algorithms: [algorithm] });
      const client = new DigestClient({ username: 'alice', password: 'wonderland' });
      const challenge = server.challenge()[0]?.value ?? assert.fail();
      for (const nc of ['00000001', '00000002', '00000003']) {
        const header = client.authorize({ method: 'INVITE', uri: 'sip:bob@pbx.example.com', challengeHeaderValue: challenge }) ?? assert.fail();
        const c = parseDigestCredentials(header);
        assert.ok(c.ok && c.value.nc === nc && c.value.qop === 'auth' && c.value.algorithm === algorithm);
        const r = await server.verify({ method: 'INVITE', authorizationHeaderValue: header, lookupPassword: (u) => passwords[u as keyof typeof passwords] });
        assert.deepEqual(r, { ok: true, username: 'alice', algorithm, qop: 'auth' });
      }
      // A new nonce starts the count again.
      const fresh = server.challenge()[0]?.value ?? assert.fail();
      const header = client.authorize({ method: 'INVITE', uri: 'sip:bob@pbx.example.com', challengeHeaderValue: fresh }) ?? assert.fail();
      const c = parseDigestCredentials(header);
      assert.ok(c.ok && c.value.nc === '00000001');
    });

    it(`${algorithm}, no qop (RFC 2069 phone): accepted`, async () => {
      const server = new DigestServer({ realm: 'pbx.example.com', secret: SECRET, nonceTtlMs: 60_000, algorithms: [algorithm] });
      const client = new DigestClient({ username: 'bob', password: 'builder' });
      const { result, authorization } = await roundTrip({
        server,
        client,
        passwords,
        // An old phone ignores qop: hand the client the challenge without it.
        pick: (values) => (values[0] ?? '').replace(/,\s*qop="auth"/, ''),
      });
      const c = parseDigestCredentials(authorization);
      assert.ok(c.ok && c.value.qop === undefined && c.value.nc === undefined && c.value.cnonce === undefined);
      assert.deepEqual(result, { ok: true, username: 'bob', algorithm, qop: undefined });
    });
  }

  it('the client takes the topmost challenge it supports (RFC 8760 §2.4)', async () => {
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 60_000, algorithms: ['MD5', 'SHA-256'] });
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    const values = server.challenge().map((h) => h.value);
    const header = client.authorize({ method: 'REGISTER', uri: 'sip:r', challengeHeaderValue: ['Digest realm="r", nonce="x", algorithm=AKAv1-MD5', ...values] }) ?? assert.fail();
    const c = parseDigestCredentials(header);
    assert.ok(c.ok && c.value.algorithm === 'SHA-256');
    const r = await server.verify({ method: 'REGISTER', authorizationHeaderValue: header, lookupPassword: (u) => passwords[u as keyof typeof passwords] });
    assert.equal(r.ok, true);
  });

  it('a legacy phone answering the MD5 challenge is accepted as MD5', async () => {
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 60_000, algorithms: ['SHA-256', 'MD5'] });
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    const { result } = await roundTrip({ server, client, passwords, pick: (v) => v[1] ?? '' });
    assert.deepEqual(result, { ok: true, username: 'alice', algorithm: 'MD5', qop: 'auth' });
  });

  it('the client returns undefined for challenges it cannot answer', () => {
    const client = new DigestClient({ username: 'a', password: 'b' });
    assert.equal(client.authorize({ method: 'REGISTER', uri: 'sip:x', challengeHeaderValue: 'Digest realm="r", nonce="n", algorithm=AKAv1-MD5' }), undefined);
    assert.equal(client.authorize({ method: 'REGISTER', uri: 'sip:x', challengeHeaderValue: 'Digest realm="r", nonce="n", qop="auth-conf"' }), undefined);
    assert.equal(client.authorize({ method: 'REGISTER', uri: 'sip:x', challengeHeaderValue: 'Basic realm="r"' }), undefined);
    assert.equal(client.authorize({ method: 'REGISTER', uri: 'sip:x', challengeHeaderValue: 'garbage "' }), undefined);
    assert.equal(client.authorize({ method: 'REGISTER', uri: 'sip:x', challengeHeaderValue: [] }), undefined);
  });

  it('qop=auth-int from the client covers the body', () => {
    const client = new DigestClient({ username: 'a', password: 'p', cnonce: () => 'cn' });
    const header = client.authorize({ method: 'MESSAGE', uri: 'sip:x', body: 'hello', challengeHeaderValue: 'Digest realm="r", nonce="n", qop="auth-int"' }) ?? assert.fail();
    const c = parseDigestCredentials(header);
    assert.ok(c.ok);
    const ha1 = digestHash('MD5', 'a:r:p');
    const ha2 = digestHash('MD5', `MESSAGE:sip:x:${digestHash('MD5', 'hello')}`);
    assert.equal(c.value.response, digestHash('MD5', `${ha1}:n:00000001:cn:auth-int:${ha2}`));
  });

  it('stale nonce after the TTL: stale=true re-challenge, then the retry succeeds', async () => {
    const c = clock();
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 30_000, algorithms: ['SHA-256'], now: c.now });
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    const challenge = server.challenge()[0]?.value ?? assert.fail();
    c.advance(30_001);
    const header = client.authorize({ method: 'REGISTER', uri: 'sip:r', challengeHeaderValue: challenge }) ?? assert.fail();
    const f = failure(await server.verify({ method: 'REGISTER', authorizationHeaderValue: header, lookupPassword: (u) => passwords[u as keyof typeof passwords] }));
    assert.equal(f.reason, 'stale');
    assert.equal(f.stale, true);
    const again = parseDigestChallenge(f.challenges[0]?.value);
    assert.ok(again.ok && again.value.stale);
    const retry = client.authorize({ method: 'REGISTER', uri: 'sip:r', challengeHeaderValue: f.challenges.map((h) => h.value) }) ?? assert.fail();
    const ok = await server.verify({ method: 'REGISTER', authorizationHeaderValue: retry, lookupPassword: (u) => passwords[u as keyof typeof passwords] });
    assert.equal(ok.ok, true);
  });

  it('stale nonce with a wrong password is not "stale" (RFC 2617 §3.2.1)', async () => {
    const c = clock();
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 30_000, algorithms: ['MD5'], now: c.now });
    const challenge = server.challenge()[0]?.value ?? assert.fail();
    c.advance(60_000);
    const header = new DigestClient({ username: 'alice', password: 'nope' }).authorize({ method: 'REGISTER', uri: 'sip:r', challengeHeaderValue: challenge });
    const f = failure(await server.verify({ method: 'REGISTER', authorizationHeaderValue: header, lookupPassword: (u) => passwords[u as keyof typeof passwords] }));
    assert.equal(f.reason, 'bad-response');
    assert.equal(f.stale, false);
  });

  it('tampered nonce is refused', async () => {
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 30_000, algorithms: ['MD5'] });
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    const challenge = server.challenge()[0]?.value ?? assert.fail();
    const forged = challenge.replace(/nonce="([^"]*)"/, (_m, n: string) => `nonce="${n.slice(0, 10)}${n[10] === 'x' ? 'y' : 'x'}${n.slice(11)}"`);
    const header = client.authorize({ method: 'REGISTER', uri: 'sip:r', challengeHeaderValue: forged });
    const f = failure(await server.verify({ method: 'REGISTER', authorizationHeaderValue: header, lookupPassword: (u) => passwords[u as keyof typeof passwords] }));
    assert.equal(f.reason, 'nonce');
    assert.equal(f.stale, false);
  });

  it('tampered method, uri or response are refused', async () => {
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 30_000, algorithms: ['MD5', 'SHA-256'] });
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    const challenge = server.challenge().map((h) => h.value);
    const header = client.authorize({ method: 'REGISTER', uri: 'sip:r', challengeHeaderValue: challenge }) ?? assert.fail();
    const lookup = (u: string): string | undefined => passwords[u as keyof typeof passwords];
    assert.equal(failure(await server.verify({ method: 'INVITE', authorizationHeaderValue: header, lookupPassword: lookup })).reason, 'bad-response');
    const otherUri = header.replace('uri="sip:r"', 'uri="sip:evil"');
    assert.equal(failure(await server.verify({ method: 'REGISTER', authorizationHeaderValue: otherUri, lookupPassword: lookup })).reason, 'bad-response');
    const otherResp = header.replace(/response="([0-9a-f])/, (_m, d: string) => `response="${d === '0' ? '1' : '0'}`);
    assert.equal(failure(await server.verify({ method: 'REGISTER', authorizationHeaderValue: otherResp, lookupPassword: lookup })).reason, 'bad-response');
    const shortResp = header.replace(/response="[0-9a-f]+"/, 'response="abcd"');
    assert.equal(failure(await server.verify({ method: 'REGISTER', authorizationHeaderValue: shortResp, lookupPassword: lookup })).reason, 'bad-response');
  });

  it('wrong password and unknown user look the same to the client', async () => {
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 30_000, algorithms: ['SHA-256', 'MD5'] });
    const lookups: string[] = [];
    const lookup = async (u: string): Promise<string | undefined> => {
      lookups.push(u);
      return passwords[u as keyof typeof passwords];
    };
    const wrong = failure((await roundTrip({ server, client: new DigestClient({ username: 'alice', password: 'guess' }), passwords })).result);
    const unknownHeader = new DigestClient({ username: 'mallory', password: 'guess' }).authorize({ method: 'REGISTER', uri: 'sip:pbx.example.com', challengeHeaderValue: server.challenge().map((h) => h.value) });
    const unknown = failure(await server.verify({ method: 'REGISTER', authorizationHeaderValue: unknownHeader, lookupPassword: lookup }));
    assert.equal(wrong.reason, 'bad-response');
    assert.equal(unknown.reason, 'unknown-user');
    assert.deepEqual(lookups, ['mallory'], 'the unknown user went through the same lookup path');
    // What the client sees: the same header names, the same shape, stale=false, no hint.
    const shape = (f: typeof wrong): string[] => f.challenges.map((h) => `${h.header}: ${h.value.replace(/nonce="[^"]*"/, 'nonce="…"')}`);
    assert.deepEqual(shape(unknown), shape(wrong));
    assert.equal(unknown.stale, wrong.stale);
  });

  it('an unknown user costs the same hashing as a wrong password', async () => {
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 60_000, algorithms: ['SHA-256'] });
    const challenge = server.challenge().map((h) => h.value);
    const wrong = new DigestClient({ username: 'alice', password: 'guess' }).authorize({ method: 'REGISTER', uri: 'sip:r', challengeHeaderValue: challenge });
    const unknown = new DigestClient({ username: 'mallory', password: 'guess' }).authorize({ method: 'REGISTER', uri: 'sip:r', challengeHeaderValue: challenge });
    const lookup = (u: string): string | undefined => passwords[u as keyof typeof passwords];
    const time = async (header: string | undefined): Promise<number> => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 400; i++) await server.verify({ method: 'REGISTER', authorizationHeaderValue: header, lookupPassword: lookup });
      return Number(process.hrtime.bigint() - t0);
    };
    await time(wrong);
    await time(unknown);
    // Interleaved rounds, so load from other suites hits both sides alike.
    let a = 0;
    let b = 0;
    for (let round = 0; round < 5; round++) {
      a += await time(wrong);
      b += await time(unknown);
    }
    // Loose bound: catches a short-cut (no hashing for unknown users), not microsecond leaks.
    assert.ok(b > a * 0.5 && b < a * 2, `wrong-password ${a} ns vs unknown-user ${b} ns`);
  });

  it('missing, malformed, realm, algorithm and qop failures', async () => {
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 30_000, algorithms: ['SHA-256'] });
    const lookup = (u: string): string | undefined => passwords[u as keyof typeof passwords];
    const reason = async (v: string | readonly string[] | undefined): Promise<string> => failure(await server.verify({ method: 'REGISTER', authorizationHeaderValue: v, lookupPassword: lookup })).reason;
    assert.equal(await reason(undefined), 'missing');
    assert.equal(await reason(''), 'missing');
    assert.equal(await reason([]), 'missing');
    assert.equal(await reason('Digest username="alice"'), 'malformed');
    assert.equal(await reason('Basic YWxpY2U6d29uZGVybGFuZA=='), 'malformed');
    assert.equal(await reason('Digest username="alice", realm="r", nonce="n", uri="sip:r", response="00", userhash=true'), 'malformed');

    const nonce = parseDigestChallenge(server.challenge()[0]?.value);
    assert.ok(nonce.ok);
    const base = { username: 'alice', nonce: nonce.value.nonce, uri: 'sip:r', response: '00' };
    assert.equal(await reason(serializeDigestCredentials({ ...base, realm: 'other' })), 'realm');
    assert.equal(await reason(serializeDigestCredentials({ ...base, realm: 'r', algorithm: 'MD5' })), 'algorithm');
    assert.equal(await reason(serializeDigestCredentials({ ...base, realm: 'r' })), 'algorithm', 'absent means MD5, which this server does not offer');
    assert.equal(await reason(serializeDigestCredentials({ ...base, realm: 'r', algorithm: 'SHA-256-sess' })), 'algorithm');
    assert.equal(await reason(serializeDigestCredentials({ ...base, realm: 'r', algorithm: 'SHA-256', qop: 'auth-int', nc: '00000001', cnonce: 'c' })), 'qop');
  });

  it('picks the credentials for its realm among several (RFC 3261 §22.3)', async () => {
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 30_000, algorithms: ['MD5'] });
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    const header = client.authorize({ method: 'INVITE', uri: 'sip:bob@r', challengeHeaderValue: server.challenge({ proxy: true })[0]?.value ?? '' }) ?? assert.fail();
    const other = 'Digest username="alice", realm="upstream", nonce="x", uri="sip:bob@r", response="00"';
    const r = await server.verify({ method: 'INVITE', authorizationHeaderValue: ['garbage', other, header], lookupPassword: (u) => passwords[u as keyof typeof passwords], proxy: true });
    assert.equal(r.ok, true);
    const f = failure(await server.verify({ method: 'INVITE', authorizationHeaderValue: [other], lookupPassword: () => 'x', proxy: true }));
    assert.equal(f.reason, 'realm');
    assert.equal(f.challenges[0]?.header, 'Proxy-Authenticate');
  });

  it('malformed Authorization values never throw', async () => {
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 30_000, algorithms: ['MD5', 'SHA-256'] });
    const junk: unknown[] = ['Digest', 'Digest ,,,', 'Digest username=', 'Digest username="a', '\u0000\u0001', 'Digest a="\\', [null, 3, {}], [undefined]];
    for (const v of junk) {
      const r = await server.verify({ method: 'REGISTER', authorizationHeaderValue: v as string, lookupPassword: () => 'x' });
      assert.equal(r.ok, false);
      if (!r.ok) assert.ok(r.challenges.length === 2);
    }
  });

  it('the expectedRealm override is honoured', async () => {
    const server = new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 30_000, algorithms: ['MD5'] });
    const challenge = server.challenge()[0]?.value.replace('realm="r"', 'realm="tenant.example"') ?? '';
    const header = new DigestClient({ username: 'alice', password: 'wonderland' }).authorize({ method: 'REGISTER', uri: 'sip:x', challengeHeaderValue: challenge });
    const r = await server.verify({ method: 'REGISTER', authorizationHeaderValue: header, expectedRealm: 'tenant.example', lookupPassword: (u) => passwords[u as keyof typeof passwords] });
    assert.equal(r.ok, true);
  });

  it('constructor refuses a short secret and an empty algorithm list', () => {
    assert.throws(() => new DigestServer({ realm: 'r', secret: 'short', nonceTtlMs: 1000, algorithms: ['MD5'] }), RangeError);
    assert.throws(() => new DigestServer({ realm: 'r', secret: SECRET, nonceTtlMs: 1000, algorithms: [] }), RangeError);
  });
});
