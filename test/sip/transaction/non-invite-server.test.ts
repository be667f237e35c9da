import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { harness, incoming, tcpFlow, udpFlow } from './helpers.ts';

function serverOptions(flow = udpFlow) {
  const h = harness();
  h.layer.receive(incoming({ method: 'OPTIONS' }), flow);
  const tx = h.requests[0]!.transaction;
  assert.equal(tx.kind, 'non-invite-server');
  return { h, tx };
}

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  it('discards retransmissions while Trying, sends nothing on its own', () => {
    const { h, tx } = serverOptions();
    assert.equal(tx.state, 'trying');
    h.layer.receive(incoming({ method: 'OPTIONS' }), udpFlow);
    h.clock.advance(60_000);
    assert.equal(h.sender.sent.length, 0, 'no 100 Trying for a non-INVITE request');
    assert.equal(h.requests.length, 1);
  });

  it('answers retransmissions with the last provisional response while Proceeding', () => {
    const { h, tx } = serverOptions();
    tx.reply(100);
    assert.equal(tx.state, 'proceeding');
    h.layer.receive(incoming({ method: 'OPTIONS' }), udpFlow);
    assert.deepEqual(h.sender.responses().map((r) => r.status), [100, 100]);
  });

  it('answers retransmissions with the final response while Completed, until Timer J (64*T1)', () => {
    const { h, tx } = serverOptions();
    tx.reply(200, undefined, [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS']]);
    assert.equal(tx.state, 'completed');
    h.clock.advance(1000);
    h.layer.receive(incoming({ method: 'OPTIONS' }), udpFlow);
    const ok = h.sender.responses(200);
    assert.equal(ok.length, 2);
    assert.equal(ok[1], ok[0], 'the same response again');
    assert.equal(ok[0]!.getHeader('allow'), 'INVITE, ACK, CANCEL, BYE, OPTIONS');
    assert.equal(h.requests.length, 1);
    h.clock.advance(30_999);
    assert.equal(tx.state, 'completed');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.size, 0);
    assert.equal(tx.reply(500), undefined, 'no response after the final one');
  });

  it('terminates at once over TCP (Timer J = 0); a later copy of the request is new', () => {
    const { h, tx } = serverOptions(tcpFlow);
    tx.reply(200);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.size, 0);
    assert.equal(h.sender.sent[0]!.flow, tcpFlow, 'the response goes back over the connection of the request');
    h.layer.receive(incoming({ method: 'OPTIONS' }), tcpFlow);
    assert.equal(h.requests.length, 2);
  });
});
