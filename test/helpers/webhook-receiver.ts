// A real HTTP receiver for webhook tests: a node:http server on 127.0.0.1
// that records every request and answers what the test tells it to.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Reply {
  status: number;
  body?: string;
  delayMs?: number;
  contentType?: string;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Decides each answer; 200 by default. */
  respond: (r: Received, index: number) => Reply = () => ({ status: 200 });
  private server: http.Server | undefined;
  private waiters: { check: () => boolean; resolve: () => void }[] = [];
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${String(this.port)}/hook`;
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
        const index = this.received.length;
        this.received.push(r);
        const reply = this.respond(r, index);
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' });
          res.end(reply.body ?? '{}');
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
        for (const w of [...this.waiters]) {
          if (w.check()) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      });
    });
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Resolves once `check` holds over what was received. */
  until(check: (received: Received[]) => boolean, timeoutMs = 10_000, what = 'webhook requests'): Promise<void> {
    if (check(this.received)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { check: () => check(this.received), resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`${what}: not seen within ${String(timeoutMs)} ms (got ${String(this.received.length)})`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
