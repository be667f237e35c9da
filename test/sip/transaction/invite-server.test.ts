import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SipMessage } from '../../../src/sip/message/index.ts';
import type { InviteServerTransaction } from '../../../src/sip/transaction/index.ts';
import { harness, incoming, tcpFlow, udpFlow } from './helpers.ts';

const status = (code: number) => (m: SipMessage): boolean => m.kind === 'response' && m.status === code;

function serverInvite(flow = udpFlow) {
  const h = harness();
  h.layer.receive(incoming(), flow);
  assert.equal(h.requests.length, 1);
  const tx = h.requests[0]!.transaction as InviteServerTransaction;
  assert.equal(tx.kind, 'invite-server');
  return { h, tx };
}

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1, §8.5–8.7)', () => {
  it('sends 100 Trying when the TU has not answered within 200 ms', () => {
    const { h, tx } = serverInvite();
    assert.equal(tx.state, 'proceeding');
    h.clock.advance(199);
    assert.equal(h.sender.sent.length, 0);
    h.clock.advance(1);
    const trying = h.sender.responses(100);
    assert.equal(trying.length, 1);
    assert.equal(trying[0]!.to!.tag, undefined, '100 Trying carries no To tag');
    assert.equal(h.sender.sent[0]!.flow, udpFlow);
  });

  it('sends no 100 Trying when the TU answers within 200 ms', () => {
    const { h, tx } = serverInvite();
    h.clock.advance(50);
    tx.reply(180);
    h.clock.advance(1000);
    assert.deepEqual(h.sender.responses().map((r) => r.status), [180]);
  });

  it('answers a retransmitted INVITE with the last provisional response; the TU sees the INVITE once', () => {
    const { h, tx } = serverInvite();
    h.layer.receive(incoming(), udpFlow);
    assert.equal(h.sender.sent.length, 0, 'nothing to resend yet');
    tx.reply(180);
    tx.reply(183);
    h.layer.receive(incoming(), udpFlow);
    assert.deepEqual(h.sender.responses().map((r) => r.status), [180, 183, 183]);
    assert.equal(h.requests.length, 1);
    assert.equal(h.layer.size, 1);
  });

  it('gives every reply the same To tag, and 100 none', () => {
    const { h, tx } = serverInvite();
    tx.reply(100);
    tx.reply(180);
    tx.reply(486);
    const [trying, ringing, busy] = h.sender.responses();
    assert.equal(trying!.to!.tag, undefined);
    assert.ok(ringing!.to!.tag);
    assert.equal(busy!.to!.tag, ringing!.to!.tag);
  });

  describe('non-2xx final response', () => {
    it('retransmits it with Timer G (min(2^n*T1, T2)) until Timer H, then tells the TU', () => {
      const { h, tx } = serverInvite();
      let timeouts = 0;
      tx.handlers = { onTimeout: () => void timeouts++ };
      tx.reply(486);
      assert.equal(tx.state, 'completed');
      h.clock.advance(31_999);
      assert.equal(timeouts, 0);
      h.clock.advance(1);
      assert.deepEqual(h.sender.times(status(486)), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
      assert.equal(timeouts, 1);
      assert.equal(tx.state, 'terminated');
      assert.equal(h.layer.size, 0);
    });

    it('resends it for a retransmitted INVITE', () => {
      const { h, tx } = serverInvite(tcpFlow);
      tx.reply(603);
      h.layer.receive(incoming(), tcpFlow);
      assert.deepEqual(h.sender.times(status(603)), [0, 0]);
      assert.equal(h.requests.length, 1);
    });

    it('stops on the ACK (same branch), absorbs further ACKs, and ends on Timer I = T4', () => {
      const { h, tx } = serverInvite();
      const busy = tx.reply(486)!;
      h.clock.advance(600);
      const ack = incoming({ method: 'ACK', toTag: busy.to!.tag });
      h.layer.receive(ack, udpFlow);
      assert.equal(tx.state, 'confirmed');
      h.layer.receive(incoming({ method: 'ACK', toTag: busy.to!.tag }), udpFlow);
      h.layer.receive(incoming(), udpFlow);
      h.clock.advance(4999);
      assert.deepEqual(h.sender.times(status(486)), [0, 500], 'Timer G stopped by the ACK; INVITE absorbed in Confirmed');
      assert.equal(h.acks.length, 0, 'the ACK of a non-2xx belongs to the transaction');
      assert.equal(tx.state, 'confirmed');
      h.clock.advance(1);
      assert.equal(tx.state, 'terminated');
      assert.equal(h.clock.pending, 0);
    });

    it('over TCP: no Timer G, and the ACK ends the transaction at once (Timer I = 0)', () => {
      const { h, tx } = serverInvite(tcpFlow);
      const busy = tx.reply(486)!;
      h.clock.advance(20_000);
      assert.deepEqual(h.sender.times(status(486)), [0]);
      h.layer.receive(incoming({ method: 'ACK', toTag: busy.to!.tag }), tcpFlow);
      assert.equal(tx.state, 'terminated');
      assert.equal(h.layer.size, 0);
    });
  });

  describe('2xx (RFC 6026 Accepted)', () => {
    it('absorbs INVITE retransmissions, sends the TU’s 2xx retransmissions, passes ACKs up, ends on Timer L', () => {
      const { h, tx } = serverInvite();
      const ok = tx.reply(200)!;
      assert.equal(tx.state, 'accepted');
      h.layer.receive(incoming(), udpFlow);
      assert.equal(h.requests.length, 1, 'retransmitted INVITE not passed to the TU');
      assert.deepEqual(h.sender.times(status(200)), [0], 'and not answered by the transaction');
      h.clock.advance(500);
      assert.equal(tx.respond(ok), true);
      assert.deepEqual(h.sender.times(status(200)), [0, 500], 'the TU retransmits the 2xx through the transaction');

      // The ACK for a 2xx has its own branch (§17.1.1.3 does not apply to it).
      h.layer.receive(incoming({ method: 'ACK', branch: 'z9hG4bKnewack', toTag: ok.to!.tag }), udpFlow);
      // An ACK that reuses the INVITE's branch still reaches the TU (RFC 6026 §7.1).
      h.layer.receive(incoming({ method: 'ACK', toTag: ok.to!.tag }), udpFlow);
      assert.equal(h.acks.length, 2);
      assert.equal(tx.state, 'accepted');

      h.clock.advance(31_499);
      assert.equal(tx.state, 'accepted');
      h.clock.advance(1);
      assert.equal(tx.state, 'terminated');
      assert.equal(h.layer.size, 0);
    });

    it('takes no response after the final one other than 2xx retransmissions', () => {
      const { tx } = serverInvite();
      tx.reply(200);
      assert.equal(tx.reply(486), undefined);
      assert.equal(tx.reply(180), undefined);
      const { tx: tx2 } = serverInvite();
      tx2.reply(486);
      assert.equal(tx2.reply(200), undefined);
      assert.throws(() => tx2.reply(99), RangeError);
    });
  });

  it('tells the TU of a transport error and stays Accepted (RFC 6026 §8.8)', () => {
    const { h, tx } = serverInvite(tcpFlow);
    let errors = 0;
    tx.handlers = { onTransportError: () => void errors++ };
    tx.reply(200);
    h.layer.reportTransportError(tcpFlow);
    assert.equal(errors, 1);
    assert.equal(tx.state, 'accepted');
  });
});
