// RFC 3261 §20.42 and §25.1 — Via; RFC 3581 — rport.
//
//   via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
//   sent-protocol = protocol-name SLASH protocol-version SLASH transport
//   sent-by       = host [ COLON port ]
//   via-params    = via-ttl / via-maddr / via-received / via-branch / via-extension
//   SLASH = SWS "/" SWS     COLON = SWS ":" SWS
//
// RFC 4475 §3.1.1.1 puts LWS around every slash and folds lines inside a Via; all
// of that is legal and accepted here.

import { isAlnum, parseDigits, scanToken, skipWs } from './basic-rules.ts';
import { type Parameters, parseParameters, stringifyParameters } from './parameters.ts';

export class Via {
  protocolName: string;
  protocolVersion: string;
  /** Uppercased: UDP, TCP, TLS, SCTP, WS, WSS, or any extension token. */
  transport: string;
  /** sent-by host: name, IPv4, or IPv6 reference with brackets. */
  host: string;
  port: number | undefined;
  /** Names lowercased; raw values; null for a parameter without value (e.g. `rport`). */
  params: Parameters;

  constructor(init: { transport: string; host: string; port?: number; params?: Iterable<[string, string | null]>; protocolName?: string; protocolVersion?: string }) {
    this.protocolName = init.protocolName ?? 'SIP';
    this.protocolVersion = init.protocolVersion ?? '2.0';
    this.transport = init.transport.toUpperCase();
    this.host = init.host;
    this.port = init.port;
    this.params = new Map(init.params ?? []);
  }

  // RFC 3261 §8.1.1.7 — the branch identifies the transaction.
  get branch(): string | undefined {
    return this.params.get('branch') ?? undefined;
  }
  set branch(value: string | undefined) {
    setOrDelete(this.params, 'branch', value);
  }

  // RFC 3261 §18.2.1 — the server's view of the sender's address.
  get received(): string | undefined {
    return this.params.get('received') ?? undefined;
  }
  set received(value: string | undefined) {
    setOrDelete(this.params, 'received', value);
  }

  // RFC 3581 §3 — a client asks for symmetric response routing with an empty
  // `rport`; the server fills in the source port it saw.
  get hasRport(): boolean {
    return this.params.has('rport');
  }
  /** The rport value, undefined when absent, empty, or not a port number. */
  get rport(): number | undefined {
    const v = this.params.get('rport');
    return v === undefined || v === null ? undefined : parseDigits(v, 65535);
  }
  set rport(value: number | undefined) {
    setOrDelete(this.params, 'rport', value === undefined ? undefined : String(value));
  }

  get maddr(): string | undefined {
    return this.params.get('maddr') ?? undefined;
  }

  get ttl(): number | undefined {
    const v = this.params.get('ttl');
    return v === undefined || v === null ? undefined : parseDigits(v, 255);
  }

  /** sent-by as written: `host` or `host:port`. */
  get sentBy(): string {
    return this.port === undefined ? this.host : `${this.host}:${this.port}`;
  }

  clone(): Via {
    return new Via(this);
  }

  toString(): string {
    return `${this.protocolName}/${this.protocolVersion}/${this.transport} ${this.sentBy}${stringifyParameters(this.params)}`;
  }
}

function setOrDelete(params: Parameters, name: string, value: string | undefined): void {
  if (value === undefined) params.delete(name);
  else params.set(name, value);
}

/** Parses one via-parm (one element of a Via list). Never throws. */
export function parseVia(text: string): Via | undefined {
  const end = text.length;
  let i = skipWs(text, 0);
  const fields: string[] = [];
  for (let k = 0; k < 3; k++) {
    if (k > 0) {
      i = skipWs(text, i);
      if (i >= end || text.charCodeAt(i) !== 0x2f) return undefined;
      i = skipWs(text, i + 1);
    }
    const start = i;
    i = scanToken(text, i);
    if (i === start) return undefined;
    fields.push(text.slice(start, i));
  }
  // LWS between sent-protocol and sent-by is mandatory.
  const wsStart = i;
  i = skipWs(text, i);
  if (i === wsStart) return undefined;

  const hostStart = i;
  if (i < end && text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf(']', i);
    if (close < 0) return undefined;
    i = close + 1;
  } else {
    while (i < end) {
      const c = text.charCodeAt(i);
      if (!isAlnum(c) && c !== 0x2d && c !== 0x2e && c !== 0x5f) break;
      i++;
    }
  }
  if (i === hostStart) return undefined;
  const host = text.slice(hostStart, i);

  let port: number | undefined;
  const afterHost = skipWs(text, i);
  if (afterHost < end && text.charCodeAt(afterHost) === 0x3a) {
    const portStart = skipWs(text, afterHost + 1);
    i = portStart;
    while (i < end && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    port = parseDigits(text.slice(portStart, i), 65535);
    if (port === undefined) return undefined;
  }

  const params = parseParameters(text, i);
  if (!params) return undefined;
  const via = new Via({ protocolName: fields[0]!, protocolVersion: fields[1]!, transport: fields[2]!, host });
  via.port = port;
  via.params = params;
  return via;
}
