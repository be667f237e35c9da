// SIP over UDP (RFC 3261 §18): one socket for sending and receiving, so that
// responses and requests leave from the port phones know (and NATs keep open).
import { createSocket, type Socket } from 'node:dgram';
import type { SipMessage } from '../message/index.ts';
import type { Flow, MessageSender } from './flow.ts';
import { handleInbound, type InboundHandlers } from './inbound.ts';

export interface UdpTransportOptions {
  host: string;
  port: number;
  /** Packets from these sources are dropped before parsing (banned addresses). */
  admit?: (address: string) => boolean;
  maxMessageSize?: number;
}

export class UdpTransport implements MessageSender {
  private socket: Socket | undefined;
  private localAddress = '';
  private localPortValue = 0;
  sent = 0;
  received = 0;
  dropped = 0;

  constructor(
    private readonly options: UdpTransportOptions,
    private readonly handlers: InboundHandlers,
  ) {}

  get port(): number {
    return this.localPortValue;
  }

  async listen(): Promise<void> {
    const type = this.options.host.includes(':') ? 'udp6' : 'udp4';
    const socket = createSocket({ type, reuseAddr: false, recvBufferSize: 4 * 1024 * 1024, sendBufferSize: 4 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port, this.options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const addr = socket.address();
    this.localAddress = addr.address;
    this.localPortValue = addr.port;
    socket.on('error', () => {
      // ICMP port-unreachable and the like surface here on some systems;
      // a datagram transport has nothing to do about them.
    });
    socket.on('message', (data, rinfo) => this.onPacket(data, rinfo.address, rinfo.port));
    this.socket = socket;
  }

  private onPacket(data: Buffer, address: string, port: number): void {
    if (this.options.admit && !this.options.admit(address)) {
      this.dropped++;
      return;
    }
    if (data.length > (this.options.maxMessageSize ?? 65_535)) {
      this.dropped++;
      return;
    }
    // RFC 5626 §4.4.1 keep-alives over UDP are STUN, and some phones send bare
    // CRLF: neither is a SIP message.
    if (data.length <= 4 && data.every((b) => b === 0x0d || b === 0x0a || b === 0)) return;
    this.received++;
    const flow: Flow = { protocol: 'udp', localAddress: this.localAddress, localPort: this.localPortValue, remoteAddress: address, remotePort: port };
    handleInbound(data, flow, { transport: 'datagram' }, this.handlers, (buf) => this.sendRaw(buf, address, port));
  }

  send(message: SipMessage, flow: Flow): void {
    this.sendRaw(message.toBuffer(), flow.remoteAddress, flow.remotePort);
  }

  sendRaw(buf: Buffer, address: string, port: number): void {
    if (!this.socket) return;
    this.sent++;
    this.socket.send(buf, port, address, () => {
      // Send errors (unreachable network, buffer full) are the same as loss
      // on the wire: the transaction layer's retransmissions deal with them.
    });
  }

  /** A flow from our socket to a peer, for requests we originate. */
  flowTo(address: string, port: number): Flow {
    return { protocol: 'udp', localAddress: this.localAddress, localPort: this.localPortValue, remoteAddress: address, remotePort: port };
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
