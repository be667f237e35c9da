// RFC 3261 §12 — Dialogs: "A dialog represents a peer-to-peer SIP relationship
// between two user agents that persists for some time. The dialog facilitates
// sequencing of messages between the user agents and proper routing of requests
// between both of them."
//
// §12: "A dialog is identified at each UA with a dialog ID, which consists of a
// Call-ID value, a local tag and a remote tag." The dialog state is "the dialog
// ID, a local sequence number (used to order requests from the UA to its peer), a
// remote sequence number (used to order requests from its peer to the UA), a
// local URI, a remote URI, remote target, a boolean flag called "secure", and a
// route set, which is an ordered list of URIs."
//
// A null tag (§12.1.1: "A UAS MUST be prepared to receive a request without a tag
// in the From field, in which case the tag is considered to have a value of null")
// is the empty string here.

import { randomInt } from 'node:crypto';
import {
  type HeaderValue,
  Headers,
  NameAddr,
  type SipMessage,
  SipRequest,
  type SipResponse,
  type Uri,
  cloneUri,
  stringifyCSeq,
} from '../message/index.ts';

export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

export type DialogState = 'early' | 'confirmed';

/** A message lacks what §12.1 needs to build a dialog. The UA should have answered 400 before. */
export class DialogError extends Error {
  override readonly name = 'DialogError';
}

/** One string per dialog ID, for Maps. Call-ID and tags compare case-sensitively. */
export function dialogKey(id: DialogId): string {
  return `${id.callId}\u0000${id.localTag}\u0000${id.remoteTag}`;
}

/**
 * The dialog ID a message belongs to, seen from this UA. `asUas` is true when
 * this UA is the message's UAS — a request it received, or a response it sends —
 * and false when it is the UAC: a request it sends, or a response it received.
 *
 * §12.1.1 (UAS): "The local tag component of the dialog ID MUST be set to the tag
 * in the To field in the response to the request ..., and the remote tag component
 * of the dialog ID MUST be set to the tag from the From field in the request."
 * §12.1.2 (UAC): "The local tag component of the dialog ID MUST be set to the tag
 * in the From field in the request, and the remote tag component of the dialog ID
 * MUST be set to the tag in the To field of the response."
 */
export function dialogIdOf(message: SipMessage, asUas: boolean): DialogId | undefined {
  const callId = message.callId;
  const from = message.from;
  const to = message.to;
  if (callId === undefined || !from || !to) return undefined;
  const fromTag = from.tag ?? '';
  const toTag = to.tag ?? '';
  return asUas ? { callId, localTag: toTag, remoteTag: fromTag } : { callId, localTag: fromTag, remoteTag: toTag };
}

/**
 * Target refresh requests: §12.2 — "requests within a dialog that can modify the
 * remote target of the dialog". RFC 3261 defines re-INVITE as one; RFC 3311 §5.1
 * makes UPDATE one, and RFC 6665 SUBSCRIBE and NOTIFY.
 */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY']);

export function isTargetRefresh(method: string): boolean {
  return TARGET_REFRESH.has(method);
}

export interface CreateRequestOptions {
  body?: Buffer | string;
  contentType?: string;
  /** Added after the dialog's own header fields. */
  headers?: Iterable<readonly [string, HeaderValue]>;
  /** Contact for a target refresh request; defaults to the dialog's local contact. */
  contact?: NameAddr;
  /** For an ACK: the CSeq number of the INVITE it acknowledges (default: the latest INVITE sent). */
  cseq?: number;
}

interface DialogInit {
  id: DialogId;
  role: 'uac' | 'uas';
  state: DialogState;
  local: NameAddr;
  remote: NameAddr;
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  remoteTarget: Uri;
  routeSet: Uri[];
  secure: boolean;
  localContact: NameAddr | undefined;
  inviteSeq: number | undefined;
}

export class Dialog {
  readonly id: DialogId;
  /** Which side created the dialog: the UAC (§12.1.2) or the UAS (§12.1.1). */
  readonly role: 'uac' | 'uas';
  /** Local URI (and display name): the From of requests this UA sends. */
  readonly local: NameAddr;
  /** Remote URI (and display name): the To of requests this UA sends. */
  readonly remote: NameAddr;
  /** §12.1 — "the "secure" flag": a SIPS dialog, whose requests go over TLS. */
  readonly secure: boolean;
  private currentState: DialogState;
  private lSeq: number | undefined;
  private rSeq: number | undefined;
  private target: Uri;
  private routes: Uri[];
  /** This UA's Contact, added to the target refresh requests it sends (§12.2.1.1). */
  localContact: NameAddr | undefined;
  /** CSeq number of the latest INVITE this UA sent in the dialog, for its ACK (§13.2.2.4). */
  private inviteSeq: number | undefined;

  private constructor(init: DialogInit) {
    this.id = init.id;
    this.role = init.role;
    this.currentState = init.state;
    this.local = init.local;
    this.remote = init.remote;
    this.lSeq = init.localSeq;
    this.rSeq = init.remoteSeq;
    this.target = init.remoteTarget;
    this.routes = init.routeSet;
    this.secure = init.secure;
    this.localContact = init.localContact;
    this.inviteSeq = init.inviteSeq;
  }

  /**
   * §12.1.1 — UAS behavior: the dialog state of a UAS that answers `request` with
   * `response` (which should carry the request's Record-Route: copyRecordRoute).
   *
   * `response` is the 101–199 or 2xx the UAS sends: a 1xx makes an early dialog,
   * a 2xx a confirmed one (§12.1). Its Contact becomes the local contact.
   * `secure` defaults to a SIPS Request-URI — §12.1.1 also requires that the
   * request arrived over TLS, which the caller knows and this layer does not.
   */
  static fromUasRequest(request: SipRequest, localTag: string, response: SipResponse, options: { secure?: boolean } = {}): Dialog {
    if (response.status < 101 || response.status > 299) throw new DialogError(`a ${response.status} response does not establish a dialog`);
    const responseTag = response.to?.tag;
    if (responseTag !== undefined && responseTag !== localTag) throw new DialogError('the response carries another To tag than the dialog’s local tag');
    const { callId, from, to, cseq } = required(request);
    // §12.1.1 — "The remote target MUST be set to the URI from the Contact header
    // field of the request."
    const contact = request.contacts[0];
    if (!contact) throw new DialogError(`${request.method} without Contact cannot establish a dialog (§8.1.1.8)`);
    return new Dialog({
      // §12.1.1 — "The call identifier component of the dialog ID MUST be set to
      // the value of the Call-ID in the request."
      id: { callId, localTag, remoteTag: from.tag ?? '' },
      role: 'uas',
      state: response.status >= 200 ? 'confirmed' : 'early',
      // §12.1.1 — "The remote URI MUST be set to the URI in the From field, and the
      // local URI MUST be set to the URI in the To field."
      local: bare(to),
      remote: bare(from),
      // §12.1.1 — "The remote sequence number MUST be set to the value of the
      // sequence number in the CSeq header field of the request. The local
      // sequence number MUST be empty."
      localSeq: undefined,
      remoteSeq: cseq.seq,
      remoteTarget: cloneUri(contact.uri),
      // §12.1.1 — "The route set MUST be set to the list of URIs in the
      // Record-Route header field from the request, taken in order and preserving
      // all URI parameters. If no Record-Route header field is present in the
      // request, the route set MUST be set to the empty set."
      routeSet: request.recordRoutes.map((r) => cloneUri(r.uri)),
      // §12.1.1 — "If the request arrived over TLS, and the Request-URI contained a
      // SIPS URI, the "secure" flag is set to TRUE."
      secure: options.secure ?? request.uri.scheme === 'sips',
      localContact: response.contacts[0]?.clone(),
      inviteSeq: undefined,
    });
  }

  /**
   * §12.1.2 — UAC behavior: "When a UAC receives a response that establishes a
   * dialog, it constructs the state of the dialog."
   *
   * A 101–199 with a To tag makes an early dialog, a 2xx a confirmed one (§12.1).
   */
  static fromUacResponse(request: SipRequest, response: SipResponse, options: { secure?: boolean } = {}): Dialog {
    if (response.status < 101 || response.status > 299) throw new DialogError(`a ${response.status} response does not establish a dialog`);
    const { callId, from, to, cseq } = required(request);
    // §12.1.2 — "The remote target MUST be set to the URI from the Contact header
    // field of the response."
    // Deviation: a response without Contact (seen in 18x from some gateways, and
    // a 2xx that violates §13.3.1.4) gets the request's Request-URI as remote
    // target, rather than no dialog at all; a later target refresh corrects it.
    const contact = response.contacts[0];
    return new Dialog({
      // §12.1.2 — "The local tag component of the dialog ID MUST be set to the tag
      // in the From field in the request, and the remote tag component of the
      // dialog ID MUST be set to the tag in the To field of the response. A UAC
      // MUST be prepared to receive a response without a tag in the To field, in
      // which case the tag is considered to have a value of null."
      id: { callId, localTag: from.tag ?? '', remoteTag: response.to?.tag ?? '' },
      role: 'uac',
      state: response.status >= 200 ? 'confirmed' : 'early',
      // §12.1.2 — "The remote URI MUST be set to the URI in the To field, and the
      // local URI MUST be set to the URI in the From field."
      local: bare(from),
      remote: bare(to),
      // §12.1.2 — "The local sequence number MUST be set to the value of the
      // sequence number in the CSeq header field of the request. The remote
      // sequence number MUST be empty."
      localSeq: cseq.seq,
      remoteSeq: undefined,
      remoteTarget: cloneUri(contact ? contact.uri : request.uri),
      // §12.1.2 — "The route set MUST be set to the list of URIs in the
      // Record-Route header field from the response, taken in reverse order and
      // preserving all URI parameters."
      routeSet: response.recordRoutes.map((r) => cloneUri(r.uri)).reverse(),
      // §12.1.2 — "If the request was sent over TLS, and the Request-URI in the
      // request contained a SIPS URI, the "secure" flag is set to TRUE."
      secure: options.secure ?? request.uri.scheme === 'sips',
      localContact: request.contacts[0]?.clone(),
      inviteSeq: request.method === 'INVITE' ? cseq.seq : undefined,
    });
  }

  get key(): string {
    return dialogKey(this.id);
  }

  get state(): DialogState {
    return this.currentState;
  }

  /** Local sequence number; undefined while empty (a UAS that has sent no request). */
  get localSeq(): number | undefined {
    return this.lSeq;
  }

  /** Remote sequence number; undefined while empty (a UAC that has received no request). */
  get remoteSeq(): number | undefined {
    return this.rSeq;
  }

  get remoteTarget(): Uri {
    return this.target;
  }

  /** The route set, in the order requests traverse it. */
  get routeSet(): readonly Uri[] {
    return this.routes;
  }

  /** §12.1: an early dialog becomes confirmed when a 2xx final response arrives (UAC) or is sent (UAS). */
  confirm(): void {
    this.currentState = 'confirmed';
  }

  /**
   * §12.2.1.1 — Generating the Request. The result has no Via: the transaction
   * layer adds it (TransactionLayer.createClientTransaction, or sendAck for an ACK).
   * Increments the local CSeq, except for an ACK, which carries the number of
   * the INVITE it acknowledges (§13.2.2.4).
   */
  createRequest(method: string, options: CreateRequestOptions = {}): SipRequest {
    // §9.1: a CANCEL copies the request it cancels, not the dialog state.
    if (method === 'CANCEL') throw new TypeError('build a CANCEL from the request it cancels: ClientTransaction.cancel() / createCancel()');
    let seq: number;
    if (method === 'ACK') {
      // §13.2.2.4 — "The sequence number of the CSeq header field MUST be the same
      // as the INVITE being acknowledged, but the CSeq method MUST be ACK."
      const invite = options.cseq ?? this.inviteSeq;
      if (invite === undefined) throw new TypeError('no INVITE to acknowledge in this dialog');
      seq = invite;
    } else {
      // §12.2.1.1 — "Requests within a dialog MUST contain strictly monotonically
      // increasing and contiguous CSeq sequence numbers (increasing-by-one) in each
      // direction (excepting ACK and CANCEL of course, whose numbers equal the
      // requests being acknowledged or cancelled). Therefore, if the local sequence
      // number is not empty, the value of the local sequence number MUST be
      // incremented by one, and this value MUST be placed into the CSeq header
      // field. If the local sequence number is empty, an initial value MUST be
      // chosen using the guidelines of Section 8.1.1.5."
      seq = this.lSeq === undefined ? initialSequenceNumber() : this.lSeq + 1;
      this.lSeq = seq;
      if (method === 'INVITE') this.inviteSeq = seq;
    }

    const { uri, route } = this.requestTarget();
    const headers = new Headers();
    headers.add('Max-Forwards', '70');
    if (route.length > 0) headers.add('Route', route.map((u) => new NameAddr(u).toString()).join(', '));
    // §12.2.1.1 — "The URI in the To field of the request MUST be set to the remote
    // URI from the dialog state. The tag in the To header field of the request MUST
    // be set to the remote tag of the dialog ID. The From URI of the request MUST be
    // set to the local URI from the dialog state. The tag in the From header field
    // of the request MUST be set to the local tag of the dialog ID. If the value of
    // the remote or local tags is null, the tag parameter MUST be omitted from the
    // To or From header fields, respectively."
    headers.add('From', withTag(this.local, this.id.localTag));
    headers.add('To', withTag(this.remote, this.id.remoteTag));
    // §12.2.1.1 — "The Call-ID of the request MUST be set to the Call-ID of the dialog."
    headers.add('Call-ID', this.id.callId);
    headers.add('CSeq', stringifyCSeq({ seq, method }));
    // §12.2.1.1 — "A UAC SHOULD include a Contact header field in any target
    // refresh requests within a dialog, and unless there is a need to change it,
    // the URI SHOULD be the same as used in previous requests within the dialog."
    const contact = options.contact ?? this.localContact;
    if (contact && isTargetRefresh(method)) headers.add('Contact', contact);
    if (options.headers) for (const [name, value] of options.headers) headers.add(name, value);
    if (options.body !== undefined && options.contentType !== undefined) headers.set('Content-Type', options.contentType);
    return new SipRequest({ method, uri, headers, body: options.body });
  }

  /**
   * §12.2.1.1 — the Request-URI and Route header field of a request in the dialog.
   *
   * "If the route set is empty, the UAC MUST place the remote target URI into the
   * Request-URI. The UAC MUST NOT add a Route header field to the request.
   *
   * If the route set is not empty, and the first URI in the route set contains the
   * lr parameter (see Section 19.1.1), the UAC MUST place the remote target URI
   * into the Request-URI and MUST include a Route header field containing the
   * route set values in order, including all parameters.
   *
   * If the route set is not empty, and its first URI does not contain the lr
   * parameter, the UAC MUST place the first URI from the route set into the
   * Request-URI, stripping any parameters that are not allowed in a Request-URI.
   * The UAC MUST add a Route header field containing the remainder of the route
   * set values in order, including all parameters. The UAC MUST then place the
   * remote target URI into the Route header field as the last value."
   */
  requestTarget(): { uri: Uri; route: Uri[] } {
    const first = this.routes[0];
    if (first === undefined) return { uri: cloneUri(this.target), route: [] };
    if (first.kind === 'sip' && first.params.has('lr')) return { uri: cloneUri(this.target), route: this.routes.map((u) => cloneUri(u)) };
    return { uri: requestUriForm(first), route: [...this.routes.slice(1).map((u) => cloneUri(u)), cloneUri(this.target)] };
  }

  /**
   * §12.2.2 — UAS behavior for a request within the dialog. Returns false when the
   * request is out of order; the caller answers it with 500 and leaves the dialog
   * unchanged.
   *
   * "If the remote sequence number is empty, it MUST be set to the value of the
   * sequence number in the CSeq header field value in the request. If the remote
   * sequence number was not empty, but the sequence number of the request is lower
   * than the remote sequence number, the request is out of order and MUST be
   * rejected with a 500 (Server Internal Error) response. If the remote sequence
   * number was not empty, and the sequence number of the request is greater than
   * the remote sequence number, the request is in order." An equal number is not
   * "lower" and is accepted: retransmissions never get here, the transaction
   * layer absorbs them.
   */
  receiveRequest(request: SipRequest): boolean {
    const cseq = request.cseq;
    if (!cseq) return false;
    // ACK and CANCEL carry the number of the request they belong to (§12.2.1.1) and
    // do not move the remote sequence number.
    if (request.method === 'ACK' || request.method === 'CANCEL') return true;
    if (this.rSeq !== undefined && cseq.seq < this.rSeq) return false;
    this.rSeq = cseq.seq;
    // §12.2.2 — "When a UAS receives a target refresh request, it MUST replace the
    // dialog's remote target URI with the URI from the Contact header field in that
    // request, if present."
    if (isTargetRefresh(request.method)) this.refreshTarget(request);
    return true;
  }

  /**
   * §12.2.1.2 — Processing the Responses to requests this UA sent in the dialog.
   */
  receiveResponse(response: SipResponse): void {
    const method = response.cseq?.method;
    if (method === undefined || response.status < 200 || response.status >= 300) return;
    if (method === 'INVITE' && this.role === 'uac' && this.currentState === 'early') {
      // §13.2.2.4 — "If the dialog identifier in the 2xx response matches the dialog
      // identifier of an existing dialog, the dialog MUST be transitioned to the
      // "confirmed" state, and the route set for the dialog MUST be recomputed based
      // on the 2xx response using the procedures of Section 12.2.1.2."
      this.currentState = 'confirmed';
      this.routes = response.recordRoutes.map((r) => cloneUri(r.uri)).reverse();
    }
    // §12.2.1.2 — "When a UAC receives a 2xx response to a target refresh request,
    // it MUST replace the dialog's remote target URI with the URI from the Contact
    // header field in that response, if present."
    if (isTargetRefresh(method)) this.refreshTarget(response);
  }

  private refreshTarget(message: SipMessage): void {
    const contact = message.contacts[0];
    if (contact) this.target = cloneUri(contact.uri);
  }
}

/**
 * §12.1.1 — "When a UAS responds to a request with a response that establishes a
 * dialog (such as a 2xx to INVITE), the UAS MUST copy all Record-Route header
 * field values from the request into the response (including the URIs, URI
 * parameters, and any Record-Route header field parameters, whether they are
 * known or unknown to the UAS) and MUST maintain the order of those values."
 */
export function copyRecordRoute(request: SipRequest, response: SipResponse): void {
  const lines = request.headers.getLines('record-route');
  response.removeHeader('record-route');
  if (lines.length > 0) response.addHeader('Record-Route', lines);
}

function required(request: SipRequest): { callId: string; from: NameAddr; to: NameAddr; cseq: { seq: number; method: string } } {
  const callId = request.callId;
  const from = request.from;
  const to = request.to;
  const cseq = request.cseq;
  if (callId === undefined || !from || !to || !cseq) throw new DialogError('a dialog needs Call-ID, From, To and CSeq');
  return { callId, from, to, cseq };
}

/** The URI and display name of a From/To, without its parameters (the tag lives in the dialog ID). */
function bare(na: NameAddr): NameAddr {
  return new NameAddr(cloneUri(na.uri), na.displayName);
}

function withTag(na: NameAddr, tag: string): NameAddr {
  const out = new NameAddr(cloneUri(na.uri), na.displayName);
  if (tag !== '') out.tag = tag;
  return out;
}

/**
 * §19.1.1 Table 1 — the method parameter and headers component are not allowed
 * in a Request-URI; everything else (maddr, transport, lr, …) is.
 */
function requestUriForm(uri: Uri): Uri {
  const out = cloneUri(uri);
  if (out.kind === 'sip') {
    out.params.delete('method');
    out.headers.clear();
  }
  return out;
}

/**
 * §8.1.1.5 — "The sequence number value MUST be expressible as a 32-bit unsigned
 * integer and MUST be less than 2**31." Kept below 2**30 so that a long dialog's
 * increments stay far from the 32-bit limit.
 */
function initialSequenceNumber(): number {
  return randomInt(1, 2 ** 30);
}
