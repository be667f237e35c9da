// What each extension is doing right now, derived from the event log alone:
// its registered devices and the call participants it has. Pure (no I/O): a
// dialect seeds it from a snapshot and feeds it events; every dialect that
// shows extension state (BLF lamps, seed 003's extstatus, seed 000's
// ext.state) reads the same answer from here.
import type { CallInfo, Participant, ParticipantStatus } from './calls.ts';
import type { PbxEvent } from './events.ts';

/** Asterisk's device states, the vocabulary seed 003 numbers in its section 2.4. */
export const EXTENSION_STATES = ['Idle', 'InUse', 'Busy', 'Unavailable', 'Ringing', 'OnHold', 'Connecting'] as const;
export type ExtensionState = (typeof EXTENSION_STATES)[number];

export interface Presence {
  extension: string;
  state: ExtensionState;
  /** The other side of the call that decides the state, while there is one. */
  partner?: { number: string; name: string };
}

/**
 * One extension's state from its live participants. Talking on any call wins
 * (a second call ringing does not make a busy phone look free); then held,
 * then ringing — a participant we are calling counts as ringing from our
 * INVITE on, before its phone's 180; a participant still dialling out is
 * connecting; nothing live is idle when a device is registered and
 * unavailable otherwise. `Busy` is not derived: Switchboard sets no call
 * limit per extension.
 */
export function extensionState(parts: readonly Pick<Participant, 'status' | 'direction'>[], registered: boolean): ExtensionState {
  const has = (status: ParticipantStatus, direction?: Participant['direction']) => parts.some((p) => p.status === status && (direction === undefined || p.direction === direction));
  if (has('Connected')) return 'InUse';
  if (has('Held')) return 'OnHold';
  if (has('Ringing') || has('Dialing', 'outbound')) return 'Ringing';
  if (has('Dialing')) return 'Connecting';
  return registered ? 'Idle' : 'Unavailable';
}

const PRECEDENCE: Record<ParticipantStatus, number> = { Connected: 4, Held: 3, Ringing: 2, Dialing: 1, Ended: 0 };

export class PresenceTracker {
  private readonly extensions = new Set<string>();
  private readonly devices = new Map<string, Set<string>>();
  /** Live participants by id; ended ones leave. */
  private readonly participants = new Map<string, Participant>();

  constructor(snapshot: { extensions: readonly string[]; devices: readonly { extension: string; contact: string }[]; calls: readonly CallInfo[] }) {
    for (const e of snapshot.extensions) this.extensions.add(e);
    for (const d of snapshot.devices) this.addDevice(d.extension, d.contact);
    for (const c of snapshot.calls) for (const p of c.participants) this.putParticipant(p);
  }

  /** Every extension the tracker knows, in number order. */
  list(): string[] {
    return [...this.extensions].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }

  /**
   * Applies one event; returns the extensions whose presence may have
   * changed. Idempotent, so events that a snapshot already covered may be
   * applied again safely.
   */
  apply(e: PbxEvent): string[] {
    switch (e.type) {
      case 'device.registered': {
        const p = e.payload as PbxEvent<'device.registered'>['payload'];
        this.addDevice(p.extension, p.contact);
        return [p.extension];
      }
      case 'device.unregistered': {
        const p = e.payload as PbxEvent<'device.unregistered'>['payload'];
        const set = this.devices.get(p.extension);
        set?.delete(p.contact);
        if (set?.size === 0) this.devices.delete(p.extension);
        return [p.extension];
      }
      case 'participant.updated': {
        const p = (e.payload as PbxEvent<'participant.updated'>['payload']).participant;
        this.putParticipant(p);
        return this.extensionsOfCall(p.callId, p.dnType === 'Extension' ? [p.dn] : []);
      }
      case 'call.created':
      case 'call.updated': {
        // A call's first participant (the caller) is announced in call.created only.
        const call = (e.payload as PbxEvent<'call.created'>['payload']).call;
        for (const p of call.participants) this.putParticipant(p);
        return this.extensionsOfCall(call.id, call.participants.filter((p) => p.dnType === 'Extension').map((p) => p.dn));
      }
      case 'call.ended': {
        const call = (e.payload as PbxEvent<'call.ended'>['payload']).call;
        const touched = this.extensionsOfCall(call.id, []);
        for (const [id, p] of this.participants) if (p.callId === call.id) this.participants.delete(id);
        return touched;
      }
      case 'directory.changed': {
        const p = e.payload as PbxEvent<'directory.changed'>['payload'];
        if (p.entity !== 'extensions') return [];
        if (p.action === 'deleted') this.extensions.delete(p.key);
        else this.extensions.add(p.key);
        return [p.key];
      }
      default:
        return [];
    }
  }

  presence(extension: string): Presence {
    const mine = [...this.participants.values()].filter((p) => p.dnType === 'Extension' && p.dn === extension);
    const state = extensionState(mine, (this.devices.get(extension)?.size ?? 0) > 0);
    const deciding = mine.sort((a, b) => PRECEDENCE[b.status] - PRECEDENCE[a.status])[0];
    const partner = deciding ? this.partnerOf(deciding) : undefined;
    return { extension, state, ...(partner ? { partner } : {}) };
  }

  private partnerOf(p: Participant): { number: string; name: string } | undefined {
    const others = [...this.participants.values()].filter((o) => o.callId === p.callId && o.id !== p.id && o.direction !== p.direction);
    const best = others.sort((a, b) => PRECEDENCE[b.status] - PRECEDENCE[a.status])[0];
    return best ? { number: best.partyNumber || best.dn, name: best.partyName } : undefined;
  }

  private putParticipant(p: Participant): void {
    if (p.status === 'Ended') this.participants.delete(p.id);
    else this.participants.set(p.id, { ...p });
    if (p.dnType === 'Extension') this.extensions.add(p.dn);
  }

  private addDevice(extension: string, contact: string): void {
    let set = this.devices.get(extension);
    if (!set) this.devices.set(extension, (set = new Set()));
    set.add(contact);
    this.extensions.add(extension);
  }

  /** Extensions in a call (their partner may have changed too), plus `extra`. */
  private extensionsOfCall(callId: string, extra: string[]): string[] {
    const out = new Set(extra);
    for (const p of this.participants.values()) if (p.callId === callId && p.dnType === 'Extension') out.add(p.dn);
    return [...out];
  }
}
