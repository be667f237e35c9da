// SIP over TCP (RFC 3261 §18): messages framed by Content-Length, responses
// sent back over the connection the request came on (§18.2.2), CRLF
// keep-alives answered (RFC 5626 §4.4.1). A connection that breaks framing
// cannot be resynchronised and is closed. With `tls` set the same transport
// is SIP over TLS (§26.2.1, §26.3.1): the stream is framed the same way.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, connect as connectTls, rootCertificates, type SecureContextOptions } from 'node:tls';
import type { TransportProtocol } from './flow.ts';
import type { SipMessage } from '../message/index.ts';
import { SipStreamFramer } from '../message/index.ts';
import type { Flow, MessageSender } from './flow.ts';
import { handleInbound, type InboundHandlers } from './inbound.ts';
import type { UdpTransportOptions } from './udp-transport.ts';

export interface TcpTransportOptions extends UdpTransportOptions {
  maxConnections?: number;
  /** Close a connection that has carried nothing for this long. */
  idleTimeoutMs?: number;
  /**
   * SIP over TLS: our certificate and key for connections we accept, and
   * extra CAs to trust when we connect out (a provider's server certificate
   * is verified; §26.3.1).
   */
  tls?: { cert: string; key: string; ca?: string[] };
}

interface Connection {
  id: number;
  socket: Socket;
  flow: Flow;
}

const CRLF = Buffer.from('\r\n');

export class TcpTransport implements MessageSender {
  private server: Server | undefined;
  private readonly connections = new Map<number, Connection>();
  /** Latest connection per remote address:port, to reuse for requests we send. */
  private readonly byRemote = new Map<string, number>();
  private nextId = 1;
  private localAddress = '';
  private localPortValue = 0;
  received = 0;
  dropped = 0;

  constructor(
    private readonly options: TcpTransportOptions,
    private readonly handlers: InboundHandlers,
  ) {}

  get port(): number {
    return this.localPortValue;
  }

  get protocol(): TransportProtocol {
    return this.options.tls ? 'tls' : 'tcp';
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async listen(port = this.options.port): Promise<void> {
    const tls = this.options.tls;
    const server = tls
      ? createTlsServer({ cert: tls.cert, key: tls.key, noDelay: true } as SecureContextOptions, (socket) => this.accept(socket))
      : createServer({ noDelay: true }, (socket) => this.accept(socket));
    server.maxConnections = this.options.maxConnections ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.options.host, port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => {
      // accept() failures (EMFILE…) leave the listener running.
    });
    const addr = server.address();
    if (typeof addr === 'object' && addr) {
      this.localAddress = addr.address;
      this.localPortValue = addr.port;
    }
    this.server = server;
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    if (this.options.admit && !this.options.admit(address)) {
      this.dropped++;
      socket.destroy();
      return;
    }
    this.adopt(socket);
  }

  private adopt(socket: Socket, remote?: { address: string; port: number }): Connection {
    const id = this.nextId++;
    const flow: Flow = {
      protocol: this.protocol,
      localAddress: socket.localAddress ?? this.localAddress,
      localPort: socket.localPort ?? this.localPortValue,
      remoteAddress: remote?.address ?? socket.remoteAddress ?? '',
      remotePort: remote?.port ?? socket.remotePort ?? 0,
      connectionId: id,
    };
    const conn: Connection = { id, socket, flow };
    this.connections.set(id, conn);
    this.byRemote.set(`${flow.remoteAddress}:${String(flow.remotePort)}`, id);
    const framer = new SipStreamFramer({ maxMessageSize: this.options.maxMessageSize ?? 64 * 1024 });
    socket.setTimeout(this.options.idleTimeoutMs ?? 15 * 60_000);
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => {
      socket.destroy();
      // §18.4: the transaction layer hears of it instead of waiting for its timers.
      this.handlers.onFlowFailed?.(flow);
    });
    socket.on('close', () => {
      this.connections.delete(id);
      const key = `${flow.remoteAddress}:${String(flow.remotePort)}`;
      if (this.byRemote.get(key) === id) this.byRemote.delete(key);
    });
    socket.on('data', (chunk: Buffer) => {
      for (const out of framer.push(chunk)) {
        if (out.kind === 'message') {
          this.received++;
          handleInbound(out.data, flow, { transport: 'stream' }, this.handlers, (buf) => socket.write(buf));
        } else if (out.kind === 'ping') {
          socket.write(CRLF);
        } else if (out.kind === 'error') {
          this.dropped++;
          this.handlers.onMalformed?.(out.error, flow);
          socket.destroy();
          return;
        }
      }
    });
    return conn;
  }

  /**
   * Sends over the flow's connection; when it is gone (or the flow names
   * none), over the latest connection to that address, else a new one (§18.1.1).
   */
  send(message: SipMessage, flow: Flow): void {
    const buf = message.toBuffer();
    const conn =
      (flow.connectionId !== undefined ? this.connections.get(flow.connectionId) : undefined) ??
      this.connections.get(this.byRemote.get(`${flow.remoteAddress}:${String(flow.remotePort)}`) ?? -1);
    if (conn && !conn.socket.destroyed) {
      conn.socket.write(buf);
      return;
    }
    const tls = this.options.tls;
    const socket = tls
      ? // Extra CAs are trusted besides the system's, not instead of them.
        connectTls({ host: flow.remoteAddress, port: flow.remotePort, ...(tls.ca ? { ca: [...rootCertificates, ...tls.ca] } : {}), ...(flow.serverName ? { servername: flow.serverName } : {}) }).setNoDelay(true)
      : connect({ host: flow.remoteAddress, port: flow.remotePort, noDelay: true });
    const c = this.adopt(socket, { address: flow.remoteAddress, port: flow.remotePort });
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      c.flow.localAddress = socket.localAddress ?? c.flow.localAddress;
      c.flow.localPort = socket.localPort ?? c.flow.localPort;
    });
    socket.write(buf);
  }

  flowTo(address: string, port: number, serverName?: string): Flow {
    return { protocol: this.protocol, localAddress: this.localAddress, localPort: this.localPortValue, remoteAddress: address, remotePort: port, ...(serverName ? { serverName } : {}) };
  }

  async close(): Promise<void> {
    for (const c of this.connections.values()) c.socket.destroy();
    this.connections.clear();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
