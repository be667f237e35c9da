// The applications of route points (seed 001): which DNs have one connected,
// and the calls ringing at each route point until its application acts.
//
// "Connected" is what the Call Control dialect reports: a live
// /callcontrol/ws WebSocket whose token was issued for the route point's DN
// (client_id). A call reaching a route point with no application connected
// goes to the fallback at once; when the last application of a DN goes away,
// the calls still ringing there go to their fallback too (480). Calls the
// application already answered stay: it may reconnect and go on.
import { PbxError } from '../../core/errors.ts';
import { LocalLeg, type LocalTarget } from '../b2bua/local-leg.ts';

interface Ringing {
  dn: string;
  callId: string;
  leg: LocalLeg;
}

export class RoutePointApps {
  private readonly connected = new Map<string, number>();
  /** The route-point participants' legs, by participant id, from ringing until they leave. */
  private readonly legs = new Map<string, Ringing>();

  /** An application for `dn` is connected; the returned function says it left (idempotent). */
  attach(dn: string): () => void {
    this.connected.set(dn, (this.connected.get(dn) ?? 0) + 1);
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      const left = (this.connected.get(dn) ?? 1) - 1;
      if (left > 0) {
        this.connected.set(dn, left);
        return;
      }
      this.connected.delete(dn);
      for (const r of [...this.legs.values()]) if (r.dn === dn) r.leg.reject(480);
    };
  }

  hasApplication(dn: string): boolean {
    return (this.connected.get(dn) ?? 0) > 0;
  }

  /** A ring target for the call at route point `dn`: the leg is ours until it closes. */
  target(dn: string): LocalTarget {
    return {
      local: (participantId, callId) => {
        const leg = new LocalLeg();
        this.legs.set(participantId, { dn, callId, leg });
        leg.once('closed', () => this.legs.delete(participantId));
        return leg;
      },
    };
  }

  /** Whether the participant is a route point's (its application's) end of a call. */
  owns(participantId: string): boolean {
    return this.legs.has(participantId);
  }

  /** Seed 001 answer on a route point: the PBX answers the caller for the application. */
  answer(participantId: string): void {
    const r = this.legs.get(participantId);
    if (!r) throw new PbxError('SB_NOT_FOUND', `participant ${participantId} is not on a route point`);
    if (r.leg.isAnswered) return;
    if (!r.leg.answer()) throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is no longer ringing`);
  }
}
