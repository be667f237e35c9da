// Shared fixtures for the transaction and dialog tests: flows, a recording
// MessageSender on a ManualClock, and realistic messages parsed from text.

import assert from 'node:assert/strict';
import { type SipMessage, SipRequest, type SipResponse, createResponse, parseMessage } from '../../../src/sip/message/index.ts';
import type { Flow, MessageSender } from '../../../src/sip/transport/flow.ts';
import { type AnyServerTransaction, ManualClock, TransactionLayer, type TransactionLayerOptions } from '../../../src/sip/transaction/index.ts';

export const udpFlow: Flow = { protocol: 'udp', localAddress: '192.0.2.10', localPort: 5060, remoteAddress: '198.51.100.7', remotePort: 5060 };
export const tcpFlow: Flow = { protocol: 'tcp', localAddress: '192.0.2.10', localPort: 5060, remoteAddress: '198.51.100.7', remotePort: 40123, connectionId: 7 };

export interface Sent {
  at: number;
  message: SipMessage;
  flow: Flow;
}

export class RecordingSender implements MessageSender {
  readonly sent: Sent[] = [];
  constructor(private readonly clock: ManualClock) {}

  send(message: SipMessage, flow: Flow): void {
    this.sent.push({ at: this.clock.now(), message, flow });
  }

  requests(method?: string): SipRequest[] {
    return this.sent.flatMap((s) => (s.message.kind === 'request' && (method === undefined || s.message.method === method) ? [s.message] : []));
  }

  responses(status?: number): SipResponse[] {
    return this.sent.flatMap((s) => (s.message.kind === 'response' && (status === undefined || s.message.status === status) ? [s.message] : []));
  }

  /** Times at which messages of this kind were sent. */
  times(filter: (m: SipMessage) => boolean): number[] {
    return this.sent.filter((s) => filter(s.message)).map((s) => s.at);
  }

  clear(): void {
    this.sent.length = 0;
  }
}

/** Parses message text written with LF line ends, as a transport would. */
export function parse(text: string): SipMessage {
  const r = parseMessage(Buffer.from(text.replace(/\r?\n/g, '\r\n')));
  if (!r.ok) assert.fail(`fixture does not parse: ${r.error}`);
  return r.message;
}

export function parseRequest(text: string): SipRequest {
  const m = parse(text);
  assert.equal(m.kind, 'request');
  return m as SipRequest;
}

/** Round trip through the wire format, as the peer would see the message. */
export function wire<T extends SipMessage>(message: T): T {
  const r = parseMessage(message.toBuffer());
  if (!r.ok) assert.fail(`message does not survive the wire: ${r.error}`);
  return r.message as T;
}

/** The response a peer would send to `request` (which carries our Via), through the wire. */
export function answer(request: SipRequest, status: number, toTag?: string): SipResponse {
  return wire(createResponse(request, status, undefined, status === 100 ? undefined : toTag));
}

export interface RequestFixture {
  method?: string;
  branch?: string;
  sentBy?: string;
  cseq?: number;
  toTag?: string;
  fromTag?: string;
  callId?: string;
  uri?: string;
  extra?: string;
}

/** An incoming request from a phone at 198.51.100.7. */
export function incoming(f: RequestFixture = {}): SipRequest {
  const method = f.method ?? 'INVITE';
  const branch = f.branch === undefined ? 'z9hG4bK74bf9' : f.branch;
  const via = `SIP/2.0/UDP ${f.sentBy ?? '198.51.100.7:5060'}${branch === '' ? '' : `;branch=${branch}`}`;
  return parseRequest(`${method} ${f.uri ?? 'sip:bob@192.0.2.10'} SIP/2.0
Via: ${via}
Max-Forwards: 70
From: Alice <sip:alice@example.com>;tag=${f.fromTag ?? '9fxced76sl'}
To: Bob <sip:bob@example.org>${f.toTag ? `;tag=${f.toTag}` : ''}
Call-ID: ${f.callId ?? '3848276298220188511@atlanta.example.com'}
CSeq: ${f.cseq ?? 1} ${method}
Contact: <sip:alice@198.51.100.7:5060>
${f.extra ?? ''}Content-Length: 0

`);
}

/** An outgoing request as a TU builds it: no Via, which the layer adds. */
export function outgoing(method = 'INVITE', extra: [string, string][] = []): SipRequest {
  return new SipRequest({
    method,
    uri: 'sip:carol@198.51.100.7',
    headers: [
      ['Max-Forwards', '70'],
      ['Route', '<sip:p1.example.net;lr>, <sip:p2.example.net;lr>'],
      ['From', '<sip:bob@example.org>;tag=a73kszlfl'],
      ['To', '<sip:carol@example.net>'],
      ['Call-ID', '8f1a7e2c@192.0.2.10'],
      ['CSeq', `314159 ${method}`],
      ['Contact', '<sip:bob@192.0.2.10:5060>'],
      ...extra,
    ],
  });
}

export interface Harness {
  clock: ManualClock;
  sender: RecordingSender;
  layer: TransactionLayer;
  requests: { request: SipRequest; transaction: AnyServerTransaction }[];
  acks: SipRequest[];
  stray: SipResponse[];
  discarded: string[];
  errors: unknown[];
}

export function harness(overrides: Partial<TransactionLayerOptions> = {}): Harness {
  const clock = new ManualClock();
  const sender = new RecordingSender(clock);
  const h: Harness = { clock, sender, layer: undefined as unknown as TransactionLayer, requests: [], acks: [], stray: [], discarded: [], errors: [] };
  h.layer = new TransactionLayer({
    sender,
    clock,
    onRequest: (request, transaction) => h.requests.push({ request, transaction }),
    onAck: (ack) => h.acks.push(ack),
    onStrayResponse: (response) => h.stray.push(response),
    onDiscard: (_m, _f, reason) => h.discarded.push(reason),
    onError: (e) => h.errors.push(e),
    ...overrides,
  });
  return h;
}
