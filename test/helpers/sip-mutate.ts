// Mutations of valid SIP messages, shared by the parser fuzz test and the
// listener fuzz test: random bytes, truncations, duplicated and oversized
// headers, odd line ends, junk Content-Length, glued messages.
import { readFileSync } from 'node:fs';

// mulberry32: small, fast, and good enough to drive mutations reproducibly.
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fixture = (name: string): Buffer => readFileSync(new URL(`../sip/fixtures/rfc4475/${name}.dat`, import.meta.url));

const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
export const SEEDS: Buffer[] = [
  Buffer.from(
    [
      'REGISTER sip:pbx.example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
      'Max-Forwards: 70',
      'To: "Alice" <sip:alice@pbx.example.com>',
      'From: "Alice" <sip:alice@pbx.example.com>;tag=1928301774',
      'Call-ID: a84b4c76e66710@192.0.2.10',
      'CSeq: 314159 REGISTER',
      'Contact: <sip:alice@[2001:db8::1]:5060;transport=udp>;expires=3600, <tel:+15551234>;q=0.1',
      'Authorization: Digest username="alice", realm="pbx", nonce="abc", uri="sip:pbx.example.com", response="00"',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  ),
  Buffer.from(
    [
      'INVITE sip:bob@biloxi.example.com;user=phone?x=1 SIP/2.0',
      'v: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9, SIP/2.0/UDP [::1];received=::1',
      'Max-Forwards: 70',
      'f: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl',
      't: "Bob \\"B\\"" <sip:bob@biloxi.example.com>',
      'i: 3848276298220188511@atlanta.example.com',
      'CSeq: 1 INVITE',
      'Route: <sip:p1.example.com;lr>,',
      ' <sip:p2.example.com;lr>',
      'c: application/sdp',
      `l: ${SDP.length}`,
      '',
      SDP,
    ].join('\r\n'),
  ),
  Buffer.from(
    [
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx1;received=192.0.2.1;rport=5062',
      'From: <sip:alice@example.com>;tag=a',
      'To: <sip:bob@example.com>;tag=b',
      'Call-ID: c1',
      'CSeq: 1 INVITE',
      'Contact: *',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  ),
  fixture('wsinv'),
  fixture('intmeth'),
  fixture('mpart01'),
  fixture('esc01'),
];

const INSERTS = [0x0d, 0x0a, 0x00, 0x20, 0x09, 0x3a, 0x3b, 0x2c, 0x3c, 0x3e, 0x22, 0x5c, 0x25, 0x40, 0x3f, 0xff];

export function mutate(input: Buffer, rnd: () => number): Buffer {
  const int = (n: number): number => Math.floor(rnd() * n);
  let b = Buffer.from(input);
  const rounds = 1 + int(3);
  for (let r = 0; r < rounds; r++) {
    switch (int(10)) {
      case 0: {
        // random byte flips
        for (let k = 1 + int(8); k > 0 && b.length > 0; k--) b[int(b.length)] = int(256);
        break;
      }
      case 1: {
        b = b.subarray(0, int(b.length + 1));
        break;
      }
      case 2: {
        // duplicate a header line, possibly many times
        const lines = b.toString('latin1').split('\r\n');
        const i = 1 + int(Math.max(1, lines.length - 1));
        const line = lines[i] ?? 'Via: SIP/2.0/UDP x';
        const copies = rnd() < 0.1 ? 200 + int(2000) : 1 + int(3);
        lines.splice(i, 0, ...Array.from({ length: copies }, () => line));
        b = Buffer.from(lines.join('\r\n'), 'latin1');
        break;
      }
      case 3: {
        // an oversized header
        const value = String.fromCharCode(0x61 + int(26)).repeat(int(70000));
        const pos = Math.max(0, b.indexOf('\r\n') + 2);
        b = Buffer.concat([b.subarray(0, pos), Buffer.from(`X-Big: ${value}\r\n`), b.subarray(pos)]);
        break;
      }
      case 4: {
        // inserted CR, LF, NUL and delimiters
        for (let k = 1 + int(6); k > 0; k--) {
          const pos = int(b.length + 1);
          b = Buffer.concat([b.subarray(0, pos), Buffer.from([INSERTS[int(INSERTS.length)]!]), b.subarray(pos)]);
        }
        break;
      }
      case 5: {
        // huge, negative or junk Content-Length
        const values = ['99999999999999999999', '4294967296', '-1', '', ' 1 2', '0x10', String(int(100000)), '1e3', '00000000000000000000000000005'];
        const text = b.toString('latin1').replace(/(Content-Length|l)\s*:[^\r\n]*/i, `$1: ${values[int(values.length)]}`);
        b = Buffer.from(text, 'latin1');
        break;
      }
      case 6: {
        // drop a line
        const lines = b.toString('latin1').split('\r\n');
        lines.splice(int(lines.length), 1);
        b = Buffer.from(lines.join('\r\n'), 'latin1');
        break;
      }
      case 7: {
        // glue on another message or a part of one
        const other = SEEDS[int(SEEDS.length)]!;
        b = Buffer.concat([b, other.subarray(0, int(other.length + 1))]);
        break;
      }
      case 8: {
        // swap line ends for bare LF or bare CR
        const eol = ['\n', '\r', '\r\r\n', '\n\r'][int(4)]!;
        b = Buffer.from(b.toString('latin1').replace(/\r\n/g, () => (rnd() < 0.3 ? eol : '\r\n')), 'latin1');
        break;
      }
      default: {
        // random bytes
        const noise = Buffer.alloc(int(64));
        for (let k = 0; k < noise.length; k++) noise[k] = int(256);
        const pos = int(b.length + 1);
        b = Buffer.concat([b.subarray(0, pos), noise, b.subarray(pos)]);
      }
    }
  }
  return b;
}

