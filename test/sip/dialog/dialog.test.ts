import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NameAddr, type SipRequest, SipResponse, type Uri, createResponse, parseUri, stringifyUri } from '../../../src/sip/message/index.ts';
import { Dialog, DialogError, copyRecordRoute, dialogIdOf, dialogKey, retransmit2xxUntilAck } from '../../../src/sip/dialog/index.ts';
import { ManualClock, type InviteServerTransaction } from '../../../src/sip/transaction/index.ts';
import { harness, parseRequest, udpFlow, wire } from '../transaction/helpers.ts';

// Alice (atlanta) calls Bob, whose UA is this PBX. The INVITE was record-routed
// by atlanta.example.com (a loose router, lr) and then by biloxi.example.com (a
// strict, RFC 2543 router): the proxy nearest the UAS is on top.
const aliceInvite = (): SipRequest =>
  parseRequest(`INVITE sip:bob@192.0.2.10:5060 SIP/2.0
Via: SIP/2.0/UDP biloxi.example.com;branch=z9hG4bKnashds8
Via: SIP/2.0/UDP atlanta.example.com;branch=z9hG4bK77ef4c2312983.1
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=198.51.100.7
Max-Forwards: 68
Record-Route: <sip:biloxi.example.com>
Record-Route: <sip:atlanta.example.com;lr>
To: Bob <sip:bob@biloxi.example.com>
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
Contact: <sip:alice@pc33.atlanta.example.com>
Content-Length: 0

`);

/** Bob's answer to Alice's INVITE, as the UAS core builds it. */
function bobAnswers(invite: SipRequest, status: number): SipResponse {
  const response = createResponse(invite, status, undefined, 'a6c85cf');
  copyRecordRoute(invite, response);
  response.addHeader('Contact', '<sip:bob@192.0.2.10:5060>');
  return response;
}

// This PBX calls Carol through atlanta (lr, nearest to us) and biloxi (strict).
const ourInvite = (): SipRequest =>
  parseRequest(`INVITE sip:carol@chicago.example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKour1;rport
Max-Forwards: 70
Route: <sip:atlanta.example.com;lr>
From: "Switchboard" <sip:pbx@example.org>;tag=ourtag
To: Carol <sip:carol@chicago.example.com>
Call-ID: 5a8d2c@192.0.2.10
CSeq: 1000 INVITE
Contact: <sip:pbx@192.0.2.10:5060>
Content-Length: 0

`);

/** Carol's answer as it arrives: Record-Route in the order the proxies added it (nearest Carol on top). */
function carolAnswers(invite: SipRequest, status: number, contact = '<sip:carol@203.0.113.50:5062;transport=udp>'): SipResponse {
  const response = createResponse(invite, status, undefined, 'carol-tag');
  response.addHeader('Record-Route', ['<sip:biloxi.example.com>', '<sip:atlanta.example.com;lr>']);
  response.addHeader('Contact', contact);
  return wire(response);
}

const uris = (list: readonly Uri[]): string[] => list.map(stringifyUri);

describe('Dialog creation (RFC 3261 §12.1)', () => {
  it('UAS (§12.1.1): route set from Record-Route in order, remote target from Contact', () => {
    const invite = aliceInvite();
    const ringing = bobAnswers(invite, 180);
    const dialog = Dialog.fromUasRequest(invite, 'a6c85cf', ringing);
    assert.deepEqual(dialog.id, { callId: 'a84b4c76e66710@pc33.atlanta.example.com', localTag: 'a6c85cf', remoteTag: '1928301774' });
    assert.equal(dialog.state, 'early');
    assert.equal(dialog.role, 'uas');
    assert.deepEqual(uris(dialog.routeSet), ['sip:biloxi.example.com', 'sip:atlanta.example.com;lr']);
    assert.equal(stringifyUri(dialog.remoteTarget), 'sip:alice@pc33.atlanta.example.com');
    assert.equal(dialog.remoteSeq, 314159);
    assert.equal(dialog.localSeq, undefined);
    assert.equal(stringifyUri(dialog.local.uri), 'sip:bob@biloxi.example.com');
    assert.equal(stringifyUri(dialog.remote.uri), 'sip:alice@atlanta.example.com');
    assert.equal(dialog.secure, false);
    assert.equal(ringing.getHeaders('record-route').length, 2, 'copyRecordRoute put the Record-Route into the response');
    dialog.confirm();
    assert.equal(dialog.state, 'confirmed');
    assert.equal(Dialog.fromUasRequest(invite, 'a6c85cf', bobAnswers(invite, 200)).state, 'confirmed');
  });

  it('UAC (§12.1.2): route set from Record-Route reversed, local CSeq from the request', () => {
    const invite = ourInvite();
    const dialog = Dialog.fromUacResponse(invite, carolAnswers(invite, 200));
    assert.deepEqual(dialog.id, { callId: '5a8d2c@192.0.2.10', localTag: 'ourtag', remoteTag: 'carol-tag' });
    assert.equal(dialog.state, 'confirmed');
    assert.deepEqual(uris(dialog.routeSet), ['sip:atlanta.example.com;lr', 'sip:biloxi.example.com']);
    assert.equal(stringifyUri(dialog.remoteTarget), 'sip:carol@203.0.113.50:5062;transport=udp');
    assert.equal(dialog.localSeq, 1000);
    assert.equal(dialog.remoteSeq, undefined);
    assert.equal(dialog.local.displayName, 'Switchboard');
    assert.equal(dialog.remote.displayName, 'Carol');
  });

  it('UAC early dialog: the 2xx confirms it and recomputes the route set and remote target (§13.2.2.4)', () => {
    const invite = ourInvite();
    const ringing = createResponse(invite, 180, undefined, 'carol-tag');
    ringing.addHeader('Record-Route', '<sip:atlanta.example.com;lr>');
    ringing.addHeader('Contact', '<sip:carol@203.0.113.50>');
    const dialog = Dialog.fromUacResponse(invite, wire(ringing));
    assert.equal(dialog.state, 'early');
    assert.deepEqual(uris(dialog.routeSet), ['sip:atlanta.example.com;lr']);
    dialog.receiveResponse(carolAnswers(invite, 200));
    assert.equal(dialog.state, 'confirmed');
    assert.deepEqual(uris(dialog.routeSet), ['sip:atlanta.example.com;lr', 'sip:biloxi.example.com']);
    assert.equal(stringifyUri(dialog.remoteTarget), 'sip:carol@203.0.113.50:5062;transport=udp');
  });

  it('takes a null From tag as the empty tag, and omits it from requests (§12.1.1, §12.2.1.1)', () => {
    const invite = aliceInvite();
    invite.setHeader('From', 'Alice <sip:alice@atlanta.example.com>');
    const dialog = Dialog.fromUasRequest(invite, 'a6c85cf', bobAnswers(invite, 200));
    assert.equal(dialog.id.remoteTag, '');
    const bye = dialog.createRequest('BYE');
    assert.equal(bye.to!.tag, undefined);
    assert.equal(bye.getHeader('to'), '"Alice" <sip:alice@atlanta.example.com>');
  });

  it('refuses what cannot make a dialog', () => {
    const invite = aliceInvite();
    assert.throws(() => Dialog.fromUasRequest(invite, 'a6c85cf', bobAnswers(invite, 100)), DialogError);
    assert.throws(() => Dialog.fromUasRequest(invite, 'a6c85cf', bobAnswers(invite, 486)), DialogError);
    assert.throws(() => Dialog.fromUasRequest(invite, 'other-tag', bobAnswers(invite, 200)), DialogError);
    invite.removeHeader('contact');
    assert.throws(() => Dialog.fromUasRequest(invite, 'a6c85cf', bobAnswers(invite, 200)), /Contact/);
  });

  it('a SIPS Request-URI makes a secure dialog unless told otherwise', () => {
    const invite = aliceInvite();
    invite.uri = parseUri('sips:bob@192.0.2.10')!;
    assert.equal(Dialog.fromUasRequest(invite, 'a6c85cf', bobAnswers(invite, 200)).secure, true);
    assert.equal(Dialog.fromUasRequest(invite, 'a6c85cf', bobAnswers(invite, 200), { secure: false }).secure, false);
  });
});

describe('Requests within a dialog (§12.2.1.1)', () => {
  it('strict first route: the route goes into the Request-URI and the remote target last into Route', () => {
    const invite = aliceInvite();
    const dialog = Dialog.fromUasRequest(invite, 'a6c85cf', bobAnswers(invite, 200));
    const bye = dialog.createRequest('BYE');
    assert.equal(bye.startLine(), 'BYE sip:biloxi.example.com SIP/2.0');
    assert.deepEqual(bye.getHeaders('route'), ['<sip:atlanta.example.com;lr>', '<sip:alice@pc33.atlanta.example.com>']);
    assert.equal(bye.getHeader('from'), '"Bob" <sip:bob@biloxi.example.com>;tag=a6c85cf');
    assert.equal(bye.getHeader('to'), '"Alice" <sip:alice@atlanta.example.com>;tag=1928301774');
    assert.equal(bye.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
    assert.equal(bye.maxForwards, 70);
    assert.equal(bye.hasHeader('contact'), false, 'BYE is no target refresh');
    assert.equal(bye.vias.length, 0, 'the transaction layer adds the Via');
    const first = bye.cseq!.seq;
    assert.ok(first >= 1 && first < 2 ** 31, '§8.1.1.5');
    assert.equal(dialog.localSeq, first);
  });

  it('loose first route: the remote target is the Request-URI and the whole route set the Route', () => {
    const invite = ourInvite();
    const dialog = Dialog.fromUacResponse(invite, carolAnswers(invite, 200));
    const info = dialog.createRequest('INFO', { body: 'Signal=5\r\nDuration=160\r\n', contentType: 'application/dtmf-relay' });
    assert.equal(info.startLine(), 'INFO sip:carol@203.0.113.50:5062;transport=udp SIP/2.0');
    assert.deepEqual(info.getHeaders('route'), ['<sip:atlanta.example.com;lr>', '<sip:biloxi.example.com>']);
    assert.deepEqual(info.cseq, { seq: 1001, method: 'INFO' });
    assert.equal(info.getHeader('content-type'), 'application/dtmf-relay');
    assert.equal(info.body.toString(), 'Signal=5\r\nDuration=160\r\n');
    assert.deepEqual(dialog.createRequest('BYE').cseq, { seq: 1002, method: 'BYE' });
  });

  it('no route set: the remote target is the Request-URI and there is no Route', () => {
    const invite = ourInvite();
    const ok = createResponse(invite, 200, undefined, 'carol-tag');
    ok.addHeader('Contact', '<sip:carol@203.0.113.50>');
    const dialog = Dialog.fromUacResponse(invite, ok);
    const bye = dialog.createRequest('BYE');
    assert.equal(stringifyUri(bye.uri), 'sip:carol@203.0.113.50');
    assert.equal(bye.hasHeader('route'), false);
  });

  it('strips parameters not allowed in a Request-URI from a strict route (§19.1.1)', () => {
    const invite = aliceInvite();
    invite.setHeader('Record-Route', ['<sip:biloxi.example.com;transport=tcp;method=INVITE?Subject=x>', '<sip:atlanta.example.com;lr>']);
    const dialog = Dialog.fromUasRequest(invite, 'a6c85cf', bobAnswers(invite, 200));
    assert.equal(stringifyUri(dialog.createRequest('BYE').uri), 'sip:biloxi.example.com;transport=tcp');
    assert.equal(uris(dialog.routeSet)[0], 'sip:biloxi.example.com;transport=tcp;method=INVITE?Subject=x', 'the route set keeps all parameters');
  });

  it('ACK carries the CSeq number of the INVITE it acknowledges; CSeq of other requests goes up by one', () => {
    const invite = ourInvite();
    const dialog = Dialog.fromUacResponse(invite, carolAnswers(invite, 200));
    const ack = dialog.createRequest('ACK');
    assert.deepEqual(ack.cseq, { seq: 1000, method: 'ACK' });
    assert.equal(ack.hasHeader('contact'), false);
    const reinvite = dialog.createRequest('INVITE', { body: 'v=0\r\n', contentType: 'application/sdp' });
    assert.deepEqual(reinvite.cseq, { seq: 1001, method: 'INVITE' });
    assert.equal(reinvite.getHeader('contact'), '<sip:pbx@192.0.2.10:5060>', 'target refresh requests carry the Contact');
    assert.deepEqual(dialog.createRequest('ACK').cseq, { seq: 1001, method: 'ACK' });
    assert.deepEqual(dialog.createRequest('ACK', { cseq: 1000 }).cseq, { seq: 1000, method: 'ACK' });
    assert.equal(dialog.localSeq, 1001, 'ACK does not move the local sequence number');
    assert.throws(() => dialog.createRequest('CANCEL'), TypeError);
  });

  it('the ACK for a 2xx gets its own Via from the transaction layer', () => {
    const h = harness();
    const invite = ourInvite();
    const dialog = Dialog.fromUacResponse(invite, carolAnswers(invite, 200));
    h.layer.sendAck(dialog.createRequest('ACK'), udpFlow);
    const ack = h.sender.requests('ACK')[0]!;
    assert.notEqual(ack.topVia!.branch, invite.topVia!.branch, 'the ACK for a 2xx is a transaction of its own');
    assert.ok(wire(ack), 'and is a well-formed request');
  });

  it('a UAS dialog has no INVITE of its own to acknowledge', () => {
    const invite = aliceInvite();
    const dialog = Dialog.fromUasRequest(invite, 'a6c85cf', bobAnswers(invite, 200));
    assert.throws(() => dialog.createRequest('ACK'), TypeError);
  });
});

describe('Requests and responses received in a dialog (§12.2.2, §12.2.1.2)', () => {
  function uasDialog(): Dialog {
    const invite = aliceInvite();
    return Dialog.fromUasRequest(invite, 'a6c85cf', bobAnswers(invite, 200));
  }
  function inDialog(method: string, seq: number, contact?: string): SipRequest {
    return parseRequest(`${method} sip:bob@192.0.2.10:5060 SIP/2.0
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK-${method}-${seq}
Max-Forwards: 70
Route: <sip:atlanta.example.com;lr>
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: ${seq} ${method}
${contact ? `Contact: ${contact}\n` : ''}Content-Length: 0

`);
  }

  it('rejects a request with a lower CSeq and leaves the dialog unchanged', () => {
    const dialog = uasDialog();
    assert.equal(dialog.receiveRequest(inDialog('INVITE', 314158, '<sip:alice@203.0.113.99>')), false);
    assert.equal(dialog.remoteSeq, 314159);
    assert.equal(stringifyUri(dialog.remoteTarget), 'sip:alice@pc33.atlanta.example.com');
    assert.equal(dialog.receiveRequest(inDialog('INFO', 314159)), true, 'an equal number is not lower');
    assert.equal(dialog.receiveRequest(inDialog('INFO', 314170)), true, 'gaps are allowed');
    assert.equal(dialog.remoteSeq, 314170);
    assert.equal(dialog.receiveRequest(inDialog('INFO', 314160)), false);
  });

  it('lets ACK through with the INVITE’s number without moving the remote CSeq', () => {
    const dialog = uasDialog();
    dialog.receiveRequest(inDialog('INFO', 314160));
    assert.equal(dialog.receiveRequest(inDialog('ACK', 314159)), true);
    assert.equal(dialog.remoteSeq, 314160);
  });

  it('sets an empty remote CSeq from the first request (UAC side)', () => {
    const invite = ourInvite();
    const dialog = Dialog.fromUacResponse(invite, carolAnswers(invite, 200));
    const bye = inDialog('BYE', 7);
    assert.equal(dialog.receiveRequest(bye), true);
    assert.equal(dialog.remoteSeq, 7);
  });

  it('refreshes the remote target on re-INVITE and UPDATE with a Contact, not on other requests', () => {
    const dialog = uasDialog();
    dialog.receiveRequest(inDialog('INFO', 314160, '<sip:alice@203.0.113.1>'));
    assert.equal(stringifyUri(dialog.remoteTarget), 'sip:alice@pc33.atlanta.example.com');
    dialog.receiveRequest(inDialog('INVITE', 314161, '<sip:alice@203.0.113.2:5070>'));
    assert.equal(stringifyUri(dialog.remoteTarget), 'sip:alice@203.0.113.2:5070');
    dialog.receiveRequest(inDialog('UPDATE', 314162));
    assert.equal(stringifyUri(dialog.remoteTarget), 'sip:alice@203.0.113.2:5070', 'no Contact, no change');
    dialog.receiveRequest(inDialog('UPDATE', 314163, '<sip:alice@203.0.113.3>'));
    assert.equal(stringifyUri(dialog.remoteTarget), 'sip:alice@203.0.113.3');
    // The next request goes to the new target (behind the strict router, as the last Route).
    assert.deepEqual(dialog.createRequest('BYE').getHeaders('route').at(-1), '<sip:alice@203.0.113.3>');
  });

  it('refreshes the remote target on a 2xx to its own re-INVITE only', () => {
    const invite = ourInvite();
    const dialog = Dialog.fromUacResponse(invite, carolAnswers(invite, 200));
    const reinvite = dialog.createRequest('INVITE');
    reinvite.addHeader('Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKre1', 'prepend');
    const refused = createResponse(reinvite, 488, undefined, 'carol-tag');
    refused.addHeader('Contact', '<sip:carol@203.0.113.77>');
    dialog.receiveResponse(refused);
    assert.equal(stringifyUri(dialog.remoteTarget), 'sip:carol@203.0.113.50:5062;transport=udp');
    const ok = createResponse(reinvite, 200, undefined, 'carol-tag');
    ok.addHeader('Contact', '<sip:carol@203.0.113.77>');
    dialog.receiveResponse(ok);
    assert.equal(stringifyUri(dialog.remoteTarget), 'sip:carol@203.0.113.77');
    assert.deepEqual(uris(dialog.routeSet), ['sip:atlanta.example.com;lr', 'sip:biloxi.example.com'], 'a confirmed dialog keeps its route set');
  });

  it('dialogIdOf matches in-dialog requests (UAS view) and responses (UAC view) to the dialog', () => {
    const dialog = uasDialog();
    const id = dialogIdOf(inDialog('BYE', 314160), true);
    assert.deepEqual(id, dialog.id);
    assert.equal(dialogKey(id!), dialog.key);

    const invite = ourInvite();
    const uac = Dialog.fromUacResponse(invite, carolAnswers(invite, 200));
    const byeResponse = carolAnswers(uac.createRequest('BYE').addHeader('Via', 'SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKb'), 200);
    assert.equal(dialogKey(dialogIdOf(byeResponse, false)!), uac.key);
    assert.equal(dialogIdOf(new SipResponse({ status: 200 }), false), undefined);
  });

  it('uses a Contact given for one request', () => {
    const invite = ourInvite();
    const dialog = Dialog.fromUacResponse(invite, carolAnswers(invite, 200));
    const contact = new NameAddr(parseUri('sip:pbx@192.0.2.11:5060')!);
    assert.equal(dialog.createRequest('INVITE', { contact }).getHeader('contact'), '<sip:pbx@192.0.2.11:5060>');
  });
});

describe('2xx retransmission by the UAS (§13.3.1.4)', () => {
  it('retransmits at T1 doubling to T2 and gives up 64*T1 after the start', () => {
    const clock = new ManualClock();
    const sent: number[] = [];
    let timeouts = 0;
    const r = retransmit2xxUntilAck({ clock, retransmit: () => sent.push(clock.now()), onTimeout: () => void timeouts++ });
    clock.advance(31_999);
    assert.equal(timeouts, 0);
    clock.advance(1);
    assert.deepEqual(sent, [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(timeouts, 1);
    assert.equal(r.active, false);
    assert.equal(clock.pending, 0);
  });

  it('stops at the ACK', () => {
    const clock = new ManualClock();
    const sent: number[] = [];
    let timeouts = 0;
    const r = retransmit2xxUntilAck({ clock, timers: { T1: 100, T2: 400 }, retransmit: () => sent.push(clock.now()), onTimeout: () => void timeouts++ });
    clock.advance(1000);
    r.acknowledge();
    r.acknowledge();
    clock.advance(60_000);
    assert.deepEqual(sent, [100, 300, 700]);
    assert.equal(timeouts, 0);
    assert.equal(clock.pending, 0);
  });

  it('end to end: the 2xx goes out through the Accepted INVITE transaction until the ACK reaches the dialog', () => {
    const dialogs = new Map<string, { dialog: Dialog; retransmission: ReturnType<typeof retransmit2xxUntilAck> }>();
    const h = harness({
      onAck: (ack) => {
        const entry = dialogs.get(dialogKey(dialogIdOf(ack, true)!));
        if (entry && entry.dialog.receiveRequest(ack)) entry.retransmission.acknowledge();
      },
    });
    h.layer.receive(aliceInvite(), udpFlow);
    const tx = h.requests[0]!.transaction as InviteServerTransaction;
    tx.toTag = 'a6c85cf';
    const ok = bobAnswers(tx.request, 200);
    tx.respond(ok);
    const dialog = Dialog.fromUasRequest(tx.request, 'a6c85cf', ok);
    const retransmission = retransmit2xxUntilAck({ clock: h.clock, timers: h.layer.timers, retransmit: () => tx.respond(ok), onTimeout: () => assert.fail('ACK arrived') });
    dialogs.set(dialog.key, { dialog, retransmission });

    h.clock.advance(2000);
    const ack = parseRequest(`ACK sip:bob@192.0.2.10:5060 SIP/2.0
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnewtransaction
Max-Forwards: 70
Route: <sip:atlanta.example.com;lr>
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 ACK
Content-Length: 0

`);
    h.layer.receive(ack, udpFlow);
    assert.equal(retransmission.active, false);
    h.clock.advance(40_000);
    assert.deepEqual(h.sender.times((m) => m.kind === 'response' && m.status === 200), [0, 500, 1500]);
    assert.equal(h.layer.size, 0, 'Timer L ended the transaction');
  });
});
