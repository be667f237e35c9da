import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipRequest, SipResponse } from '../../../src/sip/message/index.ts';
import type { InviteServerTransaction, NonInviteServerTransaction } from '../../../src/sip/transaction/index.ts';
import { answer, harness, incoming, outgoing, tcpFlow, udpFlow } from './helpers.ts';

describe('TransactionLayer: server matching (RFC 3261 §17.2.3)', () => {
  it('matches on branch, sent-by and method', () => {
    const h = harness();
    h.layer.receive(incoming(), udpFlow);
    h.layer.receive(incoming(), udpFlow);
    assert.equal(h.requests.length, 1, 'retransmission');
    h.layer.receive(incoming({ sentBy: '203.0.113.9:5060' }), udpFlow);
    assert.equal(h.requests.length, 2, 'same branch from another sent-by is another transaction');
    h.layer.receive(incoming({ sentBy: '198.51.100.7' }), udpFlow);
    assert.equal(h.requests.length, 3, 'sent-by without the port is another value');
    h.layer.receive(incoming({ method: 'OPTIONS' }), udpFlow);
    assert.equal(h.requests.length, 4, 'same branch, other method');
    h.layer.receive(incoming({ sentBy: 'phone.example.com:5060' }), udpFlow);
    h.layer.receive(incoming({ sentBy: 'PHONE.Example.COM:5060' }), udpFlow);
    assert.equal(h.requests.length, 5, 'host is case-insensitive');
    assert.equal(h.layer.size, 5);
  });

  it('routes the ACK of a non-2xx to its INVITE transaction and any other ACK to onAck', () => {
    const h = harness();
    h.layer.receive(incoming(), udpFlow);
    const tx = h.requests[0]!.transaction;
    const busy = tx.reply(486)!;
    h.layer.receive(incoming({ method: 'ACK', toTag: busy.to!.tag }), udpFlow);
    assert.equal(tx.state, 'confirmed');
    assert.equal(h.acks.length, 0);
    h.layer.receive(incoming({ method: 'ACK', branch: 'z9hG4bKother', toTag: 'x' }), udpFlow);
    assert.equal(h.acks.length, 1);
    assert.equal(h.requests.length, 1, 'an ACK never creates a transaction');
  });

  describe('CANCEL (§9.2)', () => {
    it('runs in its own transaction and is matched to the INVITE it cancels', () => {
      const cancels: { cancel: NonInviteServerTransaction; invite: InviteServerTransaction | undefined }[] = [];
      const h = harness({ onCancel: (cancel, invite) => cancels.push({ cancel, invite }) });
      h.layer.receive(incoming(), udpFlow);
      const invite = h.requests[0]!.transaction;
      invite.reply(180);
      h.layer.receive(incoming({ method: 'CANCEL' }), udpFlow);
      assert.equal(cancels.length, 1);
      assert.equal(cancels[0]!.invite, invite);
      assert.equal(cancels[0]!.cancel.request.method, 'CANCEL');
      assert.equal(h.layer.size, 2);
      assert.equal(h.requests.length, 1, 'the CANCEL went to onCancel, not onRequest');

      // What a UAS core does with it (§9.2): 200 to the CANCEL, 487 to the INVITE.
      cancels[0]!.cancel.reply(200);
      invite.reply(487);
      assert.deepEqual(h.sender.responses().map((r) => `${r.status} ${r.cseq!.method}`), ['180 INVITE', '200 CANCEL', '487 INVITE']);

      // A retransmitted CANCEL is answered by its transaction.
      h.layer.receive(incoming({ method: 'CANCEL' }), udpFlow);
      assert.equal(cancels.length, 1);
      assert.equal(h.sender.responses(200).length, 2);
    });

    it('reports no INVITE when nothing matches (the TU answers 481)', () => {
      const cancels: (InviteServerTransaction | undefined)[] = [];
      const h = harness({ onCancel: (cancel, invite) => cancels.push(invite) });
      h.layer.receive(incoming({ method: 'CANCEL', branch: 'z9hG4bKnothing' }), udpFlow);
      assert.deepEqual(cancels, [undefined]);
    });

    it('goes to onRequest without an onCancel handler', () => {
      const h = harness();
      h.layer.receive(incoming(), udpFlow);
      h.layer.receive(incoming({ method: 'CANCEL' }), udpFlow);
      assert.deepEqual(h.requests.map((r) => r.request.method), ['INVITE', 'CANCEL']);
    });
  });

  describe('RFC 2543 fallback (no magic cookie)', () => {
    it('matches a retransmitted INVITE by Request-URI, tags, Call-ID, CSeq and top Via', () => {
      const h = harness();
      h.layer.receive(incoming({ branch: '' }), udpFlow);
      const tx = h.requests[0]!.transaction;
      tx.reply(180);
      h.layer.receive(incoming({ branch: '' }), udpFlow);
      assert.equal(h.requests.length, 1);
      assert.deepEqual(h.sender.responses().map((r) => r.status), [180, 180]);
      h.layer.receive(incoming({ branch: '', cseq: 2 }), udpFlow);
      h.layer.receive(incoming({ branch: '', fromTag: 'other' }), udpFlow);
      h.layer.receive(incoming({ branch: '', uri: 'sip:bob@192.0.2.11' }), udpFlow);
      h.layer.receive(incoming({ branch: 'z9hG4bK' }), udpFlow);
      assert.equal(h.requests.length, 5, 'any difference is a new request; a bare magic cookie is RFC 2543 too (RFC 4475 §3.2.1)');
    });

    it('matches the ACK when its To tag is the one of the response sent', () => {
      const h = harness();
      h.layer.receive(incoming({ branch: '1' }), udpFlow);
      const tx = h.requests[0]!.transaction;
      const busy = tx.reply(486)!;
      h.layer.receive(incoming({ method: 'ACK', branch: '1', toTag: 'not-ours' }), udpFlow);
      assert.equal(tx.state, 'completed');
      assert.equal(h.acks.length, 1, 'an unmatched ACK goes up');
      h.layer.receive(incoming({ method: 'ACK', branch: '1', toTag: busy.to!.tag }), udpFlow);
      assert.equal(tx.state, 'confirmed');
      assert.equal(h.acks.length, 1);
    });

    it('matches a CANCEL to the INVITE', () => {
      const invites: (InviteServerTransaction | undefined)[] = [];
      const h = harness({ onCancel: (_c, invite) => invites.push(invite) });
      h.layer.receive(incoming({ branch: '' }), udpFlow);
      h.layer.receive(incoming({ method: 'CANCEL', branch: '' }), udpFlow);
      assert.equal(invites[0], h.requests[0]!.transaction);
    });
  });
});

describe('TransactionLayer: robustness', () => {
  it('never throws on parsed-but-broken messages and says why it dropped them', () => {
    const h = harness();
    const noVia = new SipRequest({ method: 'INVITE', uri: 'sip:bob@192.0.2.10', headers: [['CSeq', '1 INVITE'], ['Call-ID', 'x']] });
    const noCSeq = incoming();
    noCSeq.removeHeader('cseq');
    const ackNoVia = new SipRequest({ method: 'ACK', uri: 'sip:bob@192.0.2.10' });
    const response = new SipResponse({ status: 200, headers: [['Via', 'SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKabc']] });
    const badVia = incoming();
    badVia.setHeader('Via', 'not a via');
    const bare = new SipResponse({ status: 180 });
    for (const m of [noVia, noCSeq, ackNoVia, response, badVia, bare]) {
      assert.doesNotThrow(() => h.layer.receive(m, udpFlow));
    }
    assert.equal(h.requests.length, 0);
    assert.equal(h.acks.length, 0);
    assert.equal(h.discarded.length, 6);
    assert.equal(h.layer.size, 0);
  });

  it('answers 500 when the TU throws before answering, and reports the error', () => {
    const h = harness({
      onRequest: () => {
        throw new Error('TU bug');
      },
    });
    assert.doesNotThrow(() => h.layer.receive(incoming({ method: 'MESSAGE' }), udpFlow));
    assert.deepEqual(h.sender.responses().map((r) => r.status), [500]);
    assert.equal(h.errors.length, 1);
    assert.equal((h.errors[0] as Error).message, 'TU bug');
  });

  it('reports TU errors thrown from a timer instead of letting them escape', () => {
    const h = harness();
    h.layer.createClientTransaction(outgoing('OPTIONS'), tcpFlow, {
      onResponse: () => {},
      onTimeout: () => {
        throw new Error('timeout handler bug');
      },
    });
    assert.doesNotThrow(() => h.clock.advance(32_000));
    assert.equal(h.errors.length, 1);
    assert.equal(h.layer.size, 0);
  });

  it('treats a sender that throws as a transport error', () => {
    const h = harness({
      sender: {
        send: () => {
          throw new Error('EHOSTUNREACH');
        },
      },
    });
    let transportErrors = 0;
    const tx = h.layer.createClientTransaction(outgoing('OPTIONS'), udpFlow, {
      onResponse: () => {},
      onTimeout: () => {},
      onTransportError: () => void transportErrors++,
    });
    assert.equal(transportErrors, 1);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.size, 0);
  });

  it('close() terminates everything and clears every timer, telling no TU', () => {
    const h = harness();
    let told = 0;
    const handlers = { onResponse: () => void told++, onTimeout: () => void told++ };
    h.layer.createClientTransaction(outgoing('INVITE'), udpFlow, handlers);
    h.layer.createClientTransaction(outgoing('OPTIONS'), udpFlow, handlers);
    h.layer.receive(incoming(), udpFlow);
    h.layer.receive(incoming({ method: 'OPTIONS', branch: 'z9hG4bKo' }), udpFlow);
    h.requests[1]!.transaction.reply(200);
    assert.equal(h.layer.size, 4);
    h.layer.close();
    h.layer.close();
    assert.equal(h.layer.size, 0);
    assert.equal(h.clock.pending, 0);
    h.layer.receive(incoming({ branch: 'z9hG4bKlater' }), udpFlow);
    assert.equal(h.requests.length, 2, 'a closed layer takes nothing');
    assert.equal(told, 0);
    assert.throws(() => h.layer.createClientTransaction(outgoing('OPTIONS'), udpFlow, handlers));
  });
});

describe('TransactionLayer: client side', () => {
  it('keeps a TU-written Via but gives it an RFC 3261 branch when it has none', () => {
    const h = harness();
    const withVia = outgoing('OPTIONS', [['Via', 'SIP/2.0/TCP pbx.example.org:5060;rport']]);
    const tx = h.layer.createClientTransaction(withVia, tcpFlow, { onResponse: () => {}, onTimeout: () => {} });
    const via = tx.request.topVia!;
    assert.equal(via.sentBy, 'pbx.example.org:5060');
    assert.equal(via.hasRport, true);
    assert.match(via.branch!, /^z9hG4bK/);
    const keep = outgoing('OPTIONS', [['Via', 'SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKmine']]);
    assert.equal(h.layer.createClientTransaction(keep, udpFlow, { onResponse: () => {}, onTimeout: () => {} }).request.topVia!.branch, 'z9hG4bKmine');
    assert.throws(() => h.layer.createClientTransaction(outgoing('OPTIONS', [['Via', 'SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKmine']]), udpFlow, { onResponse: () => {}, onTimeout: () => {} }), /exists/);
  });

  it('refuses an ACK; sendAck() sends it with a fresh Via', () => {
    const h = harness();
    const ack = outgoing('ACK');
    assert.throws(() => h.layer.createClientTransaction(ack, udpFlow, { onResponse: () => {}, onTimeout: () => {} }), TypeError);
    h.layer.sendAck(ack, udpFlow);
    const sent = h.sender.requests('ACK');
    assert.equal(sent.length, 1);
    assert.match(sent[0]!.topVia!.branch!, /^z9hG4bK/);
    assert.equal(h.layer.size, 0);
  });

  it('passes responses matching no transaction to onStrayResponse', () => {
    const h = harness();
    const tx = h.layer.createClientTransaction(outgoing('OPTIONS'), udpFlow, { onResponse: () => {}, onTimeout: () => {} });
    const other = answer(tx.request, 200, 'x');
    other.setHeader('Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKunknown');
    h.layer.receive(other, udpFlow);
    assert.equal(h.stray.length, 1);
    assert.equal(tx.state, 'trying');
  });
});
