// A TCP proxy between a client and a server (here: Switchboard and
// PostgreSQL), which a test cuts and restores to simulate the network or the
// database going away: `cut()` stops listening and resets every connection,
// `restore()` listens again on the same port.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { LOOPBACK } from '../peers/ports.ts';

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  /** Connections accepted so far. */
  accepted = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = this.port): Promise<this> {
    const server = createServer((client) => {
      this.accepted++;
      const upstream = connect({ host: this.targetHost, port: this.targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, LOOPBACK, () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : port;
    this.server = server;
    return this;
  }

  /** Refuses new connections and resets the open ones, as a dead server or a cut link would. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  restore(): Promise<this> {
    return this.start(this.port);
  }

  stop(): Promise<void> {
    return this.cut();
  }
}
