// What every transport does with the octets of one message before the
// transaction layer sees it: parse, mark the top Via with where the request
// really came from, and answer a malformed request with 400 when it can.
import { parseMessage, createResponse, type SipMessage, type ParseOptions } from '../message/index.ts';
import type { Flow } from './flow.ts';

export interface InboundHandlers {
  onMessage(message: SipMessage, flow: Flow): void;
  /** A malformed message; `reply` is set when a 400/505 can be sent back (§8.2.2, §16.3). */
  onMalformed?(error: string, flow: Flow): void;
  /** A connection failed: could not be opened (refused, TLS verification) or broke (§18.4). */
  onFlowFailed?(flow: Flow): void;
}

/**
 * RFC 3261 §18.2.1 — "the server transport MUST examine the value of the
 * sent-by parameter in the top Via header field value. If the host portion of
 * the sent-by parameter contains a domain name, or if it contains an IP address
 * that differs from the packet source address, the server MUST add a "received"
 * parameter to that Via header field value."
 * RFC 3581 §4 — when the request has an empty rport parameter, the server sets
 * it to the source port and MUST add received, even when the address matches.
 */
export function markReceived(message: SipMessage, flow: Flow): void {
  if (message.kind !== 'request') return;
  const top = message.topVia;
  if (!top) return;
  const rportRequested = top.params.has('rport');
  const changed = rportRequested || top.host !== flow.remoteAddress;
  if (!changed) return;
  top.params.set('received', flow.remoteAddress);
  if (rportRequested) top.params.set('rport', String(flow.remotePort));
  message.headers.shift('via');
  message.headers.add('Via', top.toString(), 'prepend');
}

export function handleInbound(data: Buffer, flow: Flow, options: ParseOptions, handlers: InboundHandlers, reply: (buf: Buffer) => void): void {
  const result = parseMessage(data, options);
  if (result.ok) {
    markReceived(result.message, flow);
    handlers.onMessage(result.message, flow);
    return;
  }
  handlers.onMalformed?.(result.error, flow);
  // §18.1.2: a malformed response is discarded. A malformed request whose
  // header fields could be read enough to route a response gets one.
  if (result.status === undefined || result.partial?.kind !== 'request') return;
  const h = result.partial.headers;
  if (!h.has('via') || !h.has('call-id') || !h.has('cseq') || !h.has('from') || !h.has('to')) return;
  if (/^ACK /i.test(result.partial.startLine)) return;
  try {
    const res = createResponse(result.partial, result.status, truncate(result.error));
    reply(res.toBuffer());
  } catch {
    // The partial headers were too broken even for a 400: drop (§18.1.2 spirit).
  }
}

function truncate(reason: string): string {
  // A reason phrase is one line of text (§25.1); keep it short and printable.
  const clean = reason.replace(/[^\x20-\x7e]/g, ' ');
  return `Bad Request (${clean.length > 80 ? `${clean.slice(0, 77)}...` : clean})`;
}
