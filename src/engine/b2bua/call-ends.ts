// The pieces a call is made of: the parties, the caller side that rings, the
// ends of a connected call, the forks that ring, and a transfer attempt's
// alternative destination. CallBase (call-base.ts) puts them together.
import type { Disposition, DnType, Participant } from '../../core/calls.ts';
import type { PbxError } from '../../core/errors.ts';
import type { DialogLeg } from './dialog-leg.ts';
import type { UacLeg, UacTarget } from './uac-leg.ts';
import type { LocalLeg, LocalTarget } from './local-leg.ts';

export interface CallParty {
  dn: string;
  dnType: DnType;
  number: string;
  name: string;
}

/**
 * The side that placed the call, as the call drives it while it rings: a
 * UasLeg for a call that came in, an Originator for a call the PBX placed
 * (makeCall), or an answered leg moved here from another call.
 */
export interface CallerSide extends DialogLeg {
  provisional(status: 180 | 183, sdp?: string): void;
  answer(sdp: string): void;
  reject(status: number, reason?: string): void;
  close(): void;
}

/** An answered leg acting as a call's caller side: it has nothing left to answer. */
export function answeredCaller(leg: DialogLeg): CallerSide {
  return {
    get dialog() {
      return leg.dialog;
    },
    bye: () => leg.bye(),
    reinvite: (sdp) => leg.reinvite(sdp),
    answerReinvite: (r, tx, sdp) => leg.answerReinvite(r, tx, sdp),
    notifyRefer: (frag, terminated) => leg.notifyRefer(frag, terminated),
    listen: (h) => leg.listen(h),
    provisional: () => undefined,
    answer: () => undefined,
    reject: () => leg.bye(),
    close: () => undefined,
  };
}

/** How one round of ringing ended, for a feature that decides what comes next (hunt, forwarding). */
export type RingOutcome = { answered: true } | { answered: false; status: number; disposition: Disposition; callEnded: boolean };

/** A device to ring and whom it stands for (a ring group rings several extensions at once). */
export interface RingTarget {
  party: CallParty;
  /** A device, or a leg inside the PBX (a route point's application). */
  target: UacTarget | LocalTarget;
}

/** One end of a call: who, on which relay leg, over which SIP leg. */
export interface End {
  participant: Participant;
  mediaId: string;
  leg: DialogLeg;
  unlisten?: () => void;
}

export interface Fork extends End {
  leg: UacLeg | LocalLeg;
}

/**
 * A destination being tried for a connected end (seed 001 transferto and
 * routeto): the end stays in the call until a fork answers, then the fork
 * takes its place. If the end leaves first, the call waits for the forks.
 */
export interface Alternative {
  replaced: End;
  forks: Fork[];
  ringSeconds: number;
  timer: NodeJS.Timeout;
  settle(err?: PbxError): void;
}
