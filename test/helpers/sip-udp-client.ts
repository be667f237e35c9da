// A minimal SIP client over UDP for registrar tests: builds REGISTER/OPTIONS,
// answers digest challenges with our DigestClient, and waits for the response
// with the same Call-ID and CSeq.
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { parseMessage, type SipResponse } from '../../src/sip/message/index.ts';
import { DigestClient } from '../../src/sip/auth/digest-client.ts';

export class SipUdpClient {
  private socket!: Socket;
  private waiting = new Map<string, (r: SipResponse) => void>();
  readonly received: SipResponse[] = [];
  /** Requests the server sent us (OPTIONS qualify); answered per `answerRequests`. */
  readonly requests: string[] = [];
  answerRequests = true;
  port = 0;
  private cseq = 1;
  readonly callId = randomBytes(8).toString('hex');

  constructor(
    private readonly server: { host: string; port: number },
    readonly localAddress = '127.0.0.1',
  ) {}

  async open(): Promise<this> {
    this.socket = createSocket('udp4');
    this.socket.on('message', (data) => this.onMessage(data));
    await new Promise<void>((r) => this.socket.bind(0, this.localAddress, () => r()));
    this.port = this.socket.address().port;
    return this;
  }

  close(): void {
    this.socket.close();
  }

  private onMessage(data: Buffer): void {
    const r = parseMessage(data);
    if (!r.ok) return;
    const m = r.message;
    if (m.kind === 'request') {
      this.requests.push(m.method);
      if (this.answerRequests && m.method === 'OPTIONS') {
        const vias = m.getHeaders('via').join('\r\nVia: ');
        const res = `SIP/2.0 200 OK\r\nVia: ${vias}\r\nFrom: ${m.getHeader('from') ?? ''}\r\nTo: ${m.getHeader('to') ?? ''};tag=x\r\nCall-ID: ${m.callId ?? ''}\r\nCSeq: ${m.getHeader('cseq') ?? ''}\r\nContent-Length: 0\r\n\r\n`;
        this.socket.send(res, this.server.port, this.server.host);
      }
      return;
    }
    this.received.push(m);
    const key = `${m.callId ?? ''} ${String(m.cseq?.seq)}`;
    this.waiting.get(key)?.(m);
  }

  send(text: string): void {
    this.socket.send(text, this.server.port, this.server.host);
  }

  /** Sends a REGISTER; returns its final response. */
  async register(opts: { user: string; contacts?: string[]; expires?: number; authorization?: string; callId?: string; userAgent?: string }): Promise<SipResponse> {
    const cseq = this.cseq++;
    const callId = opts.callId ?? this.callId;
    const contacts = opts.contacts ?? [`<sip:${opts.user}@${this.localAddress}:${String(this.port)}>`];
    const lines = [
      `REGISTER sip:${this.server.host}:${String(this.server.port)} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.localAddress}:${String(this.port)};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:${opts.user}@${this.server.host}>;tag=${this.callId.slice(0, 6)}`,
      `To: <sip:${opts.user}@${this.server.host}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${String(cseq)} REGISTER`,
      ...contacts.map((c) => `Contact: ${c}`),
      ...(opts.expires !== undefined ? [`Expires: ${String(opts.expires)}`] : []),
      ...(opts.authorization ? [`Authorization: ${opts.authorization}`] : []),
      `User-Agent: ${opts.userAgent ?? 'TestPhone/1.0'}`,
      'Content-Length: 0',
      '',
      '',
    ];
    const wait = new Promise<SipResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to REGISTER ${cseq}`)), 2000);
      this.waiting.set(`${callId} ${String(cseq)}`, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    this.send(lines.join('\r\n'));
    return wait;
  }

  /** REGISTER, answer the 401 with digest, return the final response. */
  async registerWithAuth(opts: { user: string; password: string; contacts?: string[]; expires?: number; userAgent?: string }): Promise<SipResponse> {
    const first = await this.register(opts);
    if (first.status !== 401) return first;
    const auth = new DigestClient({ username: opts.user, password: opts.password }).authorize({
      method: 'REGISTER',
      uri: `sip:${this.server.host}:${String(this.server.port)}`,
      challengeHeaderValue: first.getHeaders('www-authenticate'),
    });
    if (auth === undefined) throw new Error('could not answer the challenge');
    return this.register({ ...opts, authorization: auth });
  }
}
