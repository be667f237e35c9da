// ACD callers reach the queue's owner (issue 14; design in README.md): a
// node that is not the owner of a queue sends its caller on as a B2BUA leg
// to sip:<queue>@<owner's SIP address>, so the caller's media stays anchored
// here and the owner serves one more waiting caller. The leg is marked with
// X-Switchboard-Node and carries the caller in P-Asserted-Identity; the owner
// believes both only when the INVITE comes from the SIP address a live node
// announces (members.ts), in place of digest authentication.
//
// RFC 3325 §4: P-Asserted-Identity is honoured only inside a Trust Domain;
// ours is the set of live cluster nodes. §5: a PAI from outside it is
// ignored, which is what an INVITE from a phone gets here (it is
// authenticated as usual).
import { parseNameAddr, type SipRequest } from '../../sip/message/index.ts';
import type { Flow } from '../../sip/transport/flow.ts';
import type { SipStack } from '../../sip/sip-stack.ts';
import type { QueueHandover } from '../acd/handover.ts';
import type { UacTarget } from '../b2bua/uac-leg.ts';
import type { ClusterMembers } from './members.ts';
import type { QueueOwnership } from './queue-ownership.ts';

export const NODE_HEADER = 'X-Switchboard-Node';

export class ClusterQueueHandover implements QueueHandover {
  constructor(
    private readonly node: string,
    private readonly owners: Pick<QueueOwnership, 'ownerOf'>,
    private readonly members: Pick<ClusterMembers, 'sipOf' | 'nodeAt'>,
    private readonly stack: Pick<SipStack, 'transport'>,
  ) {}

  ownerOf(queue: string, from: string): { target: UacTarget; headers: [string, string][] } | undefined {
    const owner = this.owners.ownerOf(queue);
    if (owner === undefined || owner === this.node) return undefined;
    const sip = this.members.sipOf(owner);
    // The owner is not heard from (gone, or not listening yet): serve the caller here, as one node does.
    const udp = this.stack.transport('udp');
    if (!sip || !udp) return undefined;
    // UDP, so the leg leaves from our SIP port: the address the owner knows us by.
    const target: UacTarget = { uri: `sip:${queue}@${sip.host}:${String(sip.port)}`, flow: udp.flowTo(sip.host, sip.port) };
    return { target, headers: [[NODE_HEADER, this.node], ['P-Asserted-Identity', from]] };
  }

  handedOver(request: SipRequest, flow: Flow): { number: string; name: string } | undefined {
    const mark = request.getHeader(NODE_HEADER);
    if (mark === undefined || flow.protocol !== 'udp') return undefined;
    const from = this.members.nodeAt(flow.remoteAddress, flow.remotePort);
    if (from === undefined || from !== mark.trim() || from === this.node) return undefined;
    const identity = parseNameAddr(request.getHeader('p-asserted-identity') ?? '');
    const uri = identity?.uri;
    const number = uri?.kind === 'sip' ? (uri.user ?? '') : uri?.kind === 'tel' ? uri.number : '';
    if (number === '') return undefined;
    return { number, name: identity?.displayName ?? '' };
  }
}
