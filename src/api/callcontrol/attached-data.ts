// Data an application attaches to a participant (makecall `attacheddata`,
// actions attach_participant_data / attach_party_data). Kept in memory for
// the participant's life, by participant id; other listeners of this dialect
// (its WebSocket) see it as the `attached_data` of that participant's frames.
import { EventEmitter } from 'node:events';
import type { PbxControl } from '../../core/pbx-control.ts';

export class AttachedData extends EventEmitter<{ changed: [participantId: string] }> {
  private readonly byParticipant = new Map<string, Record<string, string>>();
  private readonly unsubscribe: () => void;

  constructor(control: PbxControl) {
    super();
    this.unsubscribe = control.events.subscribe((e) => {
      if (e.type !== 'participant.updated') return;
      const p = (e.payload as { participant: { id: string; status: string } }).participant;
      if (p.status === 'Ended') this.byParticipant.delete(p.id);
    });
  }

  of(participantId: string): Record<string, string> {
    return { ...(this.byParticipant.get(participantId) ?? {}) };
  }

  attach(participantId: string, data: Record<string, string>): void {
    if (Object.keys(data).length === 0) return;
    this.byParticipant.set(participantId, { ...(this.byParticipant.get(participantId) ?? {}), ...data });
    this.emit('changed', participantId);
  }

  close(): void {
    this.unsubscribe();
    this.byParticipant.clear();
  }
}
