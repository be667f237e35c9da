// RFC 3261 §8.2.6 — Generating the Response (UAS), also used by a stateless
// element to answer a malformed request with 400 from a PartialMessage.

import { Headers } from './headers.ts';
import { SipResponse } from './message.ts';
import { parseNameAddr } from './name-addr.ts';
import { reasonPhrase } from './reason-phrases.ts';

/** Anything with the request's header fields: a SipRequest or a parser PartialMessage. */
export interface RequestHeaders {
  readonly headers: Headers;
}

/**
 * §8.2.6.2 — "The From field of the response MUST equal the From header field of
 * the request. The Call-ID header field of the response MUST equal the Call-ID
 * header field of the request. The CSeq header field of the response MUST equal
 * the CSeq field of the request. The Via header field values in the response
 * MUST equal the Via header field values in the request and MUST maintain the
 * same ordering. If a request contained a To tag in the request, the To header
 * field in the response MUST equal that of the request. However, if the To
 * header field in the request did not contain a tag, the URI in the To header
 * field in the response MUST equal the URI in the To header field; additionally,
 * the UAS MUST add a tag to the To header field in the response (with the
 * exception of the 100 (Trying) response, in which a tag MAY be present)."
 *
 * The tag is added only when `toTag` is given: generating it (generateTag) is
 * the dialog layer's decision, which must reuse one tag for every response of a
 * dialog.
 */
export function createResponse(request: RequestHeaders, status: number, reason?: string, toTag?: string): SipResponse {
  if (!Number.isInteger(status) || status < 100 || status > 699) throw new RangeError(`invalid SIP status code: ${status}`);
  const src = request.headers;
  const headers = new Headers();
  // Raw values are copied, so a Via the transport annotated with received/rport
  // (§18.2.1, RFC 3581) goes back exactly as it was stored.
  const vias = src.getLines('via');
  if (vias.length > 0) headers.add('Via', vias);
  const from = src.get('from');
  if (from !== undefined) headers.add('From', from);
  let to = src.get('to');
  if (to !== undefined) {
    if (toTag !== undefined && parseNameAddr(to)?.tag === undefined) to += ';tag=' + toTag;
    headers.add('To', to);
  }
  const callId = src.get('call-id');
  if (callId !== undefined) headers.add('Call-ID', callId);
  const cseq = src.get('cseq');
  if (cseq !== undefined) headers.add('CSeq', cseq);
  // §8.2.6.1 — "If there is a Timestamp header field in the request, it is
  // copied into the 100 (Trying) response".
  if (status === 100) {
    const ts = src.get('timestamp');
    if (ts !== undefined) headers.add('Timestamp', ts);
  }
  return new SipResponse({ status, reason: reason ?? reasonPhrase(status), headers });
}
