// What a cluster offers the ACD (src/engine/cluster/queue-handover.ts): a
// caller of a queue another node owns is sent on to that node, and that
// node takes such a hand-over from its fellow nodes without digest
// authentication. Without a cluster there is none, and every queue is served
// where its caller arrived.
import type { Flow } from '../../sip/transport/flow.ts';
import type { SipRequest } from '../../sip/message/index.ts';
import type { UacTarget } from '../b2bua/uac-leg.ts';

export interface QueueHandover {
  /**
   * Where a caller of `queue` goes when another live node owns it, and the
   * headers that vouch for the caller (`from`: its From value);
   * undefined: this node serves the caller itself.
   */
  ownerOf(queue: string, from: string): { target: UacTarget; headers: [string, string][] } | undefined;
  /** The caller a fellow node handed over (the INVITE came from a live node's SIP address, marked); undefined: an ordinary INVITE. */
  handedOver(request: SipRequest, flow: Flow): { number: string; name: string } | undefined;
}
