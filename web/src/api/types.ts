// The API's shapes as the panel reads them. Calls and events are Switchboard's
// own core types (type-only imports: nothing of the server is bundled).
export type { CallInfo, Participant, ParticipantStatus } from '../../../src/core/calls.ts';
export type { PbxEvent, EventType, EventPayloads } from '../../../src/core/events.ts';
export type { RecordingInfo, ActiveRecording } from '../../../src/core/recordings.ts';
export type { ParkedCall } from '../../../src/core/parking.ts';
export type { QueueStatus, QueueAgentStatus, AgentState, WaitingCaller } from '../../../src/core/queue-status.ts';

export interface Page<T> {
  items: T[];
  total: number;
}

export interface Extension {
  number: string;
  firstName: string;
  lastName: string;
  email: string;
  mobile: string;
  authId: string;
  authPassword?: string;
  enabled: boolean;
  dnd: boolean;
  forwardingProfile: string;
  queueGlobalLoggedIn: boolean;
  recording: string;
}

export interface Device {
  extension: string;
  contact: string;
  userAgent: string;
}

export interface QueueAgent {
  extension: string;
  loggedIn: boolean;
}

export interface Queue {
  number: string;
  name: string;
  agents: QueueAgent[];
}

export interface Cdr {
  calldate: string;
  clid: string;
  src: string;
  dst: string;
  duration: number;
  billsec: number;
  disposition: string;
  uniqueid: string;
  direction: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string;
  callId: string;
}
