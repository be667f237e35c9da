// The SIP stack: UDP and TCP transports on one port (TLS, when configured, on
// its own port — 5061 by custom, RFC 3261 §26.2.1), the transaction layer
// above them, and a table of request handlers by method (the transaction
// users). Policy — who may register, where a call goes — lives above, in the
// handlers the engine installs.
import { createResponse, type SipMessage, type SipRequest } from './message/index.ts';
import type { Flow, MessageSender } from './transport/flow.ts';
import { UdpTransport } from './transport/udp-transport.ts';
import { TcpTransport } from './transport/tcp-transport.ts';
import { ServerLocator } from './transport/server-locator.ts';
import { TransactionLayer, type ServerTransaction, type TimerConfig, type InviteServerTransaction } from './transaction/index.ts';
import type { AuthFailureGuard } from './security/auth-failure-guard.ts';

/** Seconds a 503 for a temporary failure asks the client to wait. */
const RETRY_AFTER_SECONDS = 5;

export type RequestHandler = (request: SipRequest, tx: ServerTransaction) => void | Promise<void>;

/** The dialog layer's entry points (the B2BUA installs them). */
export interface DialogUser {
  /** A request with a To tag: claims it (true) or leaves it to be answered 481. */
  inDialog(request: SipRequest, tx: ServerTransaction): boolean;
  /** An ACK that matched no transaction: the ACK for a 2xx (§13.2.2.4). */
  ack(ack: SipRequest, flow: Flow): void;
  /** A CANCEL and the INVITE transaction it cancels, if any (§9.2). */
  cancel(cancelTx: ServerTransaction, invite: InviteServerTransaction | undefined): void;
}

export interface SipStackOptions {
  host: string;
  port: number;
  guard: AuthFailureGuard;
  maxMessageSize?: number;
  timers?: Partial<TimerConfig>;
  userAgent?: string;
  onError?: (err: unknown, where: string) => void;
  /** A handler's error that means "try again shortly" (e.g. the database is down): answered 503 instead of 500. */
  isTemporary?: (err: unknown) => boolean;
  /** SIP over TLS on `port` (0: any free one) with this certificate; off when unset. */
  tls?: { port: number; cert: string; key: string; ca?: string[] };
  /** DNS servers for RFC 3263 lookups (`ip` or `ip:port`); the system's when unset. */
  dnsServers?: string[];
}

/** What the layers above need of one transport: its port, flows to a peer, and sending. */
export interface SipTransport extends MessageSender {
  readonly port: number;
  flowTo(address: string, port: number, serverName?: string): Flow;
}

export class SipStack implements MessageSender {
  readonly udp: UdpTransport;
  readonly tcp: TcpTransport;
  /** SIP over TLS, when configured. */
  readonly tls: TcpTransport | undefined;
  readonly transactions: TransactionLayer;
  private readonly handlers = new Map<string, RequestHandler>();
  private dialogs: DialogUser | undefined;
  malformed = 0;

  /** RFC 3263 server location for requests to a host name (trunks). */
  readonly locator: ServerLocator;

  constructor(private readonly options: SipStackOptions) {
    this.locator = new ServerLocator(options.dnsServers && options.dnsServers.length > 0 ? { servers: options.dnsServers } : {});
    const inbound = {
      onMessage: (m: SipMessage, f: Flow) => this.transactions.receive(m, f),
      onMalformed: () => {
        this.malformed++;
      },
      onFlowFailed: (f: Flow) => this.transactions.reportTransportError(f),
    };
    const transportOptions = { host: options.host, admit: options.guard.admit, maxMessageSize: options.maxMessageSize ?? 65_535 };
    this.udp = new UdpTransport({ ...transportOptions, port: options.port }, inbound);
    this.tcp = new TcpTransport({ ...transportOptions, port: options.port }, inbound);
    const tls = options.tls;
    this.tls = tls ? new TcpTransport({ ...transportOptions, port: tls.port, tls: { cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca } : {}) } }, inbound) : undefined;
    this.transactions = new TransactionLayer({
      sender: this,
      ...(options.timers ? { timers: options.timers } : {}),
      onRequest: (request, tx) => this.dispatch(request, tx),
      onAck: (ack, flow) => this.dialogs?.ack(ack, flow),
      onCancel: (cancelTx, invite) => {
        if (this.dialogs) this.dialogs.cancel(cancelTx, invite);
        // §9.2: with no matching transaction the UAS answers 481.
        else cancelTx.respond(createResponse(cancelTx.request, invite ? 200 : 481, undefined, generateTagLike(cancelTx.request)));
      },
    });
    this.on('OPTIONS', (request, tx) => {
      // §11.2: answer OPTIONS as an INVITE would be answered, with our capabilities.
      const res = createResponse(request, 200, 'OK', generateTagLike(request));
      res.setHeader('Allow', this.allow());
      res.setHeader('Accept', 'application/sdp');
      res.setHeader('Supported', 'path, outbound');
      tx.respond(res);
    });
  }

  setDialogUser(user: DialogUser): void {
    this.dialogs = user;
  }

  on(method: string, handler: RequestHandler): void {
    this.handlers.set(method.toUpperCase(), handler);
  }

  allow(): string {
    return [...new Set(['ACK', 'CANCEL', ...this.handlers.keys()])].join(', ');
  }

  private dispatch(request: SipRequest, tx: ServerTransaction): void {
    // §12.2.2: a request with a To tag belongs to a dialog; one we do not know gets 481.
    if (request.to?.tag !== undefined && request.method !== 'OPTIONS' && request.method !== 'REGISTER') {
      if (this.dialogs?.inDialog(request, tx)) return;
      tx.respond(createResponse(request, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    const handler = this.handlers.get(request.method);
    if (!handler) {
      // §8.2.1: a method we do not support gets 405 with the methods we do.
      const res = createResponse(request, 405, 'Method Not Allowed', generateTagLike(request));
      res.setHeader('Allow', this.allow());
      tx.respond(res);
      return;
    }
    try {
      const r = handler(request, tx);
      if (r instanceof Promise) r.catch((err: unknown) => this.fail(err, request, tx));
    } catch (err) {
      this.fail(err, request, tx);
    }
  }

  private fail(err: unknown, request: SipRequest, tx: ServerTransaction): void {
    this.options.onError?.(err, `${request.method} handler`);
    try {
      // RFC 3261 §21.5.4: 503 says the condition is temporary; Retry-After (§20.33) when to try again.
      if (this.options.isTemporary?.(err)) {
        const res = createResponse(request, 503, 'Service Unavailable', generateTagLike(request));
        res.headers.set('Retry-After', String(RETRY_AFTER_SECONDS));
        tx.respond(res);
        return;
      }
      tx.respond(createResponse(request, 500, 'Server Internal Error', generateTagLike(request)));
    } catch {
      // The transaction may already have answered.
    }
  }

  /** The transport of a protocol; undefined for TLS when it is not configured. */
  transport(protocol: Flow['protocol']): SipTransport | undefined {
    return protocol === 'tcp' ? this.tcp : protocol === 'tls' ? this.tls : this.udp;
  }

  /** Binds UDP, then TCP on the same port number (port 0: the one UDP got), then TLS on its own. */
  async start(): Promise<{ udp: number; tcp: number; tls?: number }> {
    for (let attempt = 0; ; attempt++) {
      await this.udp.listen();
      try {
        await this.tcp.listen(this.udp.port);
        if (this.tls) {
          await this.tls.listen();
          return { udp: this.udp.port, tcp: this.tcp.port, tls: this.tls.port };
        }
        return { udp: this.udp.port, tcp: this.tcp.port };
      } catch (err) {
        await this.udp.close();
        // With port 0 the number UDP drew may be taken for TCP: draw again.
        if (this.options.port !== 0 || attempt >= 20) throw err;
      }
    }
  }

  send(message: SipMessage, flow: Flow): void {
    if (flow.protocol === 'tcp') this.tcp.send(message, flow);
    else if (flow.protocol === 'tls') this.tls?.send(message, flow);
    else this.udp.send(message, flow);
  }

  async close(): Promise<void> {
    this.transactions.close();
    await Promise.all([this.udp.close(), this.tcp.close(), this.tls?.close()]);
  }
}

/** A To tag for responses that create no dialog, stable per request. */
function generateTagLike(request: SipRequest): string {
  const seed = `${request.callId ?? ''}${String(request.cseq?.seq ?? 0)}`;
  let h = 0;
  for (let i = 0; i < seed.length; i++) h = (h * 31 + seed.charCodeAt(i)) >>> 0;
  return `sb${h.toString(36)}`;
}
