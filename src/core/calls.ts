// The live call model every API renders: a call with its participants. The
// values of direction and state are those seed 000 (3CX) uses; participant
// statuses those of seed 001 (3CX Call Control).

export const CALL_DIRECTIONS = ['Inbound', 'Outbound', 'Internal', 'External', 'FromExternal', 'FromInternal'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

export const CALL_STATES = ['Initiating', 'Routing', 'Talking', 'Transferring', 'Rerouting', 'Ended'] as const;
export type CallState = (typeof CALL_STATES)[number];

export const PARTICIPANT_STATUSES = ['Dialing', 'Ringing', 'Connected', 'Held', 'Ended'] as const;
export type ParticipantStatus = (typeof PARTICIPANT_STATUSES)[number];

/** What kind of directory number a participant is (seed 001 "dn type"); Parking: a park orbit holding the call. */
export type DnType = 'Extension' | 'ExternalLine' | 'RingGroup' | 'Queue' | 'Ivr' | 'RoutePoint' | 'Parking' | 'Unknown';

export interface Participant {
  id: string;
  callId: string;
  dn: string;
  dnType: DnType;
  /** The device (contact URI) this participant talks through, when known. */
  device: string;
  partyNumber: string;
  partyName: string;
  status: ParticipantStatus;
  /** inbound: the side that called in; outbound: a side we called. */
  direction: 'inbound' | 'outbound';
  /** Muted from the API: nobody hears this participant; it still hears the others. */
  muted: boolean;
  /** Only on a supervisor who listens, whispers or barged in (ringing or connected): how. */
  supervision?: Supervision;
}

/** A supervisor's mode, named as the verbs that set it (seed 000 bargein: listen, whisper, barge). */
export type SupervisionMode = 'listen' | 'whisper' | 'barge';

export interface Supervision {
  mode: SupervisionMode;
  /** whisper: the participant who hears the supervisor; listen and barge concern the whole call: null. */
  target: string | null;
}

export interface CallInfo {
  id: string;
  direction: CallDirection;
  state: CallState;
  startedAt: string;
  answeredAt: string | null;
  /** The DID rule's name for calls from outside; empty otherwise. */
  did: string;
  /** Participant id of the party that owns the call (the caller). */
  owner: string;
  participants: Participant[];
}

/** Asterisk-style dispositions, as seed 003's CDR uses them. */
export type Disposition = 'ANSWERED' | 'NO ANSWER' | 'BUSY' | 'FAILED';
