import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BRANCH_MAGIC_COOKIE,
  type FramerOutput,
  Headers,
  NameAddr,
  type ParseOptions,
  SipRequest,
  SipResponse,
  SipStreamFramer,
  Via,
  createResponse,
  createSipUri,
  generateBranch,
  generateCallId,
  generateTag,
  isRfc3261Branch,
  messageSdp,
  parseMessage,
  parseNameAddr,
  parseSdp,
  parseUri,
  parseVia,
  splitHeaderList,
  stringifyUri,
  uriEquals,
  writeSdp,
} from '../../../src/sip/message/index.ts';

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');

const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n';

const REGISTER = crlf([
  'REGISTER sip:pbx.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: "Alice" <sip:alice@pbx.example.com>',
  'From: "Alice" <sip:alice@pbx.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@192.0.2.10',
  'CSeq: 314159 REGISTER',
  'Contact: <sip:alice@192.0.2.10:5060;transport=udp>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"',
  'Expires: 7200',
  'Content-Length: 0',
  '',
  '',
]);

const INVITE = crlf([
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9',
  'Max-Forwards: 70',
  'From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl',
  'To: Bob <sip:bob@biloxi.example.com>',
  'Call-ID: 3848276298220188511@atlanta.example.com',
  'CSeq: 1 INVITE',
  'Contact: <sip:alice@client.atlanta.example.com;transport=tcp>',
  'Content-Type: application/sdp',
  `Content-Length: ${Buffer.byteLength(SDP)}`,
  '',
  SDP,
]);

function ok(buf: Buffer, options?: ParseOptions): SipRequest | SipResponse {
  const r = parseMessage(buf, options);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.message;
}

function req(buf: Buffer, options?: ParseOptions): SipRequest {
  const m = ok(buf, options);
  assert.ok(m instanceof SipRequest);
  return m;
}

/** A minimal valid request with the given extra header lines. */
function withHeaders(...extra: string[]): Buffer {
  return crlf([
    'OPTIONS sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx1',
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=a',
    'To: <sip:bob@example.com>',
    'Call-ID: c1',
    'CSeq: 1 OPTIONS',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ]);
}

describe('parseMessage', () => {
  it('parses a REGISTER with every convenience getter', () => {
    const m = req(REGISTER);
    assert.equal(m.method, 'REGISTER');
    assert.equal(stringifyUri(m.uri), 'sip:pbx.example.com');
    assert.equal(m.callId, 'a84b4c76e66710@192.0.2.10');
    assert.deepEqual(m.cseq, { seq: 314159, method: 'REGISTER' });
    assert.equal(m.from?.displayName, 'Alice');
    assert.equal(m.from?.tag, '1928301774');
    assert.equal(m.to?.tag, undefined);
    assert.equal(m.maxForwards, 70);
    assert.equal(m.expires, 7200);
    assert.equal(m.contentLength, 0);
    assert.equal(m.topVia?.sentBy, '192.0.2.10:5060');
    const c = m.contacts[0];
    assert.equal(c?.getParam('expires'), '3600');
    assert.equal(c?.getParam('+sip.instance'), '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>');
    assert.ok(c?.uri.kind === 'sip' && c.uri.params.get('transport') === 'udp');
  });

  it('round-trips: parse → serialize → parse gives the same values', () => {
    for (const buf of [REGISTER, INVITE]) {
      const a = ok(buf);
      const b = ok(a.toBuffer());
      assert.equal(b.toString(), a.toString());
      assert.deepEqual(b.vias.map(String), a.vias.map(String));
      assert.deepEqual(b.contacts.map(String), a.contacts.map(String));
      assert.equal(b.from?.toString(), a.from?.toString());
      assert.ok(b.body.equals(a.body));
    }
    // The canonical form of the INVITE is the input itself.
    assert.equal(ok(INVITE).toBuffer().toString(), INVITE.toString());
  });

  it('parses the SDP body with sdp-transform', () => {
    const m = ok(INVITE);
    const sdp = messageSdp(m);
    assert.ok(sdp?.ok);
    assert.equal(sdp.sdp.media[0]?.port, 4000);
    assert.equal(sdp.sdp.media[0]?.rtp[0]?.codec, 'PCMU');
    const written = writeSdp(sdp.sdp);
    assert.ok(written.ok && written.text.includes('m=audio 4000 RTP/AVP 0 8'));
    assert.equal(parseSdp('not sdp').ok, false);
  });

  it('expands compact header forms', () => {
    const m = req(
      crlf([
        'INVITE sip:bob@example.com SIP/2.0',
        'v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKc1',
        'Max-Forwards: 70',
        'f: <sip:alice@example.com>;tag=1',
        't: <sip:bob@example.com>',
        'i: compact@example.com',
        'CSeq: 1 INVITE',
        'm: <sip:alice@192.0.2.1>',
        'k: 100rel, timer',
        's: hello',
        'o: presence',
        'u: dialog',
        'c: application/sdp',
        `l: ${Buffer.byteLength(SDP)}`,
        '',
        SDP,
      ]),
    );
    assert.equal(m.callId, 'compact@example.com');
    // any spelling finds the header
    assert.equal(m.getHeader('CALL-ID'), 'compact@example.com');
    assert.equal(m.getHeader('i'), 'compact@example.com');
    assert.equal(m.from?.tag, '1');
    assert.equal(m.contacts.length, 1);
    assert.deepEqual(m.getHeaders('Supported'), ['100rel', 'timer']);
    assert.equal(m.getHeader('Subject'), 'hello');
    assert.equal(m.getHeader('Event'), 'presence');
    assert.equal(m.getHeader('Allow-Events'), 'dialog');
    assert.equal(m.contentType, 'application/sdp');
    assert.equal(m.body.toString(), SDP);
    // long forms on output
    const out = m.toString();
    assert.match(out, /^Via: /m);
    assert.match(out, /^Call-ID: compact@example.com$/m);
    assert.match(out, /^Content-Type: application\/sdp$/m);
  });

  it('unfolds continuation lines and accepts lowercase names and odd spacing', () => {
    const m = req(
      crlf([
        'OPTIONS sip:bob@example.com SIP/2.0',
        'via:SIP/2.0/UDP 192.0.2.1',
        '  ;branch=z9hG4bKf1',
        'max-forwards:\t70',
        'from :<sip:alice@example.com>;tag=a',
        'to: <sip:bob@example.com>',
        'call-id: folded',
        'cseq: 1',
        '\tOPTIONS',
        'subject: first',
        ' second',
        '\t third',
        'content-length: 0',
        '',
        '',
      ]),
    );
    assert.equal(m.topVia?.branch, 'z9hG4bKf1');
    assert.equal(m.maxForwards, 70);
    assert.deepEqual(m.cseq, { seq: 1, method: 'OPTIONS' });
    assert.equal(m.getHeader('Subject'), 'first second third');
  });

  it('accepts LF-only line ends', () => {
    const m = req(Buffer.from(REGISTER.toString().replace(/\r\n/g, '\n')));
    assert.equal(m.callId, 'a84b4c76e66710@192.0.2.10');
    assert.equal(m.contacts.length, 1);
  });

  it('ignores CRLFs before the start line (§7.5)', () => {
    const m = req(Buffer.concat([Buffer.from('\r\n\r\n'), REGISTER]));
    assert.equal(m.method, 'REGISTER');
  });

  it('splits comma-separated Via, Contact and Route, in order, with separate lines', () => {
    const m = req(
      withHeaders(
        'Via: SIP/2.0/TCP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP p2.example.com:5070;branch=z9hG4bKp2',
        'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
        'Route: <sip:p3.example.com;lr>',
        'Contact: "A, B" <sip:a@example.com>;q=0.5, <sip:b@example.com>;x=","',
      ),
    );
    assert.deepEqual(m.vias.map((v) => v.host), ['192.0.2.1', 'p1.example.com', 'p2.example.com']);
    assert.equal(m.vias[2]?.port, 5070);
    assert.deepEqual(m.routes.map((r) => (r.uri.kind === 'sip' ? r.uri.host : '')), ['p1.example.com', 'p2.example.com', 'p3.example.com']);
    assert.equal(m.contacts.length, 2);
    assert.equal(m.contacts[0]?.displayName, 'A, B');
    assert.equal(m.contacts[0]?.getParam('q'), '0.5');
    assert.equal(m.contacts[1]?.getParam('x'), ',');
  });

  it('never splits headers whose grammar has commas inside a value', () => {
    const m = req(
      withHeaders(
        'Authorization: Digest username="alice", realm="example.com", nonce="n", uri="sip:bob@example.com", response="r"',
        'Date: Sat, 13 Nov 2010 23:29:00 GMT',
        'X-Custom: a, b, c',
      ),
    );
    assert.equal(m.getHeaders('Authorization').length, 1);
    assert.deepEqual(m.getHeaders('Date'), ['Sat, 13 Nov 2010 23:29:00 GMT']);
    assert.deepEqual(m.getHeaders('X-Custom'), ['a, b, c']);
    assert.deepEqual(splitHeaderList('<sip:a@x;p="1,2">, "x,y" <sip:b@y>'), ['<sip:a@x;p="1,2">', '"x,y" <sip:b@y>']);
  });

  it('reads Contact: * (§10.2.2)', () => {
    const m = req(withHeaders('Contact: *', 'Expires: 0'));
    assert.equal(m.isContactWildcard, true);
    assert.deepEqual(m.contacts, []);
    assert.equal(m.expires, 0);
    assert.equal(req(withHeaders('Contact: <sip:a@b>')).isContactWildcard, false);
  });

  it('reads tel URIs', () => {
    const m = req(crlf(['OPTIONS tel:+1-201-555-0123;ext=44 SIP/2.0', ...withHeaders().toString().split('\r\n').slice(1)]));
    assert.ok(m.uri.kind === 'tel');
    assert.equal(m.uri.number, '+1-201-555-0123');
    assert.equal(m.uri.params.get('ext'), '44');
    assert.equal(stringifyUri(m.uri), 'tel:+1-201-555-0123;ext=44');
    const a = parseUri('tel:+1-201-555-0123');
    const b = parseUri('tel:+1.201.555.0123');
    assert.ok(a && b && uriEquals(a, b));
    assert.equal(parseUri('tel:abc-xyz'), undefined);
    const to = parseNameAddr('<tel:+15551234>;tag=t');
    assert.ok(to?.uri.kind === 'tel' && to.tag === 't');
  });

  it('reads IPv6 references in the Request-URI, Via and Contact (RFC 5118)', () => {
    const m = req(
      crlf([
        'REGISTER sip:[2001:db8::10]:5070 SIP/2.0',
        'To: sip:user@example.com',
        'From: sip:user@example.com;tag=81x2',
        'Via: SIP/2.0/UDP [2001:db8::9:1]:5060;received=2001:db8::9:255;branch=z9hG4bKas3-111',
        'Call-ID: SSG9559905523997077@hlau_4100',
        'Max-Forwards: 70',
        'Contact: "Caller" <sip:caller@[2001:db8::1]>',
        'CSeq: 98176 REGISTER',
        'Content-Length: 0',
        '',
        '',
      ]),
    );
    assert.ok(m.uri.kind === 'sip');
    assert.equal(m.uri.host, '[2001:db8::10]');
    assert.equal(m.uri.port, 5070);
    assert.equal(m.topVia?.host, '[2001:db8::9:1]');
    assert.equal(m.topVia?.port, 5060);
    assert.equal(m.topVia?.received, '2001:db8::9:255');
    assert.ok(m.contacts[0]?.uri.kind === 'sip' && m.contacts[0].uri.host === '[2001:db8::1]');
    // RFC 5118 §4.2: an IPv6 address without brackets is not a host.
    assert.equal(parseUri('sip:2001:db8::10'), undefined);
    const a = parseUri('sip:[2001:DB8::0:1]');
    const b = parseUri('sip:[2001:db8::1]');
    assert.ok(a && b && uriEquals(a, b));
  });

  it('reads rport with and without a value (RFC 3581)', () => {
    const empty = parseVia('SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKr1');
    assert.ok(empty);
    assert.equal(empty.hasRport, true);
    assert.equal(empty.rport, undefined);
    const valued = parseVia('SIP/2.0/UDP 192.0.2.1:5060;rport=61000;received=198.51.100.7;branch=z9hG4bKr1');
    assert.equal(valued?.rport, 61000);
    assert.equal(valued?.received, '198.51.100.7');
    // the server fills them in
    empty.received = '198.51.100.7';
    empty.rport = 61000;
    assert.equal(empty.toString(), 'SIP/2.0/UDP 192.0.2.1:5060;rport=61000;branch=z9hG4bKr1;received=198.51.100.7');
    assert.equal(parseVia('SIP/2.0/UDP 192.0.2.1')?.hasRport, false);
  });

  it('reads Via maddr and ttl, and rejects malformed Vias', () => {
    const v = parseVia('SIP / 2.0 / udp  host.example.com : 5062 ; maddr=224.2.0.1 ;ttl=16');
    assert.equal(v?.transport, 'UDP');
    assert.equal(v?.port, 5062);
    assert.equal(v?.maddr, '224.2.0.1');
    assert.equal(v?.ttl, 16);
    for (const bad of ['SIP/2.0 host', 'SIP/2.0/UDP', 'SIP/2.0/UDPhost', 'SIP/2.0/UDP host:99999', 'SIP/2.0/UDP host;;branch=x', 'SIP/2.0/UDP host;branch=']) {
      assert.equal(parseVia(bad), undefined, bad);
    }
  });

  it('rejects what RFC 3261 requires and explains why', () => {
    const cases: Array<[string, Buffer, RegExp, number | undefined]> = [
      ['missing Via', Buffer.from(withHeaders().toString().replace(/^Via:.*\r\n/m, '')), /missing Via/, 400],
      ['missing Max-Forwards', Buffer.from(withHeaders().toString().replace(/^Max-Forwards:.*\r\n/m, '')), /Max-Forwards/, 400],
      ['Max-Forwards over 255', Buffer.from(withHeaders().toString().replace('Max-Forwards: 70', 'Max-Forwards: 256')), /Max-Forwards/, 400],
      ['bad version', Buffer.from(withHeaders().toString().replace('SIP/2.0\r\n', 'SIP/2.1\r\n')), /SIP-Version/, 505],
      ['garbage version', Buffer.from(withHeaders().toString().replace('SIP/2.0\r\n', 'HTTP/1.1\r\n')), /SIP-Version/, 400],
      ['header without colon', withHeaders('Oops'), /colon/, 400],
      ['bad header name', withHeaders('Bad Name: x'), /name/, 400],
      ['continuation first', Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n folded\r\n\r\n'), /continuation/, 400],
      // nothing to answer with: the header fields could not be read
      ['no end of headers', Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP x'), /empty line/, undefined],
      ['bare CR', withHeaders('X-A: one\rtwo'), /CR/, 400],
      ['empty', Buffer.from('\r\n\r\n'), /empty/, undefined],
    ];
    for (const [name, buf, error, status] of cases) {
      const r = parseMessage(buf);
      assert.equal(r.ok, false, name);
      if (r.ok) continue;
      assert.match(r.error, error, name);
      assert.equal(r.status, status, name);
    }
    // Tolerated by option for RFC 2543 peers.
    const noMf = Buffer.from(withHeaders().toString().replace(/^Max-Forwards:.*\r\n/m, ''));
    assert.equal(req(noMf, { allowMissingMaxForwards: true }).maxForwards, undefined);
  });

  it('frames the body by Content-Length and flags a datagram that is too short', () => {
    const short = Buffer.from(INVITE.toString().replace(/Content-Length: \d+/, 'Content-Length: 999'));
    const r = parseMessage(short);
    assert.equal(r.ok, false);
    // On a stream, Content-Length is mandatory.
    const noLength = Buffer.from(withHeaders().toString().replace('Content-Length: 0\r\n', ''));
    assert.equal(ok(noLength).body.length, 0);
    const s = parseMessage(noLength, { transport: 'stream' });
    assert.ok(!s.ok && /Content-Length/.test(s.error));
  });

  it('accepts a datagram missing only its final empty line', () => {
    const m = req(Buffer.from(withHeaders().toString().replace(/\r\n$/, '')));
    assert.equal(m.body.length, 0);
  });

  it('parses responses', () => {
    const m = ok(
      crlf([
        'SIP/2.0 180 Ringing',
        'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx1;received=192.0.2.1',
        'From: <sip:alice@example.com>;tag=a',
        'To: <sip:bob@example.com>;tag=b',
        'Call-ID: c1',
        'CSeq: 1 INVITE',
        'Contact: <sip:bob@192.0.2.2>',
        'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
        'Content-Length: 0',
        '',
        '',
      ]),
    );
    assert.ok(m instanceof SipResponse);
    assert.equal(m.status, 180);
    assert.equal(m.reason, 'Ringing');
    assert.equal(m.to?.tag, 'b');
    assert.equal(m.recordRoutes.length, 2);
    assert.equal(m.maxForwards, undefined);
    const bad = parseMessage(Buffer.from(m.toString().replace('180 Ringing', '18 Ringing')));
    assert.ok(!bad.ok && bad.status === undefined);
  });
});

describe('SIP URIs (RFC 3261 §19.1)', () => {
  it('parses and serializes every component', () => {
    const u = parseUri('sips:alice:secret@Atlanta.Example.com:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent');
    assert.ok(u?.kind === 'sip');
    assert.equal(u.scheme, 'sips');
    assert.equal(u.user, 'alice');
    assert.equal(u.password, 'secret');
    assert.equal(u.host, 'Atlanta.Example.com');
    assert.equal(u.port, 5061);
    assert.deepEqual([...u.params], [['transport', 'tcp'], ['lr', null], ['maddr', '239.255.255.1']]);
    assert.equal(u.headers.get('subject'), 'project x');
    assert.equal(stringifyUri(u), 'sips:alice:secret@Atlanta.Example.com:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent');
    assert.equal(stringifyUri(createSipUri({ user: 'a b', host: 'example.com', params: [['lr', null]] })), 'sip:a%20b@example.com;lr');
    // escaped UTF-8 reads as text and is escaped again on output
    const utf8 = parseUri('sip:J%C3%B6rg@example.com');
    assert.ok(utf8?.kind === 'sip' && utf8.user === 'Jörg');
    assert.equal(stringifyUri(utf8), 'sip:J%C3%B6rg@example.com');
  });

  it('rejects malformed URIs', () => {
    for (const bad of ['', 'sip:', 'sip:@host', 'sip:user@', 'sip:host:port', 'sip:host:70000', 'sip:a b@host', 'sip:host;=x', 'sip:host;a=', 'sip:host?x', 'sip:u%zz@host', '<sip:a@b>', '1sip:a', 'x:', 'sip:[::1']) {
      assert.equal(parseUri(bad), undefined, bad);
    }
  });

  it('compares per §19.1.4', () => {
    const eq = (a: string, b: string): boolean => {
      const x = parseUri(a);
      const y = parseUri(b);
      assert.ok(x && y, `${a} / ${b}`);
      return uriEquals(x, y);
    };
    // equivalent (the §19.1.4 examples)
    assert.ok(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'));
    assert.ok(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'));
    assert.ok(eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;newparam=5'));
    assert.ok(eq('sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'));
    assert.ok(eq('sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'));
    // not equivalent
    assert.ok(!eq('SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'));
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'));
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'));
    assert.ok(!eq('sip:bob@biloxi.com', 'sips:bob@biloxi.com'));
    assert.ok(!eq('sip:carol@chicago.com', 'sip:carol@chicago.com;maddr=1.2.3.4'));
    assert.ok(!eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'));
    assert.ok(!eq('sip:carol@chicago.com?Subject=next%20meeting', 'sip:carol@chicago.com'));
    assert.ok(!eq('sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'));
  });
});

describe('name-addr (RFC 3261 §20.10, §25.1)', () => {
  it('parses display names, quoted or token, and header parameters', () => {
    const a = parseNameAddr('"Mr. Watson" <sip:watson@worcester.bell-telephone.com>;q=0.7; expires=3600');
    assert.equal(a?.displayName, 'Mr. Watson');
    assert.equal(a?.getParam('q'), '0.7');
    assert.equal(a?.getParam('expires'), '3600');
    const b = parseNameAddr('Lee M. Foote <sips:lee.foote@example.com>');
    assert.equal(b?.displayName, 'Lee M. Foote');
    const c = parseNameAddr('sip:+12125551212@server.phone2net.com;tag=887s');
    assert.equal(c?.displayName, undefined);
    assert.equal(c?.tag, '887s');
    assert.ok(c?.uri.kind === 'sip' && c.uri.params.size === 0);
    for (const bad of ['', '<sip:a@b', '"unterminated <sip:a@b>', 'sip:a@b?x=y', 'Bell, A <sip:a@b>', '< sip:a@b>', '<sip:a@b>;;', '<sip:a@b> junk']) {
      assert.equal(parseNameAddr(bad), undefined, bad);
    }
  });

  it('serializes in bracketed form, quoting the display name', () => {
    const n = new NameAddr(createSipUri({ user: 'bob', host: 'example.com' }), 'Bob "the" Builder');
    n.tag = 'xyz';
    n.setParam('expires', '60');
    assert.equal(n.toString(), '"Bob \\"the\\" Builder" <sip:bob@example.com>;tag=xyz;expires=60');
    assert.equal(parseNameAddr(n.toString())?.displayName, 'Bob "the" Builder');
  });
});

describe('message mutators and serialization', () => {
  it('sets, adds (append/prepend), removes and shifts headers', () => {
    const m = req(INVITE);
    m.addHeader('Via', new Via({ transport: 'UDP', host: 'proxy.example.com', params: [['branch', 'z9hG4bKproxy']] }), 'prepend');
    m.addHeader('Record-Route', '<sip:proxy.example.com;lr>', 'prepend');
    m.setHeader('Max-Forwards', String((m.maxForwards ?? 70) - 1));
    m.addHeader('X-Trace', 'one');
    m.addHeader('X-Trace', 'two');
    assert.equal(m.vias.length, 2);
    assert.equal(m.topVia?.host, 'proxy.example.com');
    assert.equal(m.maxForwards, 69);
    assert.deepEqual(m.getHeaders('X-Trace'), ['one', 'two']);
    assert.equal(m.removeHeader('x-trace'), 2);
    assert.equal(m.hasHeader('X-Trace'), false);
    // §16.7: strip our Via from the top
    assert.equal(m.headers.shift('Via'), 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy');
    assert.equal(m.topVia?.host, 'client.atlanta.example.com');
    const again = req(m.toBuffer());
    assert.equal(again.maxForwards, 69);
    assert.equal(again.recordRoutes.length, 1);
  });

  it('shifts one value off a comma-separated line', () => {
    const h = new Headers([['Route', '<sip:a;lr>, <sip:b;lr>'], ['Route', '<sip:c;lr>']]);
    assert.equal(h.shift('route'), '<sip:a;lr>');
    assert.deepEqual(h.getAll('Route'), ['<sip:b;lr>', '<sip:c;lr>']);
  });

  it('writes Content-Length from the body and CRLF line ends', () => {
    const m = new SipRequest({
      method: 'MESSAGE',
      uri: 'sip:bob@example.com',
      headers: [
        ['Via', `SIP/2.0/UDP 192.0.2.1;branch=${generateBranch()}`],
        ['Max-Forwards', '70'],
        ['From', `<sip:alice@example.com>;tag=${generateTag()}`],
        ['To', '<sip:bob@example.com>'],
        ['Call-ID', generateCallId('example.com')],
        ['CSeq', '1 MESSAGE'],
        ['Content-Type', 'text/plain;charset=utf-8'],
        ['Content-Length', '9999'],
      ],
      body: 'héllo',
    });
    const buf = m.toBuffer();
    assert.match(buf.toString(), /\r\nContent-Length: 6\r\n\r\nhéllo$/);
    assert.equal(buf.toString().split('\r\n').length, 11);
    const back = req(buf);
    assert.equal(back.body.toString(), 'héllo');
    assert.equal(back.contentType, 'text/plain');
    // header values cannot inject lines
    m.setHeader('Subject', 'a\r\nVia: evil');
    assert.equal(req(m.toBuffer()).vias.length, 1);
  });

  it('invalidates typed views when a header changes', () => {
    const m = req(REGISTER);
    assert.equal(m.contacts.length, 1);
    m.addHeader('Contact', '<sip:alice@198.51.100.1>');
    assert.equal(m.contacts.length, 2);
    m.setHeader('From', '<sip:carol@example.com>;tag=new');
    assert.equal(m.from?.tag, 'new');
  });
});

describe('createResponse (RFC 3261 §8.2.6)', () => {
  it('copies Via, From, To, Call-ID and CSeq and adds the To tag', () => {
    const request = req(
      crlf([
        'INVITE sip:bob@example.com SIP/2.0',
        'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKu1;received=192.0.2.1;rport=5062',
        'Max-Forwards: 69',
        'From: Alice <sip:alice@example.com>;tag=a1',
        'To: Bob <sip:bob@example.com>',
        'Call-ID: call-1',
        'CSeq: 7 INVITE',
        'Timestamp: 54',
        'Contact: <sip:alice@192.0.2.1>',
        'Content-Length: 0',
        '',
        '',
      ]),
    );
    const ringing = createResponse(request, 180, undefined, 'b7');
    assert.equal(ringing.status, 180);
    assert.equal(ringing.reason, 'Ringing');
    assert.deepEqual(ringing.vias.map(String), request.vias.map(String));
    assert.equal(ringing.from?.toString(), request.from?.toString());
    assert.equal(ringing.to?.tag, 'b7');
    assert.ok(ringing.to && request.to && uriEquals(ringing.to.uri, request.to.uri));
    assert.equal(ringing.callId, 'call-1');
    assert.deepEqual(ringing.cseq, { seq: 7, method: 'INVITE' });
    assert.equal(ringing.hasHeader('Contact'), false);
    assert.equal(ringing.hasHeader('Timestamp'), false);
    // §8.2.6.1: Timestamp is copied into 100 Trying
    const trying = createResponse(request, 100);
    assert.equal(trying.getHeader('Timestamp'), '54');
    assert.equal(trying.to?.tag, undefined);
    // a To tag already present is kept
    const inDialog = req(Buffer.from(request.toString().replace('To: Bob <sip:bob@example.com>', 'To: Bob <sip:bob@example.com>;tag=old')));
    assert.equal(createResponse(inDialog, 200, 'OK', 'new').to?.tag, 'old');
    // the response parses back
    const back = ok(ringing.toBuffer());
    assert.ok(back instanceof SipResponse && back.status === 180);
    assert.throws(() => createResponse(request, 99));
  });
});

describe('identifiers', () => {
  it('makes RFC 3261 branches, tags and Call-IDs that are unique tokens', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const b = generateBranch();
      assert.ok(b.startsWith(BRANCH_MAGIC_COOKIE) && isRfc3261Branch(b));
      assert.match(b, /^[A-Za-z0-9_-]+$/);
      seen.add(b);
      seen.add(generateTag());
      seen.add(generateCallId());
    }
    assert.equal(seen.size, 6000);
    assert.match(generateCallId('host.example.com'), /@host\.example\.com$/);
  });
});

describe('SipStreamFramer (RFC 3261 §18.3, RFC 5626 §4.4.1)', () => {
  const messages = (out: FramerOutput[]): Buffer[] => out.flatMap((o) => (o.kind === 'message' ? [o.data] : []));

  it('emits two messages delivered in one chunk', () => {
    const f = new SipStreamFramer();
    const out = f.push(Buffer.concat([INVITE, REGISTER]));
    const got = messages(out);
    assert.equal(got.length, 2);
    assert.ok(got[0]?.equals(INVITE));
    assert.ok(got[1]?.equals(REGISTER));
    const parsed = got.map((g) => parseMessage(g, { transport: 'stream' }));
    assert.ok(parsed.every((p) => p.ok && p.trailing === 0));
    assert.equal(f.buffered, 0);
  });

  it('assembles a message delivered one byte at a time', () => {
    const f = new SipStreamFramer();
    const stream = Buffer.concat([INVITE, REGISTER, INVITE]);
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) {
      const out = f.push(stream.subarray(i, i + 1));
      assert.ok(out.every((o) => o.kind === 'message'));
      got.push(...messages(out));
    }
    assert.equal(got.length, 3);
    assert.ok(got[0]?.equals(INVITE) && got[1]?.equals(REGISTER) && got[2]?.equals(INVITE));
  });

  it('handles every split point of a two-message stream', () => {
    const stream = Buffer.concat([INVITE, REGISTER]);
    for (let cut = 1; cut < stream.length; cut++) {
      const f = new SipStreamFramer();
      const got = [...messages(f.push(stream.subarray(0, cut))), ...messages(f.push(stream.subarray(cut)))];
      assert.equal(got.length, 2, `cut at ${cut}`);
    }
  });

  it('reports CRLFCRLF pings and CRLF pongs between messages', () => {
    const f = new SipStreamFramer();
    const out = [
      ...f.push(Buffer.from('\r\n\r\n')),
      ...f.push(Buffer.from('\r\n')),
      ...f.push(Buffer.from('\r')),
      ...f.push(Buffer.from('\n')),
      ...f.push(Buffer.concat([REGISTER, Buffer.from('\r\n\r\n')])),
    ];
    assert.deepEqual(out.map((o) => o.kind), ['ping', 'ping', 'message', 'ping']);
    const g = new SipStreamFramer();
    assert.deepEqual(g.push(Buffer.concat([Buffer.from('\r\n'), REGISTER])).map((o) => o.kind), ['pong', 'message']);
  });

  it('resets with an error on an oversize message', () => {
    const f = new SipStreamFramer({ maxMessageSize: 1024 });
    const big = crlf(['OPTIONS sip:a@b SIP/2.0', 'Content-Length: 5000', '', 'x'.repeat(5000)]);
    const out = f.push(big);
    assert.equal(out.length, 1);
    assert.equal(out[0]?.kind, 'error');
    assert.equal(f.buffered, 0);
    // a header section that never ends
    const g = new SipStreamFramer({ maxMessageSize: 1024 });
    let errors = 0;
    for (let i = 0; i < 40 && errors === 0; i++) {
      errors += g.push(Buffer.from(`X-Filler-${i}: ${'y'.repeat(40)}\r\n`)).filter((o) => o.kind === 'error').length;
    }
    assert.equal(errors, 1);
    // and then works again
    assert.equal(messages(g.push(REGISTER)).length, 1);
  });

  it('fails on a missing or invalid Content-Length', () => {
    const f = new SipStreamFramer();
    const noLength = Buffer.from(REGISTER.toString().replace('Content-Length: 0\r\n', ''));
    const out = f.push(noLength);
    assert.equal(out[0]?.kind, 'error');
    assert.match(out[0]?.kind === 'error' ? out[0].error : '', /Content-Length/);
    const g = new SipStreamFramer();
    assert.equal(g.push(Buffer.from(REGISTER.toString().replace('Content-Length: 0', 'Content-Length: -1')))[0]?.kind, 'error');
    const h = new SipStreamFramer();
    assert.equal(h.push(Buffer.from(REGISTER.toString().replace('Content-Length: 0', 'l: 0\r\nContent-Length: 0')))[0]?.kind, 'error');
  });

  it('accepts the compact form and a folded Content-Length', () => {
    const f = new SipStreamFramer();
    const folded = Buffer.from(INVITE.toString().replace(/Content-Length: (\d+)/, 'l:\r\n $1'));
    const got = messages(f.push(folded));
    assert.equal(got.length, 1);
    const r = parseMessage(got[0]!, { transport: 'stream' });
    assert.ok(r.ok && r.message.body.toString() === SDP);
  });
});
