// Public API of the SIP message layer (RFC 3261 §7, §19, §20, §25).

export {
  type OtherUri,
  type SipUri,
  type TelUri,
  type Uri,
  cloneUri,
  createSipUri,
  isIpHost,
  parseUri,
  stringifyUri,
  uriEquals,
} from './uri.ts';
export { NameAddr, parseNameAddr } from './name-addr.ts';
export { Via, parseVia } from './via.ts';
export { type CSeq, MAX_CSEQ, parseCSeq, stringifyCSeq } from './cseq.ts';
export { type Parameters, parseParameters, stringifyParameters, unquoteValue } from './parameters.ts';
export {
  COMPACT_FORMS,
  type HeaderField,
  type HeaderValue,
  Headers,
  canonicalHeaderName,
  headerKey,
  isListHeader,
  splitHeaderList,
} from './headers.ts';
export {
  SIP_VERSION,
  type SipMessage,
  SipRequest,
  type SipRequestInit,
  SipResponse,
  type SipResponseInit,
} from './message.ts';
export { type ParseOptions, type ParseResult, type PartialMessage, parseMessage } from './parser.ts';
export { type FramerOptions, type FramerOutput, SipStreamFramer } from './stream-framer.ts';
export { type RequestHeaders, createResponse } from './create-response.ts';
export { REASON_PHRASES, reasonPhrase } from './reason-phrases.ts';
export {
  BRANCH_MAGIC_COOKIE,
  generateBranch,
  generateCallId,
  generateTag,
  isRfc3261Branch,
  randomToken,
} from './identifiers.ts';
export {
  SDP_CONTENT_TYPE,
  type SdpParseResult,
  type SessionDescription,
  messageSdp,
  parseSdp,
  writeSdp,
} from './sdp.ts';
