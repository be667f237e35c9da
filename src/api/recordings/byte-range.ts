// The one byte range of a Range request that we serve (RFC 9110 §14.1.2):
// "bytes=first-last", "bytes=first-" or "bytes=-suffix". A list of several
// ranges is answered with the whole file, which §14.2 allows ("A server MAY
// ignore the Range header field"); a browser seeking asks for one.

export type RangeResult = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

export function byteRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  // §14.2: an unknown unit or a syntax we cannot read is ignored, not refused.
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    // §14.1.3: a suffix of `n` octets; "bytes=-0" can match nothing.
    const n = Number(m[2]);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Number(m[2]);
  if (m[2] !== '' && last < start) return { kind: 'full' }; // invalid (§14.1.1): ignored
  // §14.1.2: "If the first-pos is greater than or equal to the current length … unsatisfiable".
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(last, size - 1) };
}
