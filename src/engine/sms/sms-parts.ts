// A message text as SMPP short_message octets: plain ASCII in the SMSC's
// default alphabet (data_coding 0, one octet per character; the SMSC packs it
// to GSM 7-bit), anything else — Polish diacritics — as UCS-2 (data_coding 8,
// 3GPP TS 23.038 §5). Too long for one SMS, it is split into parts behind a
// concatenation user data header (3GPP TS 23.040 §9.2.3.24.1).

export interface SmsPart {
  dataCoding: number;
  /** short_message: the UDH (when split) and this part's text. */
  octets: Buffer;
  udh: boolean;
}

/** Characters the default alphabet shares with ASCII, one septet each (TS 23.038 §6.2.1, without its extension table). */
const DEFAULT_ALPHABET_ASCII = /^[A-Za-z0-9 \n\r@$_!"#%&'()*+,\-./:;<=>?]*$/;

/** TS 23.040 §9.2.3.24.1: IEI 00, length 3, reference, total, sequence. */
function concatHeader(ref: number, total: number, seq: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, ref & 0xff, total, seq]);
}

/** Packs code points into pieces of at most `limit` units, never splitting a surrogate pair. */
function pack(chars: string[], limit: number, units: (c: string) => number): string[] {
  const out: string[] = [];
  let piece = '';
  let used = 0;
  for (const c of chars) {
    const n = units(c);
    if (used + n > limit) {
      out.push(piece);
      piece = '';
      used = 0;
    }
    piece += c;
    used += n;
  }
  if (piece !== '') out.push(piece);
  return out;
}

function ucs2(text: string): Buffer {
  const b = Buffer.from(text, 'utf16le');
  return b.swap16(); // UCS-2 on the air is big-endian
}

export function smsParts(text: string, reference: number): SmsPart[] {
  const chars = [...text];
  const plain = DEFAULT_ALPHABET_ASCII.test(text);
  // 140 octets of user data: 160 septets or 70 UCS-2 characters; 6 of them go to the UDH when split.
  const single = plain ? 160 : 70;
  const split = plain ? 153 : 67;
  const dataCoding = plain ? 0x00 : 0x08;
  const encode = (t: string): Buffer => (plain ? Buffer.from(t, 'latin1') : ucs2(t));
  // UCS-2 counts 16-bit units: a character outside the BMP takes two.
  const units = (c: string): number => (plain ? 1 : c.length);
  const total = chars.reduce((n, c) => n + units(c), 0);
  if (total <= single) return [{ dataCoding, octets: encode(text), udh: false }];
  const pieces = pack(chars, split, units);
  if (pieces.length > 255) throw new Error('a message of more than 255 parts cannot be concatenated');
  return pieces.map((p, i) => ({ dataCoding, octets: Buffer.concat([concatHeader(reference, pieces.length, i + 1), encode(p)]), udh: true }));
}
