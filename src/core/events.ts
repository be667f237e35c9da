// Every state change is one typed event with a monotonically increasing
// sequence number. Dialects subscribe and render; the native WebSocket lets a
// client resume from a sequence number.
import type { CallInfo, Participant, Disposition } from './calls.ts';
import type { ActiveRecording, RecordingInfo } from './recordings.ts';
import type { TrunkStatus } from './trunk-status.ts';
import type { VoicemailMessage } from './voicemail.ts';
import type { QueueAgentStatus, QueueStatus } from './queue-status.ts';
import type { ParkedCall } from './parking.ts';

export interface EventPayloads {
  /** origin: a phone's INVITE, or the API (click-to-call); dialled: the number asked for. */
  'call.created': { call: CallInfo; origin?: 'phone' | 'api'; dialled?: string };
  'call.updated': { call: CallInfo };
  /** failureStatus: the SIP status an unanswered call ended with (487: the caller gave up). */
  'call.ended': { call: CallInfo; disposition: Disposition; duration: number; billsec: number; cdrUniqueid: string; failureStatus?: number };
  'participant.updated': { participant: Participant };
  dtmf: { callId: string; participantId: string; digit: string; durationMs: number };
  'directory.changed': { entity: string; action: 'created' | 'updated' | 'deleted'; key: string };
  'device.registered': { extension: string; contact: string; userAgent: string; transport: string; source: string; expiresAt: string };
  'device.unregistered': { extension: string; contact: string; reason: 'expired' | 'removed' | 'unreachable' };
  'key.created': { id: string; role: string; label: string };
  'key.revoked': { id: string };
  /** A call started being recorded (its policy or on demand); `recording.stopped` when that recording ends. */
  'recording.started': ActiveRecording;
  'recording.stopped': ActiveRecording;
  'recording.ready': { recording: RecordingInfo };
  /** An SMS changed state (seed 003 smsSendResponse); `to` in international format. */
  'sms.updated': { id: string; to: string; status: string; error: string };
  /** A trunk's outbound registration changed state (or its failure code changed). */
  'trunk.status': TrunkStatus;
  /** A caller joined or left a conference room (its own call; the participant is its caller). */
  'conference.member': { conference: string; action: 'add' | 'remove'; callId: string; participant: Participant };
  /** A caller left a message in an extension's voicemail box. */
  'voicemail.message': { message: VoicemailMessage };
  /** A queue's live statistics changed: waiting callers, agents, today's counts (src/core/queue-status.ts). */
  'queue.updated': QueueStatus;
  /** An agent's state in one queue changed (logged in/out, free, ringing, busy, wrap-up). */
  'queue.agent': QueueAgentStatus;
  /** A call was parked in an orbit (src/engine/features/park.ts). */
  'call.parked': { parked: ParkedCall };
  /** A parked call left its orbit: retrieved (by: the extension that dialled the orbit), rung back to the parker at the timeout, hung up, or transferred elsewhere by the API. */
  'call.unparked': { parked: ParkedCall; reason: 'retrieved' | 'timeout' | 'hangup' | 'transferred'; by?: string };
  /** Something the PBX needs is failing (the recordings' disk is full…), or is fine again (src/engine/alarms.ts). */
  'system.alarm': SystemAlarm;
}

export type AlarmReason = 'disk_full' | 'disk_error';

export interface SystemAlarm {
  reason: AlarmReason;
  state: 'raised' | 'cleared';
  /** What suffers from it, e.g. `recordings`. */
  component: string;
  /** The directory or file concerned. */
  path: string;
  detail: string;
}

export type EventType = keyof EventPayloads;

export interface PbxEvent<T extends EventType = EventType> {
  seq: number;
  type: T;
  at: string;
  payload: EventPayloads[T];
}
