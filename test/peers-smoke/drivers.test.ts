/** The parts of the peer drivers that need no peer binaries. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { arePortsFree, freePortPair, freePortRange, freeTcpPort, freeUdpPort, isTcpPortFree, isUdpPortFree, LOOPBACK } from '../peers/ports.ts';
import { parseScreen, parseStatCsv } from '../peers/sipp.ts';
import { sipProbe } from '../peers/kamailio.ts';
import { OutputTail } from '../peers/process.ts';

describe('ports', () => {
  it('free ports are bindable, taken ones are reported taken', async () => {
    const udp = await freeUdpPort();
    assert.equal(await isUdpPortFree(udp), true);
    const s = createSocket('udp4');
    await new Promise<void>((res) => s.bind(udp, LOOPBACK, res));
    assert.equal(await isUdpPortFree(udp), false);
    s.close();

    const tcp = await freeTcpPort();
    const srv = createServer();
    await new Promise<void>((res) => srv.listen(tcp, LOOPBACK, res));
    assert.equal(await isTcpPortFree(tcp), false);
    await new Promise((res) => srv.close(res));
    assert.equal(await isTcpPortFree(tcp), true);
  });

  it('a pair is free on UDP and TCP; a range is consecutive, aligned and free', async () => {
    const p = await freePortPair();
    assert.equal(await arePortsFree(p, 1), true);
    const base = await freePortRange(4);
    assert.equal(base % 2, 0);
    assert.ok(base >= 20000 && base + 3 < 32768);
    assert.equal(await arePortsFree(base, 4), true);
  });
});

describe('sipp result parsing', () => {
  it('reads the cumulative counts from the last row of the -trace_stat CSV', () => {
    const csv = [
      'StartTime;TargetRate;CallRate(C);TotalCallCreated;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);',
      't0;10;0;0;0;0;0;0;',
      't1;10;9.55;5;1;4;0;1;',
      '',
    ].join('\n');
    const s = parseStatCsv(csv);
    assert.deepEqual([s?.successful, s?.failed, s?.created, s?.callRate], [4, 1, 5, 9.55]);
    assert.equal(parseStatCsv(''), undefined);
    assert.equal(parseStatCsv('a;b\n1;2'), undefined);
  });

  it('falls back to the statistics screen', () => {
    const screen = [
      '  Total Calls created    |                           |        3                 ',
      '  Successful call        |        0                  |        3                 ',
      '  Failed call            |        1                  |        2                 ',
    ].join('\n');
    assert.deepEqual(parseScreen(screen), { successful: 3, failed: 2, created: 3 });
    assert.equal(parseScreen('nothing here'), undefined);
  });
});

describe('sip probe', () => {
  it('false when nothing answers, true on any SIP response', async () => {
    const port = await freeUdpPort();
    assert.equal(await sipProbe(port, 150), false);
    const s = createSocket('udp4');
    s.on('message', (_m, rinfo) => s.send('SIP/2.0 483 Too Many Hops\r\nContent-Length: 0\r\n\r\n', rinfo.port, rinfo.address));
    await new Promise<void>((res) => s.bind(port, LOOPBACK, res));
    try {
      assert.equal(await sipProbe(port, 1000), true);
    } finally {
      s.close();
    }
  });
});

describe('output tail', () => {
  it('keeps only the last characters', () => {
    const t = new OutputTail(10);
    for (let i = 0; i < 100; i++) t.push(`line ${i}\n`);
    assert.equal(t.toString().length, 10);
    assert.ok(t.toString().endsWith('line 99\n'));
  });
});
