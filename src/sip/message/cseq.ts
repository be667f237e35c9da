// RFC 3261 §20.16 — CSeq = "CSeq" HCOLON 1*DIGIT LWS Method
//
// §8.1.1.5: "The sequence number value MUST be expressible as a 32-bit unsigned
// integer". RFC 4475 §3.1.2.4 and §3.1.2.5 send 2**65 and larger; those are
// rejected here rather than rounded.

import { isToken, isWs, parseDigits, trimWs } from './basic-rules.ts';

export interface CSeq {
  seq: number;
  method: string;
}

export const MAX_CSEQ = 2 ** 32 - 1;

export function parseCSeq(value: string): CSeq | undefined {
  const text = trimWs(value);
  let i = 0;
  while (i < text.length && !isWs(text.charCodeAt(i))) i++;
  // Leading zeros are legal (RFC 4475 §3.1.1.1 sends `0009`).
  const seq = parseDigits(text.slice(0, i), MAX_CSEQ);
  if (seq === undefined || i === text.length) return undefined;
  const method = trimWs(text.slice(i));
  return isToken(method) ? { seq, method } : undefined;
}

export function stringifyCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
