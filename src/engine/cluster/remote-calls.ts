// The live calls of the other nodes, as their events describe them: a call
// appears with call.created, changes with call.updated and
// participant.updated, and goes with call.ended. Which node holds it is the
// subject its events came on; commands for it are forwarded there.
import type { CallInfo, Participant } from '../../core/calls.ts';
import type { PbxEvent } from '../../core/events.ts';

export interface RemoteCall {
  node: string;
  info: CallInfo;
}

export class RemoteCalls {
  private readonly calls = new Map<string, RemoteCall>();
  /** Calls that ended while the start-up snapshot was on its way (undefined once it is in). */
  private endedEarly: Set<string> | undefined = new Set();

  onEvent(event: PbxEvent, node: string): void {
    switch (event.type) {
      case 'call.created':
      case 'call.updated': {
        const { call } = event.payload as { call: CallInfo };
        this.calls.set(call.id, { node, info: call });
        return;
      }
      case 'participant.updated': {
        const { participant } = event.payload as { participant: Participant };
        const known = this.calls.get(participant.callId);
        if (!known) return;
        const others = known.info.participants.filter((p) => p.id !== participant.id);
        const participants = known.info.participants.some((p) => p.id === participant.id) ? known.info.participants.map((p) => (p.id === participant.id ? participant : p)) : [...others, participant];
        this.calls.set(participant.callId, { node, info: { ...known.info, participants } });
        return;
      }
      case 'call.ended': {
        const { call } = event.payload as { call: CallInfo };
        this.calls.delete(call.id);
        this.endedEarly?.add(call.id);
        return;
      }
      default:
    }
  }

  get(id: string): RemoteCall | undefined {
    return this.calls.get(id);
  }

  list(): CallInfo[] {
    return [...this.calls.values()].map((c) => c.info);
  }

  /**
   * The calls the other nodes held when this one started (their answers to
   * the snapshot request). An event heard meanwhile is newer than the
   * snapshot: a call already known, or ended since, is left as the events say.
   */
  seed(node: string, calls: readonly CallInfo[]): void {
    for (const call of calls) if (!this.calls.has(call.id) && !this.endedEarly?.has(call.id)) this.calls.set(call.id, { node, info: call });
  }

  /** The snapshot is in: from here on the events alone keep the list. */
  seeded(): void {
    this.endedEarly = undefined;
  }

  /** A node that stopped answering: its calls are gone with it. */
  forgetNode(node: string): void {
    for (const [id, c] of this.calls) if (c.node === node) this.calls.delete(id);
  }
}
