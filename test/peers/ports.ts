/**
 * Free local ports for real peers. Everything binds 127.0.0.1 only, so two suites can
 * run side by side. A port found free can still be taken by someone else before the
 * peer binds it; the drivers check again right before spawning and peers fail loudly
 * (baresip exits 98) rather than share a port.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * Ranges are picked below Linux's default ephemeral range (32768–60999), so they do not
 * collide with the kernel's choice of source ports for outgoing connections.
 */
const RANGE_LOW = 20000;
const RANGE_HIGH = 32000;

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', (e) => closeQuietly(s, () => reject(e)));
    s.bind(0, LOOPBACK, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Whether we can bind the UDP port. Without SO_REUSEADDR on our side this also fails
 * when kamailio holds it (kamailio sets SO_REUSEADDR, and a second kamailio would
 * silently share it: see PEERS-baresip.md §4).
 */
export function isUdpPortFree(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket({ type: 'udp4', reuseAddr: false });
    // A failed bind leaves the handle open, and an open handle keeps the process alive.
    s.once('error', () => closeQuietly(s, () => resolve(false)));
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

function closeQuietly(s: Socket, done: () => void): void {
  try {
    s.close(done);
  } catch {
    done();
  }
}

export function isTcpPortFree(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export interface PortCheck {
  readonly udp?: boolean;
  readonly tcp?: boolean;
}

/** Whether every port in [base, base+count) is free for the given protocols. */
export async function arePortsFree(base: number, count: number, check: PortCheck = { udp: true, tcp: true }): Promise<boolean> {
  for (let p = base; p < base + count; p++) {
    if (p > 65535) return false;
    if (check.udp !== false && !(await isUdpPortFree(p))) return false;
    if (check.tcp !== false && !(await isTcpPortFree(p))) return false;
  }
  return true;
}

/** One port number free for both UDP and TCP (SIP listens on both). */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freeUdpPort();
    if (await isTcpPortFree(port)) return port;
  }
  throw new Error('no port free for both UDP and TCP after 50 attempts');
}

/**
 * `count` consecutive ports, all free for the given protocols (default UDP and TCP),
 * e.g. baresip's SIP port and the TLS port it takes at +1, or an RTP range.
 * `align` makes the base a multiple of it (RTP wants even ports).
 */
export async function freePortRange(count: number, check: PortCheck = { udp: true, tcp: true }, align = 2): Promise<number> {
  const span = RANGE_HIGH - RANGE_LOW - count;
  for (let attempt = 0; attempt < 200; attempt++) {
    let base = RANGE_LOW + Math.floor(Math.random() * span);
    base -= base % align;
    if (await arePortsFree(base, count, check)) return base;
  }
  throw new Error(`no run of ${count} free ports found`);
}
