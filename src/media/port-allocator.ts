// RTP/RTCP port pairs out of one configured range (SWITCHBOARD_RTP_PORTS).
//
// RFC 3550 §11: "For UDP and similar protocols, RTP SHOULD use an even
// destination port number and the corresponding RTCP stream SHOULD use the
// next higher (odd) destination port number." Each pair is bound as a whole;
// a pair where the OS refuses either port (another process holds it) is skipped.
//
// Pairs are handed out round-robin rather than lowest-first, so a port just
// released is the last to be reused: late packets of an ended call are less
// likely to reach the next call on the same port.
import { createSocket, type Socket } from 'node:dgram';
import { PbxMediaError } from './errors.ts';

export interface PortRange {
  min: number;
  max: number;
}

export interface PortPair {
  rtp: Socket;
  rtcp: Socket;
  /** The RTP port (even); RTCP is on port + 1. */
  port: number;
}

export interface PortAllocatorOptions {
  /** SO_RCVBUF / SO_SNDBUF of each socket; the OS default when unset. */
  recvBufferSize?: number;
  sendBufferSize?: number;
}

export class PortAllocator {
  private readonly first: number;
  private readonly pairs: number;
  private next = 0;
  /** Ports being bound or bound, with their sockets once bound. */
  private readonly taken = new Map<number, PortPair | undefined>();
  private readonly type: 'udp4' | 'udp6';

  constructor(
    range: PortRange,
    readonly host: string = '0.0.0.0',
    private readonly options: PortAllocatorOptions = {},
  ) {
    if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || range.min < 1 || range.max > 65535) {
      throw new PbxMediaError(`RTP port range ${range.min}-${range.max} is not within 1-65535`, 'MEDIA_INVALID');
    }
    this.first = range.min + (range.min % 2);
    this.pairs = Math.max(0, Math.floor((range.max - this.first + 1) / 2));
    if (this.pairs === 0) throw new PbxMediaError(`RTP port range ${range.min}-${range.max} holds no even/odd port pair`, 'MEDIA_INVALID');
    this.type = host.includes(':') ? 'udp6' : 'udp4';
  }

  /** How many pairs the range holds. */
  get capacity(): number {
    return this.pairs;
  }

  get inUse(): number {
    return this.taken.size;
  }

  /**
   * Binds and returns an even RTP port with RTCP on port + 1 (RFC 3550 §11),
   * skipping ports the OS refuses; throws PbxMediaError('no free RTP ports')
   * (code MEDIA_NO_PORTS) when every pair is taken or refused.
   */
  async allocate(): Promise<PortPair> {
    for (let tried = 0; tried < this.pairs; tried++) {
      const port = this.first + 2 * this.next;
      this.next = (this.next + 1) % this.pairs;
      if (this.taken.has(port)) continue;
      this.taken.set(port, undefined);
      const pair = await this.bindPair(port);
      if (!this.taken.has(port)) {
        // Released while binding: the caller never learns of it.
        if (pair) closePair(pair);
        continue;
      }
      if (pair) {
        this.taken.set(port, pair);
        return pair;
      }
      this.taken.delete(port);
    }
    throw new PbxMediaError('no free RTP ports', 'MEDIA_NO_PORTS');
  }

  /** Closes the pair's sockets (if still open) and returns the port to the range. Unknown ports are ignored. */
  release(port: number): void {
    const pair = this.taken.get(port);
    this.taken.delete(port);
    if (pair) closePair(pair);
  }

  private async bindPair(port: number): Promise<PortPair | undefined> {
    const rtp = await this.bind(port);
    if (!rtp) return undefined;
    const rtcp = await this.bind(port + 1);
    if (!rtcp) {
      closeQuietly(rtp);
      return undefined;
    }
    return { rtp, rtcp, port };
  }

  private bind(port: number): Promise<Socket | undefined> {
    return new Promise((resolve) => {
      const socket = createSocket({ type: this.type, reuseAddr: false, recvBufferSize: this.options.recvBufferSize, sendBufferSize: this.options.sendBufferSize, lookup: literalLookup });
      const onError = (): void => {
        // A failed bind leaves the handle open, which would keep the process alive.
        closeQuietly(socket);
        resolve(undefined);
      };
      socket.once('error', onError);
      socket.bind({ port, address: this.host, exclusive: true }, () => {
        socket.off('error', onError);
        resolve(socket);
      });
    });
  }
}

/**
 * dgram resolves a destination on every send() through dns.lookup, which
 * answers IP literals on the next tick. Media destinations are always IP
 * literals (from SDP c= lines or packet sources), so this answers at once and
 * saves a tick and a closure per packet. A host name is not resolved: the send
 * fails quietly like any lost datagram. Being synchronous, it makes bind() emit
 * 'listening' before bind() returns: pass bind a callback, or listen first.
 */
export function literalLookup(address: string, _family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

function closePair(pair: PortPair): void {
  closeQuietly(pair.rtp);
  closeQuietly(pair.rtcp);
}

function closeQuietly(socket: Socket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}
