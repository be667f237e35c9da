// A small SIP phone over UDP for what baresip 1.0.0 cannot do (attended
// transfer: REFER with Replaces). It registers, places calls answering the
// 407, keeps each call's dialog, answers BYE and NOTIFY with 200, and sends
// in-dialog requests. It sends no RTP; the server's relay does not need it.
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { parseMessage, stringifyUri, type SipMessage, type SipRequest, type SipResponse } from '../../src/sip/message/index.ts';
import { DigestClient } from '../../src/sip/auth/digest-client.ts';

export interface UaDialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  remoteTarget: string;
  to: string;
  cseq: number;
}

const hex = (n: number): string => randomBytes(n).toString('hex');

export class SipUa {
  private socket!: Socket;
  private port = 0;
  private readonly waiting = new Map<string, (r: SipResponse) => void>();
  /** Requests the server sent us, by method, in order. */
  readonly requests: SipRequest[] = [];
  private readonly requestWaiters: { match: (r: SipRequest) => boolean; resolve: (r: SipRequest) => void }[] = [];
  private readonly digest: DigestClient;

  constructor(
    private readonly server: { host: string; port: number },
    readonly user: string,
    password: string,
  ) {
    this.digest = new DigestClient({ username: user, password });
  }

  async open(): Promise<this> {
    this.socket = createSocket('udp4');
    this.socket.on('message', (data) => this.onMessage(data));
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    this.port = this.socket.address().port;
    return this;
  }

  close(): void {
    this.socket.close();
  }

  private get contact(): string {
    return `<sip:${this.user}@127.0.0.1:${String(this.port)}>`;
  }

  private get domain(): string {
    return `${this.server.host}:${String(this.server.port)}`;
  }

  private onMessage(data: Buffer): void {
    const r = parseMessage(data);
    if (!r.ok) return;
    const m = r.message;
    if (m.kind === 'response') {
      this.waiting.get(`${m.callId ?? ''} ${String(m.cseq?.seq)} ${m.cseq?.method ?? ''}`)?.(m);
      return;
    }
    this.requests.push(m);
    if (m.method !== 'ACK') this.reply(m, 200);
    const i = this.requestWaiters.findIndex((w) => w.match(m));
    if (i >= 0) this.requestWaiters.splice(i, 1)[0]?.resolve(m);
  }

  private reply(m: SipRequest, status: number): void {
    const lines = [
      `SIP/2.0 ${String(status)} OK`,
      ...m.getHeaders('via').map((v) => `Via: ${v}`),
      `From: ${m.getHeader('from') ?? ''}`,
      `To: ${m.getHeader('to') ?? ''}${m.to?.tag ? '' : `;tag=${hex(4)}`}`,
      `Call-ID: ${m.callId ?? ''}`,
      `CSeq: ${m.getHeader('cseq') ?? ''}`,
      'Content-Length: 0',
      '',
      '',
    ];
    this.send(lines.join('\r\n'));
  }

  private send(text: string): void {
    this.socket.send(text, this.server.port, this.server.host);
  }

  /** The next request from the server matching `match` (already received ones count). */
  nextRequest(match: (r: SipRequest) => boolean, timeoutMs = 5000): Promise<SipRequest> {
    const seen = this.requests.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching request from the server within ${String(timeoutMs)} ms`)), timeoutMs);
      this.requestWaiters.push({
        match,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  }

  /** Sends a request and waits for its final response (provisional ones are skipped). */
  private transact(callId: string, cseq: number, method: string, text: string, timeoutMs = 10_000): Promise<SipResponse> {
    const key = `${callId} ${String(cseq)} ${method}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error(`no final response to ${method} ${String(cseq)}`));
      }, timeoutMs);
      this.waiting.set(key, (r) => {
        if (r.status < 200) return;
        clearTimeout(timer);
        this.waiting.delete(key);
        resolve(r);
      });
      this.send(text);
    });
  }

  private request(o: { method: string; uri: string; from: string; to: string; callId: string; cseq: number; headers?: string[]; body?: string }): string {
    const body = o.body ?? '';
    return [
      `${o.method} ${o.uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${String(this.port)};branch=z9hG4bK${hex(6)};rport`,
      'Max-Forwards: 70',
      `From: ${o.from}`,
      `To: ${o.to}`,
      `Call-ID: ${o.callId}`,
      `CSeq: ${String(o.cseq)} ${o.method}`,
      `Contact: ${this.contact}`,
      'User-Agent: TestUA/1.0',
      ...(o.headers ?? []),
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${String(Buffer.byteLength(body))}`,
      '',
      body,
    ].join('\r\n');
  }

  async register(): Promise<SipResponse> {
    const callId = hex(8);
    const base = { method: 'REGISTER', uri: `sip:${this.domain}`, from: `<sip:${this.user}@${this.domain}>;tag=${hex(4)}`, to: `<sip:${this.user}@${this.domain}>`, callId };
    const first = await this.transact(callId, 1, 'REGISTER', this.request({ ...base, cseq: 1, headers: ['Expires: 600'] }));
    if (first.status !== 401) return first;
    const auth = this.digest.authorize({ method: 'REGISTER', uri: base.uri, challengeHeaderValue: first.getHeaders('www-authenticate') });
    return this.transact(callId, 2, 'REGISTER', this.request({ ...base, cseq: 2, headers: ['Expires: 600', `Authorization: ${auth ?? ''}`] }));
  }

  /** Calls `number`; resolves with the confirmed dialog once answered and ACKed. */
  async call(number: string, sdpPort = 4000): Promise<UaDialog> {
    const callId = hex(10);
    const localTag = hex(4);
    const uri = `sip:${number}@${this.domain}`;
    const sdp = ['v=0', `o=ua 1 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${String(sdpPort)} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');
    const base = { method: 'INVITE', uri, from: `<sip:${this.user}@${this.domain}>;tag=${localTag}`, to: `<sip:${number}@${this.domain}>`, callId, body: sdp };
    let cseq = 1;
    let res = await this.transact(callId, cseq, 'INVITE', this.request({ ...base, cseq }));
    if (res.status === 407) {
      this.ack(res, uri, base.from, cseq);
      cseq++;
      const auth = this.digest.authorize({ method: 'INVITE', uri, challengeHeaderValue: res.getHeaders('proxy-authenticate') });
      res = await this.transact(callId, cseq, 'INVITE', this.request({ ...base, cseq, headers: [`Proxy-Authorization: ${auth ?? ''}`] }), 20_000);
    }
    if (res.status !== 200) throw new Error(`call to ${number} answered ${String(res.status)}`);
    const contact = res.contacts[0];
    const remoteTarget = contact ? stringifyUri(contact.uri) : uri;
    const dialog: UaDialog = { callId, localTag, remoteTag: res.to?.tag ?? '', remoteTarget, to: res.getHeader('to') ?? '', cseq };
    this.ack(res, remoteTarget, base.from, cseq);
    return dialog;
  }

  private ack(res: SipMessage, uri: string, from: string, cseq: number): void {
    this.send(this.request({ method: 'ACK', uri, from, to: res.getHeader('to') ?? '', callId: res.callId ?? '', cseq }));
  }

  /** An in-dialog request (REFER, BYE…); resolves with its final response. */
  inDialog(d: UaDialog, method: string, headers: string[] = []): Promise<SipResponse> {
    d.cseq++;
    return this.transact(d.callId, d.cseq, method, this.request({ method, uri: d.remoteTarget, from: `<sip:${this.user}@${this.domain}>;tag=${d.localTag}`, to: d.to, callId: d.callId, cseq: d.cseq, headers }));
  }
}
