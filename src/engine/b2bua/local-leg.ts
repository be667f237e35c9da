// A leg that ends inside the PBX: a route point's application (seed 001)
// rather than a phone. The call rings it like any fork — it shows Ringing,
// the caller hears 180 and no media flows — and it answers, refuses or is
// cancelled when the application (through the route point service) says
// so. It has no SIP dialog: a BYE or re-INVITE toward it has no one to
// reach, so it does nothing (a hold of it is refused).
import { EventEmitter } from 'node:events';
import { withoutDialog, type DialogLeg } from './dialog-leg.ts';

export interface LocalLegEvents {
  progress: [];
  answered: [];
  failed: [status: number];
  /** Closed for good: cancelled, refused or hung up. */
  closed: [];
}

/** A ring target inside the PBX: `open` makes the leg for the participant the call just added. */
export interface LocalTarget {
  local: (participantId: string, callId: string) => LocalLeg;
}

export class LocalLeg extends EventEmitter<LocalLegEvents> implements DialogLeg {
  // The application acts through the call's verbs, not through a dialog.
  readonly dialog = withoutDialog.dialog;
  readonly reinvite = withoutDialog.reinvite;
  readonly answerReinvite = withoutDialog.answerReinvite;
  readonly notifyRefer = withoutDialog.notifyRefer;
  readonly listen = withoutDialog.listen;
  private state: 'new' | 'ringing' | 'answered' | 'closed' = 'new';

  get isRinging(): boolean {
    return this.state === 'ringing' || this.state === 'new';
  }

  get isAnswered(): boolean {
    return this.state === 'answered';
  }

  /** The call starts ringing it: it rings at once (180 toward the caller), once the call holds it among its forks. */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'ringing';
    setImmediate(() => {
      if (this.state === 'ringing') this.emit('progress');
    });
  }

  /** The application answers. False when it no longer rings. */
  answer(): boolean {
    if (!this.isRinging) return false;
    this.state = 'answered';
    this.emit('answered');
    return true;
  }

  /** The application is gone, or refuses: the call's round of ringing fails with `status`. */
  reject(status: number): void {
    if (!this.isRinging) return;
    this.close();
    // Later, as a phone's final answer comes: a call cancelling all its forks must not hear of one mid-loop.
    setImmediate(() => this.emit('failed', status));
  }

  /** RFC 3261 §9.1 in spirit: stop ringing; reported as 487 like a phone's. */
  cancel(): void {
    this.reject(487);
  }

  bye(): void {
    if (this.isRinging) return this.cancel();
    this.close();
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.emit('closed');
  }
}

/**
 * A leg inside the PBX that answers as soon as it rings: the orbit end of a
 * parked call, and the PBX end of a call that dials an orbit or a pickup
 * code (that caller then moves into the call it takes).
 */
export function answeringPbxEnd(onAnswered?: (participantId: string) => void): LocalTarget {
  return {
    local: (participantId) => {
      const leg = new LocalLeg();
      // Answered from its own 180: by then the call holds it among its forks.
      leg.once('progress', () => {
        if (leg.answer()) onAnswered?.(participantId);
      });
      return leg;
    },
  };
}
