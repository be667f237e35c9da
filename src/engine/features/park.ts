// Call park. Parking a participant's partner sends it to a free orbit
// (*71–*79): the partner's other end becomes a leg inside the PBX (the
// orbit, a LocalLeg that answers at once), the partner is put on hold (so
// music on hold plays to it, src/engine/music-on-hold) and the parker
// leaves. Whoever dials the orbit is answered by the PBX and then moves
// into the parked call in the orbit's place (Call.replaceEnd: its relay leg
// moves, no re-INVITE of the retriever; the parked party is resumed). At
// the timeout the parker is rung back (routed as if dialled: its forwarding
// applies). The orbits live on this node (a cluster's other nodes do not
// see them).
import type { Logger } from 'pino';
import { PbxError } from '../../core/errors.ts';
import type { EventPayloads } from '../../core/events.ts';
import type { ParkedCall } from '../../core/parking.ts';
import type { Participant } from '../../core/calls.ts';
import type { Call } from '../b2bua/call.ts';
import type { CallParty } from '../b2bua/call-ends.ts';
import { answeringPbxEnd } from '../b2bua/local-leg.ts';
import { PARK_ORBITS } from '../routing/feature-codes.ts';

export interface ParkingDeps {
  /** Seconds a call waits in its orbit before the parker is rung back. */
  timeoutSeconds: number;
  logger: Logger;
  announce<T extends 'call.parked' | 'call.unparked'>(type: T, payload: EventPayloads[T]): void;
  /** The timeout: the parked party is sent on to the parker's number (its partner, the orbit, leaves). */
  ringBack(call: Call, parkedPid: string, parker: string): Promise<void>;
}

interface Orbit {
  call: Call;
  /** The orbit's own participant in the parked call. */
  orbitPid: string;
  parked: ParkedCall;
  timer: NodeJS.Timeout;
  onEnded: () => void;
  /** Watches the orbit's participant: a transfer or drop of the parked party takes it out of the orbit. */
  onParticipant: (p: Participant) => void;
  /** A retrieval is under way. */
  taken: boolean;
}

/** How long the PBX end of a parking or retrieving call may take to answer (it answers at once). */
const ANSWER_WAIT_SECONDS = 10;

function orbitParty(orbit: string): CallParty {
  return { dn: orbit, dnType: 'Parking', number: orbit, name: `Park orbit ${orbit}` };
}

/** Resolves with `p`, or undefined when the call ends first. */
function unlessEnded<T>(call: Call, p: Promise<T>): Promise<T | undefined> {
  if (call.isEnded) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const ended = (): void => resolve(undefined);
    call.once('ended', ended);
    p.then((v) => {
      call.off('ended', ended);
      resolve(v);
    }, () => resolve(undefined));
  });
}

export class ParkingLot {
  private readonly orbits = new Map<string, Orbit>();
  /** Orbits a park under way has chosen, not yet filled. */
  private readonly reserved = new Set<string>();

  constructor(private readonly d: ParkingDeps) {}

  list(): ParkedCall[] {
    return [...this.orbits.values()]
      .map((o) => ({ ...o.parked, participant: { ...(o.call.participant(o.parked.participant.id) ?? o.parked.participant) } }))
      .sort((a, b) => a.orbit.localeCompare(b.orbit));
  }

  /** The partner of `participantId` waits in the first free orbit; `participantId` leaves the call. */
  async park(call: Call, participantId: string): Promise<ParkedCall> {
    const parker = call.participant(participantId);
    const partner = call.partnerOf(participantId);
    if (!parker) throw new PbxError('SB_NOT_FOUND', `participant ${participantId} is not in call ${call.id}`);
    if (!partner) throw new PbxError('SB_UNPROCESSABLE', `participant ${participantId} is not connected`);
    if (parker.dnType === 'Parking' || partner.dnType === 'Parking') throw new PbxError('SB_UNPROCESSABLE', `call ${call.id} is parked already`);
    const orbit = PARK_ORBITS.find((o) => !this.orbits.has(o) && !this.reserved.has(o));
    if (orbit === undefined) throw new PbxError('SB_UNPROCESSABLE', 'every park orbit is in use');
    this.reserved.add(orbit);
    try {
      let answered!: (pid: string) => void;
      const orbitAnswered = new Promise<string>((resolve) => (answered = resolve));
      await call.transfer(partner.id, orbitParty(orbit), [answeringPbxEnd(answered)], ANSWER_WAIT_SECONDS, '', '');
      const orbitPid = await unlessEnded(call, orbitAnswered);
      if (orbitPid === undefined) throw new PbxError('SB_UNPROCESSABLE', `call ${call.id} ended while being parked`);
      // A phone that refuses the hold still waits in the orbit, without music.
      await call.hold(partner.id).catch((err: unknown) => this.d.logger.warn({ err, call: call.id }, 'park: the parked phone refused the hold'));
      if (call.isEnded) throw new PbxError('SB_UNPROCESSABLE', `call ${call.id} ended while being parked`);
      const now = Date.now();
      const parked: ParkedCall = {
        orbit,
        callId: call.id,
        participant: { ...(call.participant(partner.id) ?? partner) },
        parkedBy: parker.dnType === 'Extension' ? parker.dn : '',
        parkedAt: new Date(now).toISOString(),
        timeoutAt: new Date(now + this.d.timeoutSeconds * 1000).toISOString(),
      };
      const o: Orbit = {
        call,
        orbitPid,
        parked,
        taken: false,
        timer: setTimeout(() => this.expire(orbit), this.d.timeoutSeconds * 1000),
        onEnded: () => this.left(orbit, 'hangup'),
        onParticipant: (p) => {
          if (p.id === orbitPid && p.status === 'Ended' && !o.taken) this.left(orbit, 'transferred');
        },
      };
      o.timer.unref();
      this.orbits.set(orbit, o);
      call.once('ended', o.onEnded);
      call.on('participant', o.onParticipant);
      this.d.announce('call.parked', { parked });
      return parked;
    } finally {
      this.reserved.delete(orbit);
    }
  }

  /**
   * The router's hop for a call to an orbit: the PBX answers it and its
   * caller takes the orbit's place in the parked call. Nothing parked
   * there: 404.
   */
  async retrieve(call: Call, orbit: string): Promise<void> {
    const o = this.orbits.get(orbit);
    if (!o || o.taken) return call.fail(404, 'FAILED');
    o.taken = true;
    const outcome = await call.ringStep([{ party: orbitParty(orbit), target: answeringPbxEnd() }], ANSWER_WAIT_SECONDS, '', '');
    const pbxEnd = call.calleeParticipant;
    if (!outcome.answered || !pbxEnd) {
      o.taken = false;
      return;
    }
    // The parked party hung up meanwhile (its orbit is free again): nobody to talk to.
    if (this.orbits.get(orbit) !== o) return call.hangup('api');
    const by = call.participant(call.info().owner)?.dn ?? '';
    try {
      await o.call.replaceEnd(o.orbitPid, call, pbxEnd.id);
    } catch (err) {
      // The parked call stays in its orbit; the retriever is let go.
      o.taken = false;
      this.d.logger.warn({ err, call: o.call.id, orbit }, 'park: retrieving the call failed');
      return call.hangup('api');
    }
    this.release(orbit, o);
    this.d.announce('call.unparked', { parked: o.parked, reason: 'retrieved', by });
  }

  private release(orbit: string, o: Orbit): void {
    clearTimeout(o.timer);
    o.call.off('ended', o.onEnded);
    o.call.off('participant', o.onParticipant);
    if (this.orbits.get(orbit) === o) this.orbits.delete(orbit);
  }

  /** The parked party hung up, or was sent elsewhere (an API transfer of it): the orbit is free. */
  private left(orbit: string, reason: 'hangup' | 'transferred'): void {
    const o = this.orbits.get(orbit);
    if (!o) return;
    this.release(orbit, o);
    this.d.announce('call.unparked', { parked: o.parked, reason });
  }

  /** Nobody came: the parker's phone rings (or, for a parker that was no extension, the call ends). */
  private expire(orbit: string): void {
    const o = this.orbits.get(orbit);
    if (!o) return;
    if (o.taken) {
      // A retrieval is under way: look again shortly, in case it fails.
      o.timer = setTimeout(() => this.expire(orbit), 1000);
      o.timer.unref();
      return;
    }
    this.release(orbit, o);
    this.d.announce('call.unparked', { parked: o.parked, reason: 'timeout' });
    if (o.parked.parkedBy === '') return o.call.hangup('api');
    this.d.ringBack(o.call, o.parked.participant.id, o.parked.parkedBy).catch((err: unknown) => {
      this.d.logger.warn({ err, call: o.call.id }, 'park: ringing the parker back failed');
      o.call.hangup('api');
    });
  }

  close(): void {
    for (const [orbit, o] of this.orbits) this.release(orbit, o);
  }
}
