// What every leg needs from the engine: the stack to send with, the dialog
// router, our address for Via and Contact, and the SIP timers.
import { generateBranch, type SipRequest, type SipResponse } from '../../sip/message/index.ts';
import type { SipStack } from '../../sip/sip-stack.ts';
import type { Flow } from '../../sip/transport/flow.ts';
import type { TimerConfig } from '../../sip/transaction/index.ts';
import type { DialogRouter } from './dialog-router.ts';

export const SDP_TYPE = 'application/sdp';

export class LegContext {
  constructor(
    readonly stack: SipStack,
    readonly dialogs: DialogRouter,
    /** Host we put in Via, Contact and SDP. */
    readonly host: string,
    readonly timers: Partial<TimerConfig>,
  ) {}

  private portOf(flow: Flow): number {
    return this.stack.transport(flow.protocol)?.port ?? this.stack.udp.port;
  }

  contact(flow: Flow): string {
    return `<sip:switchboard@${this.host}:${String(this.portOf(flow))}${flow.protocol === 'udp' ? '' : `;transport=${flow.protocol}`}>`;
  }

  /** §8.1.1.7: our Via, with a fresh branch and rport (RFC 3581). */
  via(flow: Flow): string {
    return `SIP/2.0/${flow.protocol.toUpperCase()} ${this.host}:${String(this.portOf(flow))};branch=${generateBranch()};rport`;
  }

  /** Sends a request in its own client transaction; `done` gets the final response or undefined on timeout. */
  sendRequest(request: SipRequest, flow: Flow, done: (res: SipResponse | undefined) => void): void {
    request.setHeader('Via', this.via(flow));
    this.stack.transactions.createClientTransaction(request, flow, {
      onResponse: (res) => {
        if (res.status >= 200) done(res);
      },
      onTimeout: () => done(undefined),
      onTransportError: () => done(undefined),
    });
  }
}
