import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SipResponse } from '../../../src/sip/message/index.ts';
import type { ClientTransactionHandlers } from '../../../src/sip/transaction/index.ts';
import { answer, harness, outgoing, tcpFlow, udpFlow } from './helpers.ts';

function recorder(): ClientTransactionHandlers & { responses: SipResponse[]; timeouts: number; transportErrors: number } {
  const r = {
    responses: [] as SipResponse[],
    timeouts: 0,
    transportErrors: 0,
    onResponse: (res: SipResponse) => void r.responses.push(res),
    onTimeout: () => void r.timeouts++,
    onTransportError: () => void r.transportErrors++,
  };
  return r;
}

const isInvite = (m: { kind: string; method?: string }): boolean => m.kind === 'request' && m.method === 'INVITE';
const isAck = (m: { kind: string; method?: string }): boolean => m.kind === 'request' && m.method === 'ACK';

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §8.4)', () => {
  it('retransmits over UDP with Timer A doubling until Timer B fires at 64*T1', () => {
    const h = harness();
    const tu = recorder();
    const tx = h.layer.createClientTransaction(outgoing(), udpFlow, tu);
    assert.equal(tx.state, 'calling');
    h.clock.advance(31_999);
    assert.equal(tu.timeouts, 0);
    h.clock.advance(1);
    assert.deepEqual(h.sender.times(isInvite), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(tu.timeouts, 1);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.size, 0);
    assert.equal(h.sender.requests('ACK').length, 0, 'no ACK on timeout');
    assert.equal(h.clock.pending, 0);
  });

  it('follows a configured T1', () => {
    const h = harness({ timers: { T1: 100 } });
    const tu = recorder();
    h.layer.createClientTransaction(outgoing(), udpFlow, tu);
    h.clock.advance(6400);
    assert.deepEqual(h.sender.times(isInvite), [0, 100, 300, 700, 1500, 3100, 6300]);
    assert.equal(tu.timeouts, 1);
  });

  it('does not retransmit over TCP, and still times out on Timer B', () => {
    const h = harness();
    const tu = recorder();
    h.layer.createClientTransaction(outgoing(), tcpFlow, tu);
    h.clock.advance(32_000);
    assert.deepEqual(h.sender.times(isInvite), [0]);
    assert.equal(h.sender.sent[0]!.flow, tcpFlow);
    assert.equal(tu.timeouts, 1);
  });

  it('stops retransmitting on a provisional response and then waits without Timer B', () => {
    const h = harness();
    const tu = recorder();
    const tx = h.layer.createClientTransaction(outgoing(), udpFlow, tu);
    h.clock.advance(600);
    h.layer.receive(answer(tx.request, 100), udpFlow);
    h.layer.receive(answer(tx.request, 180, 'b1'), udpFlow);
    assert.equal(tx.state, 'proceeding');
    h.clock.advance(120_000);
    assert.deepEqual(h.sender.times(isInvite), [0, 500]);
    assert.deepEqual(tu.responses.map((r) => r.status), [100, 180]);
    assert.equal(tu.timeouts, 0);
    assert.equal(h.layer.size, 1);
  });

  it('adds a Via with an RFC 3261 branch and rport when the TU wrote none', () => {
    const h = harness();
    const tx = h.layer.createClientTransaction(outgoing(), udpFlow, recorder());
    const via = tx.request.topVia!;
    assert.equal(via.transport, 'UDP');
    assert.equal(via.sentBy, '192.0.2.10:5060');
    assert.match(via.branch!, /^z9hG4bK.{8,}/);
    assert.equal(via.hasRport, true);
  });

  describe('non-2xx final response', () => {
    it('builds the ACK of §17.1.1.3 and passes the response to the TU once', () => {
      const h = harness();
      const tu = recorder();
      const tx = h.layer.createClientTransaction(outgoing(), udpFlow, tu);
      h.layer.receive(answer(tx.request, 180, 'callee1'), udpFlow);
      h.clock.advance(2000);
      h.layer.receive(answer(tx.request, 486, 'callee1'), udpFlow);
      assert.equal(tx.state, 'completed');
      assert.deepEqual(tu.responses.map((r) => r.status), [180, 486]);

      const acks = h.sender.requests('ACK');
      assert.equal(acks.length, 1);
      const ack = acks[0]!;
      assert.equal(h.sender.sent.at(-1)!.flow, udpFlow, 'ACK goes where the INVITE went');
      assert.equal(ack.startLine(), 'ACK sip:carol@198.51.100.7 SIP/2.0', 'same Request-URI');
      assert.equal(ack.vias.length, 1, 'a single Via');
      assert.equal(ack.topVia!.toString(), tx.request.topVia!.toString(), 'the INVITE’s top Via, same branch');
      assert.deepEqual(ack.getHeaders('route'), ['<sip:p1.example.net;lr>', '<sip:p2.example.net;lr>']);
      assert.equal(ack.getHeader('from'), tx.request.getHeader('from'));
      assert.equal(ack.to!.tag, 'callee1', 'To of the response, with its tag');
      assert.equal(ack.callId, tx.request.callId);
      assert.deepEqual(ack.cseq, { seq: 314159, method: 'ACK' });
      assert.equal(ack.body.length, 0);
    });

    it('answers each retransmitted final response with the ACK again, without telling the TU', () => {
      const h = harness();
      const tu = recorder();
      const tx = h.layer.createClientTransaction(outgoing(), udpFlow, tu);
      const busy = answer(tx.request, 486, 'x');
      h.layer.receive(busy, udpFlow);
      h.clock.advance(500);
      h.layer.receive(answer(tx.request, 486, 'x'), udpFlow);
      h.clock.advance(1000);
      h.layer.receive(answer(tx.request, 486, 'x'), udpFlow);
      assert.deepEqual(h.sender.times(isAck), [0, 500, 1500]);
      assert.equal(tu.responses.length, 1);
      assert.deepEqual(h.sender.times(isInvite), [0], 'no INVITE retransmission after the final response');
    });

    it('lingers for Timer D (32 s) over UDP, and not at all over TCP', () => {
      const udp = harness();
      const tx = udp.layer.createClientTransaction(outgoing(), udpFlow, recorder());
      udp.layer.receive(answer(tx.request, 404, 'x'), udpFlow);
      udp.clock.advance(31_999);
      assert.equal(udp.layer.size, 1);
      udp.clock.advance(1);
      assert.equal(udp.layer.size, 0);
      assert.equal(tx.state, 'terminated');

      const tcp = harness();
      const ttx = tcp.layer.createClientTransaction(outgoing(), tcpFlow, recorder());
      tcp.layer.receive(answer(ttx.request, 404, 'x'), tcpFlow);
      assert.equal(ttx.state, 'terminated');
      assert.equal(tcp.layer.size, 0);
      assert.equal(tcp.sender.requests('ACK').length, 1, 'ACK even over a reliable transport');
    });
  });

  describe('2xx (RFC 6026 Accepted)', () => {
    it('passes every 2xx, retransmissions and other forks, to the TU and sends no ACK', () => {
      const h = harness();
      const tu = recorder();
      const tx = h.layer.createClientTransaction(outgoing(), udpFlow, tu);
      h.layer.receive(answer(tx.request, 200, 'fork1'), udpFlow);
      assert.equal(tx.state, 'accepted');
      h.clock.advance(500);
      h.layer.receive(answer(tx.request, 200, 'fork1'), udpFlow);
      h.layer.receive(answer(tx.request, 200, 'fork2'), udpFlow);
      h.layer.receive(answer(tx.request, 486, 'fork3'), udpFlow);
      assert.deepEqual(tu.responses.map((r) => `${r.status} ${r.to!.tag}`), ['200 fork1', '200 fork1', '200 fork2']);
      assert.equal(h.sender.requests('ACK').length, 0, 'the ACK for a 2xx is the TU’s');
      assert.deepEqual(h.sender.times(isInvite), [0], 'retransmissions stop');
    });

    it('ends on Timer M; a later 2xx is a stray for the UA core', () => {
      const h = harness();
      const tu = recorder();
      const tx = h.layer.createClientTransaction(outgoing(), tcpFlow, tu);
      h.layer.receive(answer(tx.request, 200, 'a'), tcpFlow);
      h.clock.advance(31_999);
      assert.equal(tx.state, 'accepted');
      h.clock.advance(1);
      assert.equal(tx.state, 'terminated');
      h.layer.receive(answer(tx.request, 200, 'a'), tcpFlow);
      assert.equal(tu.responses.length, 1);
      assert.equal(h.stray.length, 1);
    });
  });

  describe('cancel (§9.1)', () => {
    it('waits for a provisional response before sending the CANCEL', () => {
      const h = harness();
      const tu = recorder();
      const tx = h.layer.createClientTransaction(outgoing(), udpFlow, tu);
      assert.equal(tx.cancel('SIP;cause=200;text="Call completed elsewhere"'), true);
      h.clock.advance(1000);
      assert.equal(h.sender.requests('CANCEL').length, 0, 'no CANCEL before a provisional response');
      h.layer.receive(answer(tx.request, 180, 't'), udpFlow);
      const cancels = h.sender.requests('CANCEL');
      assert.equal(cancels.length, 1);
      const cancel = cancels[0]!;
      assert.equal(cancel.startLine(), 'CANCEL sip:carol@198.51.100.7 SIP/2.0');
      assert.equal(cancel.vias.length, 1);
      assert.equal(cancel.topVia!.branch, tx.request.topVia!.branch, 'same branch as the INVITE');
      assert.deepEqual(cancel.cseq, { seq: 314159, method: 'CANCEL' });
      assert.equal(cancel.getHeader('to'), tx.request.getHeader('to'), 'To of the INVITE, without the callee’s tag');
      assert.equal(cancel.getHeader('from'), tx.request.getHeader('from'));
      assert.deepEqual(cancel.getHeaders('route'), tx.request.getHeaders('route'));
      assert.equal(cancel.getHeader('reason'), 'SIP;cause=200;text="Call completed elsewhere"');
      assert.equal(h.layer.size, 2, 'the CANCEL runs in its own transaction');

      h.layer.receive(answer(cancel, 200, 't'), udpFlow);
      h.layer.receive(answer(tx.request, 487, 't'), udpFlow);
      assert.deepEqual(tu.responses.map((r) => r.status), [180, 487]);
      assert.equal(h.sender.requests('ACK').length, 1);
    });

    it('gives up on the INVITE 64*T1 after the CANCEL when no final response comes', () => {
      const h = harness();
      const tu = recorder();
      const tx = h.layer.createClientTransaction(outgoing(), tcpFlow, tu);
      h.layer.receive(answer(tx.request, 180, 't'), tcpFlow);
      h.clock.advance(10_000);
      tx.cancel();
      h.clock.advance(31_999);
      assert.equal(tu.timeouts, 0);
      h.clock.advance(1);
      assert.equal(tu.timeouts, 1);
      assert.equal(tx.state, 'terminated');
    });

    it('is a no-op after a final response', () => {
      const h = harness();
      const tx = h.layer.createClientTransaction(outgoing(), udpFlow, recorder());
      h.layer.receive(answer(tx.request, 200, 'a'), udpFlow);
      assert.equal(tx.cancel(), false);
      assert.equal(h.sender.requests('CANCEL').length, 0);
    });
  });

  it('reports a transport error on its flow once, and forgets the transaction', () => {
    const h = harness();
    const tu = recorder();
    const tx = h.layer.createClientTransaction(outgoing(), tcpFlow, tu);
    h.layer.reportTransportError({ ...tcpFlow });
    h.layer.reportTransportError({ ...tcpFlow });
    assert.equal(tu.transportErrors, 1);
    assert.equal(tu.timeouts, 0);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.size, 0);
  });
});
