// A flow is where a message came from and where its answer goes: the
// transport, our local socket and the peer's address (RFC 3261 §18; RFC 5626
// §3 uses the same word). Connection-oriented flows also name the connection,
// so a response goes back over the connection the request came on (§18.2.2).
import type { SipMessage } from '../message/index.ts';

export type TransportProtocol = 'udp' | 'tcp' | 'tls';

export interface Flow {
  protocol: TransportProtocol;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Set for TCP and TLS: the connection the message used. */
  connectionId?: number;
  /** TLS: the host name the peer's certificate must name (a trunk's host, when it was resolved to an address). */
  serverName?: string;
}

/** Reliable transports need no retransmissions (RFC 3261 §17.1.1.2, §17.1.2.2). */
export function isReliable(flow: Flow): boolean {
  return flow.protocol !== 'udp';
}

export function flowKey(flow: Flow): string {
  return `${flow.protocol}:${flow.remoteAddress}:${String(flow.remotePort)}`;
}

/** What the transaction layer needs of the transports. Never throws: failures are reported. */
export interface MessageSender {
  send(message: SipMessage, flow: Flow): void;
}
