// RFC 3261 §9.1 — Client Behavior: constructing a CANCEL.

import { type HeaderValue, Headers, SipRequest, cloneUri, stringifyCSeq } from '../message/index.ts';

/**
 * §9.1 — "The Request-URI, Call-ID, To, the numeric part of CSeq, and From header
 * fields in the CANCEL request MUST be identical to those in the request being
 * cancelled, including tags. A CANCEL constructed by a client MUST have only a
 * single Via header field value matching the top Via value in the request being
 * cancelled. Using the same values for these header fields allows the CANCEL to
 * be matched with the request it cancels ... However, the method part of the CSeq
 * header field MUST have a value of CANCEL. ... If the request being cancelled
 * contains a Route header field, the CANCEL request MUST include that Route header
 * field's values."
 *
 * `extraHeaders` is for a Reason header (RFC 3326) or the like.
 */
export function createCancel(request: SipRequest, extraHeaders: Iterable<readonly [string, HeaderValue]> = []): SipRequest {
  const via = request.topVia;
  const cseq = request.cseq;
  if (!via || !cseq) throw new TypeError('cannot CANCEL a request without Via and CSeq');
  const headers = new Headers();
  headers.add('Via', via.toString());
  headers.add('Max-Forwards', '70');
  const routes = request.headers.getLines('route');
  if (routes.length > 0) headers.add('Route', routes);
  copy(request.headers, headers, 'from');
  copy(request.headers, headers, 'to');
  copy(request.headers, headers, 'call-id');
  headers.add('CSeq', stringifyCSeq({ seq: cseq.seq, method: 'CANCEL' }));
  for (const [name, value] of extraHeaders) headers.add(name, value);
  return new SipRequest({ method: 'CANCEL', uri: cloneUri(request.uri), headers });
}

function copy(from: Headers, to: Headers, name: string): void {
  const value = from.get(name);
  if (value !== undefined) to.add(name, value);
}
