import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { PbxMediaError } from '../../src/media/errors.ts';
import { PortAllocator } from '../../src/media/port-allocator.ts';
import { freePortRange } from '../peers/ports.ts';
import { HOST } from './phone.ts';

async function block(port: number): Promise<Socket> {
  const s = createSocket({ type: 'udp4', reuseAddr: false });
  s.bind({ port, address: HOST, exclusive: true });
  await once(s, 'listening');
  return s;
}

describe('PortAllocator (RFC 3550 §11 port pairs)', () => {
  it('binds an even RTP port with RTCP on the next, and hands pairs out round-robin', async () => {
    const base = await freePortRange(8, { udp: true, tcp: false });
    const alloc = new PortAllocator({ min: base, max: base + 7 }, HOST);
    assert.equal(alloc.capacity, 4);
    const a = await alloc.allocate();
    assert.equal(a.port % 2, 0);
    assert.equal(a.rtp.address().port, a.port);
    assert.equal(a.rtcp.address().port, a.port + 1);
    assert.equal(a.rtp.address().address, HOST);
    const b = await alloc.allocate();
    assert.notEqual(b.port, a.port);
    alloc.release(a.port);
    const c = await alloc.allocate();
    assert.notEqual(c.port, a.port, 'a released pair is not the next one reused');
    assert.equal(alloc.inUse, 2);
    alloc.release(b.port);
    alloc.release(c.port);
    alloc.release(c.port);
    assert.equal(alloc.inUse, 0);
  });

  it('starts at an even port when the range begins odd and never hands out a half pair', async () => {
    const base = await freePortRange(6, { udp: true, tcp: false });
    const alloc = new PortAllocator({ min: base + 1, max: base + 5 }, HOST);
    assert.equal(alloc.capacity, 2);
    const ports = [(await alloc.allocate()).port, (await alloc.allocate()).port].sort();
    assert.deepEqual(ports, [base + 2, base + 4]);
    await assert.rejects(alloc.allocate(), (e: unknown) => e instanceof PbxMediaError && e.code === 'MEDIA_NO_PORTS');
    for (const p of ports) alloc.release(p);
  });

  it('skips pairs where the OS refuses the RTP or the RTCP port', async () => {
    const base = await freePortRange(6, { udp: true, tcp: false });
    const blockers = [await block(base + 1), await block(base + 2)];
    try {
      const alloc = new PortAllocator({ min: base, max: base + 5 }, HOST);
      const pair = await alloc.allocate();
      assert.equal(pair.port, base + 4);
      await assert.rejects(alloc.allocate(), { name: 'PbxMediaError', message: 'no free RTP ports' });
      assert.equal(alloc.inUse, 1);
      alloc.release(pair.port);
      assert.equal(alloc.inUse, 0);
    } finally {
      for (const s of blockers) s.close();
    }
  });

  it('throws "no free RTP ports" when exhausted and recovers after a release', async () => {
    const base = await freePortRange(4, { udp: true, tcp: false });
    const alloc = new PortAllocator({ min: base, max: base + 3 }, HOST);
    const pairs = await Promise.all([alloc.allocate(), alloc.allocate()]);
    assert.notEqual(pairs[0].port, pairs[1].port, 'concurrent allocations get different pairs');
    await assert.rejects(alloc.allocate(), (e: unknown) => e instanceof PbxMediaError && e.message === 'no free RTP ports' && e.code === 'MEDIA_NO_PORTS');
    alloc.release(pairs[0].port);
    const again = await alloc.allocate();
    assert.equal(again.port, pairs[0].port);
    alloc.release(again.port);
    alloc.release(pairs[1].port);
  });

  it('closes the sockets on release, so the ports can be bound again', async () => {
    const base = await freePortRange(2, { udp: true, tcp: false });
    const alloc = new PortAllocator({ min: base, max: base + 1 }, HOST);
    const pair = await alloc.allocate();
    alloc.release(pair.port);
    const s = await block(base);
    const t = await block(base + 1);
    s.close();
    t.close();
  });

  it('rejects ranges without a pair', () => {
    assert.throws(() => new PortAllocator({ min: 20001, max: 20001 }), PbxMediaError);
    assert.throws(() => new PortAllocator({ min: 0, max: 10 }), PbxMediaError);
    assert.throws(() => new PortAllocator({ min: 65535, max: 65536 }), PbxMediaError);
  });
});
