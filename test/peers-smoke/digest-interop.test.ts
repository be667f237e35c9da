/**
 * Our Digest code against real implementations:
 * - DigestClient answering kamailio's 401 (kamailio's auth module as the server);
 * - DigestServer challenging baresip and SIPp (libre's and SIPp's digest as the client),
 *   through a throwaway UDP registrar in this file (no Switchboard SIP stack needed).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { DigestClient } from '../../src/sip/auth/digest-client.ts';
import { DigestServer, type ServerDigestAlgorithm, type VerifyResult } from '../../src/sip/auth/digest-server.ts';
import { Baresip } from '../peers/baresip.ts';
import { Kamailio } from '../peers/kamailio.ts';
import { runSipp } from '../peers/sipp.ts';
import { LOOPBACK } from '../peers/ports.ts';
import { missingBinaries } from '../peers/process.ts';

const REGISTRAR_CFG = '/work/shared/peers/kamailio-registrar.cfg';
const SIPP_REGISTER = '/work/shared/peers/sipp-register-digest.xml';

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length' };

interface Msg {
  readonly start: string;
  readonly headers: [string, string][];
}

function parse(text: string): Msg {
  const [head = ''] = text.split('\r\n\r\n');
  const [start = '', ...lines] = head.split('\r\n');
  const headers: [string, string][] = [];
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    headers.push([COMPACT[name] ?? name, line.slice(i + 1).trim()]);
  }
  return { start, headers };
}

function all(m: Msg, name: string): string[] {
  return m.headers.filter(([n]) => n === name).map(([, v]) => v);
}

/** Just enough of a UDP registrar to run a DigestServer against a real phone. */
async function miniRegistrar(server: DigestServer, passwords: Record<string, string>, challengeAlgorithms?: readonly ServerDigestAlgorithm[]): Promise<{ socket: Socket; port: number; results: VerifyResult[] }> {
  const socket = createSocket('udp4');
  const results: VerifyResult[] = [];
  socket.on('message', (buf, rinfo) => {
    const req = parse(buf.toString('latin1'));
    const [method] = req.start.split(' ');
    if (method === undefined || req.start.startsWith('SIP/2.0')) return;
    const reply = (status: string, extra: string[]): void => {
      const to = all(req, 'to')[0] ?? '';
      const lines = [
        `SIP/2.0 ${status}`,
        ...all(req, 'via').map((v) => `Via: ${v}`),
        `From: ${all(req, 'from')[0] ?? ''}`,
        `To: ${/;tag=/.test(to) ? to : `${to};tag=mini${results.length}`}`,
        `Call-ID: ${all(req, 'call-id')[0] ?? ''}`,
        `CSeq: ${all(req, 'cseq')[0] ?? ''}`,
        ...extra,
        'Content-Length: 0',
        '',
        '',
      ];
      socket.send(lines.join('\r\n'), rinfo.port, rinfo.address);
    };
    if (method !== 'REGISTER') {
      reply('200 OK', []);
      return;
    }
    void server.verify({ method, authorizationHeaderValue: all(req, 'authorization'), lookupPassword: (u) => passwords[u], challengeAlgorithms }).then((r) => {
      results.push(r);
      if (r.ok) {
        const contact = all(req, 'contact')[0];
        reply('200 OK', contact === undefined ? [] : [`Contact: ${contact};expires=60`]);
      } else {
        reply('401 Unauthorized', r.challenges.map((h) => `${h.header}: ${h.value}`));
      }
    });
  });
  await new Promise<void>((res) => socket.bind(0, LOOPBACK, res));
  return { socket, port: socket.address().port, results };
}

describe('digest interop with real peers', { timeout: 60_000 }, () => {
  it('DigestClient registers to kamailio (auth module, MD5)', async (t) => {
    const missing = missingBinaries(['kamailio']);
    if (missing.length > 0) {
      t.skip(`not installed: ${missing.join(', ')}`);
      return;
    }
    const kam = await Kamailio.start({ cfg: REGISTRAR_CFG, defines: { WITH_AUTH: true } });
    const socket = createSocket('udp4');
    try {
      await new Promise<void>((res) => socket.bind(0, LOOPBACK, res));
      const local = socket.address().port;
      const responses: Msg[] = [];
      let notify: (() => void) | undefined;
      socket.on('message', (b) => {
        responses.push(parse(b.toString('latin1')));
        notify?.();
      });
      const next = (): Promise<Msg> =>
        new Promise((res, rej) => {
          const timer = setTimeout(() => rej(new Error('no response from kamailio')), 3000);
          const check = (): void => {
            const m = responses.shift();
            if (m === undefined) return;
            if (m.start.startsWith('SIP/2.0 1')) return check();
            clearTimeout(timer);
            notify = undefined;
            res(m);
          };
          notify = check;
          check();
        });
      const uri = `sip:${kam.address}`;
      const register = (cseq: number, auth?: string): void => {
        const lines = [
          `REGISTER ${uri} SIP/2.0`,
          `Via: SIP/2.0/UDP ${LOOPBACK}:${local};branch=z9hG4bK-dc-${cseq};rport`,
          'Max-Forwards: 70',
          `From: <sip:dave@${LOOPBACK}>;tag=dc1`,
          `To: <sip:dave@${LOOPBACK}>`,
          'Call-ID: digest-client-interop@127.0.0.1',
          `CSeq: ${cseq} REGISTER`,
          `Contact: <sip:dave@${LOOPBACK}:${local}>`,
          'Expires: 60',
          ...(auth === undefined ? [] : [`Authorization: ${auth}`]),
          'Content-Length: 0',
          '',
          '',
        ];
        socket.send(lines.join('\r\n'), kam.port, LOOPBACK);
      };
      register(1);
      const challenge = await next();
      assert.match(challenge.start, /^SIP\/2\.0 401 /);
      const www = all(challenge, 'www-authenticate');
      t.diagnostic(`kamailio challenges with: ${www.join(' | ')}`);
      const client = new DigestClient({ username: 'dave', password: 'secret' });
      const auth = client.authorize({ method: 'REGISTER', uri, challengeHeaderValue: www });
      assert.ok(auth);
      register(2, auth);
      assert.match((await next()).start, /^SIP\/2\.0 200 /);

      // A wrong password gets a second 401.
      const bad = new DigestClient({ username: 'dave', password: 'nope' }).authorize({ method: 'REGISTER', uri, challengeHeaderValue: www });
      register(3, bad);
      assert.match((await next()).start, /^SIP\/2\.0 401 /);
    } finally {
      socket.close();
      await kam.stop();
    }
  });

  // baresip 1.0.0 (libre 1.1.0) fails with "Function not implemented" as soon as any
  // challenge is SHA-256, whatever the order (measured), so it gets MD5 alone: either a
  // server offering only MD5, or a per-request choice from a server that has both.
  for (const [label, algorithms, challengeAlgorithms] of [
    ['a server offering MD5 only', ['MD5'], undefined],
    ['a SHA-256 + MD5 server that challenges it with MD5 only', ['SHA-256', 'MD5'], ['MD5']],
  ] as [string, ServerDigestAlgorithm[], ServerDigestAlgorithm[] | undefined][]) {
    it(`baresip registers to ${label}`, async (t) => {
      const missing = missingBinaries(['baresip', 'sox']);
      if (missing.length > 0) {
        t.skip(`not installed: ${missing.join(', ')}`);
        return;
      }
      const server = new DigestServer({ realm: 'switchboard.test', secret: 'interop-secret-0123456789', nonceTtlMs: 60_000, algorithms });
      const reg = await miniRegistrar(server, { erin: 'secret' }, challengeAlgorithms);
      let phone: Baresip | undefined;
      try {
        phone = await Baresip.start({ user: 'erin', password: 'secret', registrar: `${LOOPBACK}:${reg.port}`, toneSeconds: 5 });
        await phone.waitRegistered(5000);
        const outcome = reg.results.map((r) => (r.ok ? `ok(${r.algorithm}, qop=${r.qop ?? 'none'})` : r.reason));
        t.diagnostic(`registrar saw: ${outcome.join(', ')}`);
        assert.deepEqual(outcome.slice(0, 2), ['missing', 'ok(MD5, qop=auth)']);
      } finally {
        await phone?.stop();
        reg.socket.close();
      }
    });
  }

  // SIPp 3.6.1 answers only the topmost challenge and fails when it is SHA-256 (measured),
  // so the server puts MD5 on top for it.
  it('SIPp registers to a SHA-256 + MD5 server that puts MD5 first', async (t) => {
    const missing = missingBinaries(['sipp']);
    if (missing.length > 0) {
      t.skip(`not installed: ${missing.join(', ')}`);
      return;
    }
    const server = new DigestServer({ realm: 'switchboard.test', secret: 'interop-secret-0123456789', nonceTtlMs: 60_000, algorithms: ['SHA-256', 'MD5'], md5First: true });
    const passwords: Record<string, string> = { user0001: 'secret', user0002: 'secret', user0003: 'secret' };
    const reg = await miniRegistrar(server, passwords);
    try {
      const csv = ['SEQUENTIAL', ...Object.keys(passwords).map((u) => `${u};[authentication username=${u} password=secret]`)].join('\n');
      const r = await runSipp({ scenarioFile: SIPP_REGISTER, target: `${LOOPBACK}:${reg.port}`, injectionCsv: csv, calls: 3, rate: 20, timeoutMs: 15_000 });
      const outcome = reg.results.map((x) => (x.ok ? `ok(${x.algorithm}, qop=${x.qop ?? 'none'})` : x.reason));
      t.diagnostic(`registrar saw: ${outcome.join(', ')}`);
      assert.equal(r.stats?.successful, 3, r.screen ?? r.stdout);
      assert.equal(r.stats?.failed, 0);
      assert.deepEqual(outcome.filter((o) => o.startsWith('ok')), ['ok(MD5, qop=auth)', 'ok(MD5, qop=auth)', 'ok(MD5, qop=auth)']);
    } finally {
      reg.socket.close();
    }
  });
});
