// The caller side of a call a route point's application places (seed 001
// makecall on a route point DN, issue 9): there is no phone to ring first,
// the application is there already, so the destination is dialled at once.
// Like a LocalLeg it has no SIP dialog and no RTP of its own: the
// application hears the destination and speaks to it through the
// participant's raw audio streams (participant-audio.ts maps a route point's
// participant to its partner's relay leg). A BYE toward it reaches nobody;
// the application ends the call with `drop`.
import type { CallerSide } from '../b2bua/call-ends.ts';
import { withoutDialog } from '../b2bua/dialog-leg.ts';

export class RoutePointCaller implements CallerSide {
  readonly dialog = withoutDialog.dialog;
  readonly reinvite = withoutDialog.reinvite;
  readonly answerReinvite = withoutDialog.answerReinvite;
  readonly notifyRefer = withoutDialog.notifyRefer;
  readonly listen = withoutDialog.listen;

  provisional(): void {}
  answer(): void {}
  reject(): void {}
  close(): void {}
  bye(): void {}
}
