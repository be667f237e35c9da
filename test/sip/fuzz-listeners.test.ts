// Mutated SIP thrown at a running `switchboard start` over UDP and TCP: the
// process must not crash and must still answer OPTIONS afterwards.
//
//   SIP_LISTENER_FUZZ_ITERATIONS=100000 node scripts/run-tests.mjs fuzz-listeners
//   SIP_FUZZ_LONG=1 node scripts/run-tests.mjs fuzz-listeners     # 1,000,000 (not in CI)
//
// CI runs the short default. The mutations come from 127.0.0.2, so a source
// banned for failed authentications (fuzzed REGISTERs carry credentials) does
// not stop the final OPTIONS check from 127.0.0.1.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng, mutate, SEEDS } from '../helpers/sip-mutate.ts';

const ITERATIONS = Number(process.env.SIP_LISTENER_FUZZ_ITERATIONS ?? (process.env.SIP_FUZZ_LONG === '1' ? 1_000_000 : 10_000));
const SEED = Number(process.env.SIP_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
const BIN = join(import.meta.dirname, '../../bin/switchboard.js');

function options(port: number, transport: 'UDP' | 'TCP', n: number): Buffer {
  return Buffer.from(
    [
      `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/${transport} 127.0.0.1:9;branch=z9hG4bKfuzzcheck${n};rport`,
      'Max-Forwards: 70',
      'From: <sip:check@127.0.0.1>;tag=fz',
      `To: <sip:127.0.0.1:${port}>`,
      `Call-ID: fuzz-check-${n}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

function udpOptions(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('no answer to OPTIONS over UDP'));
    }, 3000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString());
    });
    s.bind(0, '127.0.0.1', () => s.send(options(port, 'UDP', 1), port, '127.0.0.1'));
  });
}

function tcpOptions(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: '127.0.0.1', port });
    let got = '';
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error('no answer to OPTIONS over TCP'));
    }, 3000);
    c.on('data', (d) => {
      got += d.toString();
      if (/\r\n\r\n/.test(got)) {
        clearTimeout(timer);
        c.destroy();
        resolve(got);
      }
    });
    c.on('error', reject);
    c.write(options(port, 'TCP', 2));
  });
}

describe('SIP listeners under fuzzing', () => {
  let child: ChildProcess;
  let dir: string;
  let port = 0;
  let output = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-fuzz-'));
    child = spawn(process.execPath, [BIN, 'start'], {
      env: { ...process.env, SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_HTTP_PORT: '0', SWITCHBOARD_SIP_PORT: '0', SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const end = Date.now() + 20_000;
    while (!/register to 127\.0\.0\.1:(\d+)/.test(output)) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no banner:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    port = Number(/register to 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
  });
  after(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it(`survives ${ITERATIONS} mutated messages over UDP and TCP (seed ${SEED})`, async () => {
    process.stdout.write(`# listener fuzz seed ${SEED}\n`);
    const rnd = prng(SEED);
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.2', () => r()));
    const tcpShare = Math.floor(ITERATIONS / 5);
    for (let i = 0; i < ITERATIONS - tcpShare; i++) {
      const seed = SEEDS[Math.floor(rnd() * SEEDS.length)] ?? SEEDS[0]!;
      const m = mutate(seed, rnd).subarray(0, 65_000);
      udp.send(m, port, '127.0.0.1');
      // Let the server breathe: a full socket buffer only measures the kernel.
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    udp.close();
    // TCP: several messages per connection; a framing error closes it and we open another.
    let sent = 0;
    while (sent < tcpShare) {
      await new Promise<void>((resolve) => {
        const c = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
        c.on('error', () => resolve());
        c.on('close', () => resolve());
        c.on('data', () => undefined);
        c.on('connect', () => {
          for (let k = 0; k < 50 && sent < tcpShare; k++, sent++) {
            const seed = SEEDS[Math.floor(rnd() * SEEDS.length)] ?? SEEDS[0]!;
            c.write(mutate(seed, rnd));
          }
          c.end();
        });
        setTimeout(() => {
          c.destroy();
          resolve();
        }, 2000);
      });
    }
    assert.equal(child.exitCode, null, `switchboard exited:\n${output}`);
    assert.match(await udpOptions(port), /^SIP\/2\.0 200 OK\r\n/);
    assert.match(await tcpOptions(port), /^SIP\/2\.0 200 OK\r\n/);
    assert.equal(child.exitCode, null);
    // The mutations were really read and judged, not lost on the way.
    const http = /Health:\s+http:\/\/[^:]+:(\d+)\/healthz/.exec(output)?.[1];
    const key = /Admin API key[^:]*: (\S+)/.exec(output)?.[1];
    const metrics = await (await fetch(`http://127.0.0.1:${http ?? ''}/metrics`, { headers: { authorization: `Bearer ${key ?? ''}` } })).text();
    const value = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? NaN);
    const udpReceived = value(/switchboard_sip_messages_received\{transport="udp"\} (\d+)/);
    const malformed = value(/switchboard_sip_malformed (\d+)/);
    // The kernel may drop datagrams when the machine is busy with other suites;
    // a fifth arriving still proves the listener read and judged them.
    assert.ok(udpReceived > (ITERATIONS - tcpShare) * 0.2, `only ${udpReceived} UDP messages reached the parser`);
    assert.ok(malformed > ITERATIONS * 0.1, `only ${malformed} malformed messages counted`);
  });
});
