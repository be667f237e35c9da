// RFC 3264 / RFC 4566 — Session descriptions carried as `application/sdp`
// bodies. Parsing and writing SDP is sdp-transform's job; this wrapper only
// picks the body out of a message and turns exceptions into values, because the
// bodies come from the network.

import { type SessionDescription, parse, write } from 'sdp-transform';
import type { SipMessage } from './message.ts';

export type { SessionDescription };

export type SdpParseResult = { ok: true; sdp: SessionDescription } | { ok: false; error: string };

export const SDP_CONTENT_TYPE = 'application/sdp';

/**
 * Parses an SDP body. sdp-transform is lenient and would return an empty object
 * for arbitrary text, so the one thing RFC 4566 §5 fixes, that the description
 * starts with `v=`, is checked here.
 */
export function parseSdp(body: Buffer | string): SdpParseResult {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (!/^\s*v=/.test(text)) return { ok: false, error: 'SDP must start with a v= line' };
  try {
    return { ok: true, sdp: parse(text) };
  } catch (err) {
    return { ok: false, error: `invalid SDP: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export function writeSdp(sdp: SessionDescription): { ok: true; text: string } | { ok: false; error: string } {
  try {
    return { ok: true, text: write(sdp) };
  } catch (err) {
    return { ok: false, error: `cannot write SDP: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The message's SDP, or undefined when the body is empty or not application/sdp. */
export function messageSdp(message: SipMessage): SdpParseResult | undefined {
  if (message.body.length === 0 || message.contentType !== SDP_CONTENT_TYPE) return undefined;
  return parseSdp(message.body);
}
