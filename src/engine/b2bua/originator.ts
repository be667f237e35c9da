// The caller side of a call the PBX places itself (makeCall, click-to-call):
// we ring the extension's own devices first, the first to answer becomes the
// call's caller, and only then is the destination dialled. It plays the role
// a UasLeg plays for a call that came in.
import { EventEmitter } from 'node:events';
import type { SipRequest, SipResponse } from '../../sip/message/index.ts';
import type { ServerTransaction } from '../../sip/transaction/index.ts';
import type { LegContext } from './leg-context.ts';
import { UacLeg, type UacTarget } from './uac-leg.ts';
import { readAudio, type AudioOffer } from './sdp-media.ts';
import type { CallerSide } from './call-ends.ts';
import { listenToDialog, type DialogLegHandlers } from './dialog-leg.ts';
import type { Dialog } from '../../sip/dialog/index.ts';

export interface OriginatorEvents {
  /** The originator's phone hung up after answering. */
  ended: [reason: 'bye'];
  reinvite: [request: SipRequest, tx: ServerTransaction];
  request: [request: SipRequest, tx: ServerTransaction];
  ringing: [];
  answered: [offer: AudioOffer, device: string];
  failed: [status: number];
}

/**
 * Auto-answer hints honoured by Yealink, Snom, Polycom and others (Call-Info
 * answer-after, draft-ietf-sip-answermode's predecessors; Alert-Info
 * info=alert-autoanswer); the phone may still ring (baresip 1.0.0 ignores them).
 */
export function autoAnswerHeaders(host: string): [string, string][] {
  return [
    ['Call-Info', `<sip:${host}>;answer-after=0`],
    ['Alert-Info', '<http://127.0.0.1>;info=alert-autoanswer;delay=0'],
  ];
}

export class Originator extends EventEmitter<OriginatorEvents> implements CallerSide {
  private readonly legs: UacLeg[] = [];
  private winner: UacLeg | undefined;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private ringing = false;

  constructor(
    private readonly ctx: LegContext,
    private readonly targets: UacTarget[],
    private readonly options: { from: string; to: string; sdp: string; ringSeconds: number },
  ) {
    super();
  }

  start(): void {
    this.timer = setTimeout(() => this.fail(480), this.options.ringSeconds * 1000);
    for (const target of this.targets) {
      const leg = new UacLeg(this.ctx, {
        target,
        from: this.options.from,
        to: this.options.to,
        sdp: this.options.sdp,
        headers: autoAnswerHeaders(this.ctx.host),
      });
      this.legs.push(leg);
      leg.on('progress', () => {
        if (!this.ringing) {
          this.ringing = true;
          this.emit('ringing');
        }
      });
      leg.on('answered', (res) => this.answered(leg, readAudio(res)));
      leg.on('failed', (status) => {
        if (this.finished) return;
        this.legs.splice(this.legs.indexOf(leg), 1);
        if (this.legs.length === 0) this.fail(status);
      });
      leg.on('ended', () => this.emit('ended', 'bye'));
      leg.on('reinvite', (r, tx) => this.emit('reinvite', r, tx));
      leg.on('request', (r, tx) => this.emit('request', r, tx));
      leg.start();
    }
  }

  private answered(leg: UacLeg, offer: AudioOffer | undefined): void {
    if (this.finished) {
      leg.bye();
      return;
    }
    this.finished = true;
    clearTimeout(this.timer);
    this.winner = leg;
    for (const other of this.legs) if (other !== leg) other.cancel();
    if (!offer || offer.codecs.length === 0) {
      leg.bye();
      this.emit('failed', 488);
      return;
    }
    this.emit('answered', offer, leg.options.target.uri);
  }

  private fail(status: number): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    for (const l of this.legs) l.cancel();
    this.emit('failed', status);
  }

  // --- the caller side, as the Call drives it ---

  /** The originator already hears us: the call plays it the ringback (ringback.ts). */
  provisional(): void {}

  /** Already negotiated when its phone answered. */
  answer(): void {}

  reject(): void {
    this.bye();
  }

  bye(): void {
    if (this.winner) this.winner.bye();
    else this.fail(487);
  }

  close(): void {
    clearTimeout(this.timer);
  }

  answerReinvite(request: SipRequest, tx: ServerTransaction, sdp: string): void {
    this.winner?.answerReinvite(request, tx, sdp);
  }

  reinvite(sdp: string): Promise<SipResponse | undefined> {
    return this.winner ? this.winner.reinvite(sdp) : Promise.resolve(undefined);
  }

  get dialog(): Dialog | undefined {
    return this.winner?.dialog;
  }

  notifyRefer(sipfrag: string, terminated: boolean): void {
    this.winner?.notifyRefer(sipfrag, terminated);
  }

  listen(h: DialogLegHandlers): () => void {
    return listenToDialog(this as EventEmitter, h);
  }
}
