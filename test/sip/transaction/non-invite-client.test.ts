import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SipMessage, SipResponse } from '../../../src/sip/message/index.ts';
import { answer, harness, outgoing, tcpFlow, udpFlow } from './helpers.ts';

function tu(): { responses: SipResponse[]; timeouts: number; onResponse(r: SipResponse): void; onTimeout(): void } {
  return {
    responses: [],
    timeouts: 0,
    onResponse(r) {
      this.responses.push(r);
    },
    onTimeout() {
      this.timeouts++;
    },
  };
}

const isOptions = (m: SipMessage): boolean => m.kind === 'request' && m.method === 'OPTIONS';

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('retransmits with Timer E = min(2^n*T1, T2) until Timer F fires at 64*T1', () => {
    const h = harness();
    const user = tu();
    const tx = h.layer.createClientTransaction(outgoing('OPTIONS'), udpFlow, user);
    assert.equal(tx.state, 'trying');
    h.clock.advance(31_999);
    assert.equal(user.timeouts, 0);
    h.clock.advance(1);
    // Intervals 500, 1000, 2000, 4000, 4000, …
    assert.deepEqual(h.sender.times(isOptions), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(user.timeouts, 1);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.size, 0);
    assert.equal(h.clock.pending, 0);
  });

  it('retransmits every T2 once a provisional response arrived (Proceeding)', () => {
    const h = harness();
    const user = tu();
    const tx = h.layer.createClientTransaction(outgoing('REGISTER'), udpFlow, user);
    h.clock.advance(600); // sent at 0 and 500; next Timer E due at 1500
    h.layer.receive(answer(tx.request, 100), udpFlow);
    assert.equal(tx.state, 'proceeding');
    h.clock.advance(10_000 - 600);
    assert.deepEqual(
      h.sender.times((m) => m.kind === 'request'),
      [0, 500, 1500, 5500, 9500],
    );
    h.clock.advance(22_000);
    assert.equal(user.timeouts, 1, 'Timer F still limits Proceeding');
    assert.deepEqual(user.responses.map((r) => r.status), [100]);
  });

  it('does not retransmit over TCP and terminates at once on the final response (Timer K = 0)', () => {
    const h = harness();
    const user = tu();
    const tx = h.layer.createClientTransaction(outgoing('OPTIONS'), tcpFlow, user);
    h.clock.advance(20_000);
    assert.deepEqual(h.sender.times(isOptions), [0]);
    h.layer.receive(answer(tx.request, 200, 'x'), tcpFlow);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.size, 0);
    assert.deepEqual(user.responses.map((r) => r.status), [200]);
  });

  it('absorbs retransmitted final responses in Completed, then ends on Timer K = T4', () => {
    const h = harness();
    const user = tu();
    const tx = h.layer.createClientTransaction(outgoing('BYE'), udpFlow, user);
    h.clock.advance(700);
    h.layer.receive(answer(tx.request, 200, 'x'), udpFlow);
    assert.equal(tx.state, 'completed');
    h.layer.receive(answer(tx.request, 200, 'x'), udpFlow);
    h.clock.advance(2000);
    assert.deepEqual(user.responses.map((r) => r.status), [200]);
    assert.deepEqual(h.sender.times((m) => m.kind === 'request'), [0, 500], 'no retransmission after the final response');
    h.clock.advance(2999);
    assert.equal(tx.state, 'completed');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(user.timeouts, 0);
  });

  it('matches responses by branch and CSeq method (§17.1.3): same branch, other method is a stray', () => {
    const h = harness();
    const user = tu();
    const tx = h.layer.createClientTransaction(outgoing('OPTIONS'), udpFlow, user);
    const wrongMethod = answer(tx.request, 200, 'x');
    wrongMethod.setHeader('CSeq', '314159 INFO');
    h.layer.receive(wrongMethod, udpFlow);
    assert.equal(tx.state, 'trying');
    assert.equal(h.stray.length, 1);
  });
});
