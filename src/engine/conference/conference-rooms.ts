// Conference rooms (issue 6 "a plain conference"): numbers of the
// SWITCHBOARD_CONFERENCE_ROOMS range that are not in the directory. A caller
// who dials one is answered by the PBX (as an IVR answers: the call is
// ANSWERED from then on) and its relay leg joins the room's mixer; everyone in
// the room hears everyone else. A room exists while someone is in it.
//
// Each caller keeps its own call, CDR and events (Asterisk ConfBridge does the
// same: one channel per member); the room ties their legs together in one
// mixer across their relays.
import type { Participant } from '../../core/calls.ts';
import type { EventPayloads } from '../../core/events.ts';
import { PbxError } from '../../core/errors.ts';
import { AudioMixer } from '../../media/mixer.ts';
import type { Call } from '../b2bua/call.ts';

export interface ConferenceRoomInfo {
  number: string;
  /** The caller of every call in the room. */
  members: Participant[];
}

interface Room {
  mixer: AudioMixer;
  calls: Map<string, Call>;
}

export class ConferenceRooms {
  private readonly rooms = new Map<string, Room>();

  constructor(
    private readonly range: { min: number; max: number } | undefined,
    /** Tells the event log who came and went (CloudPBX cmember frames). */
    private readonly announce: (member: EventPayloads['conference.member']) => void = () => undefined,
  ) {}

  /** Is `number` one of the configured room numbers? (The directory's numbers come first: the caller checks.) */
  isRoom(number: string): boolean {
    const r = this.range;
    if (!r || !/^\d+$/.test(number) || number.length !== String(r.min).length) return false;
    const n = Number(number);
    return n >= r.min && n <= r.max;
  }

  /** The PBX answers the call and its caller joins the room; it leaves when its call ends. */
  async enter(number: string, call: Call): Promise<void> {
    if (!(await call.answerByPbx())) return;
    let room = this.rooms.get(number);
    if (!room) {
      room = { mixer: new AudioMixer(), calls: new Map() };
      this.rooms.set(number, room);
    }
    const r = room;
    const { relay, caller } = call.mediaTap();
    const pid = call.info().owner;
    r.mixer.add(pid, relay, caller, 'speak+hear');
    r.calls.set(call.id, call);
    const member = call.participant(pid);
    if (member) this.announce({ conference: number, action: 'add', callId: call.id, participant: { ...member } });
    call.once('ended', () => {
      r.mixer.remove(pid);
      r.calls.delete(call.id);
      if (member) this.announce({ conference: number, action: 'remove', callId: call.id, participant: { ...member } });
      if (r.calls.size === 0 && this.rooms.get(number) === r) {
        r.mixer.close();
        this.rooms.delete(number);
      }
    });
  }

  /** Who is in a room now (PbxControl.calls.conference); an empty room has no members. */
  info(number: string): ConferenceRoomInfo {
    if (!this.isRoom(number)) throw new PbxError('SB_NOT_FOUND', `${number} is not a conference room number`);
    const room = this.rooms.get(number);
    const members = room ? [...room.calls.values()].map((c) => c.participant(c.info().owner)).filter((p): p is Participant => p !== undefined) : [];
    return { number, members: members.map((p) => ({ ...p })) };
  }

  close(): void {
    for (const r of this.rooms.values()) r.mixer.close();
    this.rooms.clear();
  }
}
