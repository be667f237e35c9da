// PbxControl: the one list of things a client can ask of the PBX. Every API
// dialect maps its commands onto this facade and nothing else. It grows with
// the engine: call control, agents and media verbs join the directory here.
import type { Role } from './roles.ts';
import type { EventPayloads, EventType, PbxEvent } from './events.ts';
import type { CallInfo, Participant } from './calls.ts';
import type { ActiveRecording, RecordingAction, RecordingFile, RecordingFormat, RecordingInfo } from './recordings.ts';
import type { DeliveryStatus, WebhookDelivery, WebhookSubscription, WebhookSubscriptionInput } from './webhooks.ts';
import type { TrunkStatus } from './trunk-status.ts';
import type { VoicemailMessage } from './voicemail.ts';
import type { QueueStatus } from './queue-status.ts';
import type { ParkedCall } from './parking.ts';

export const DIRECTORY_ENTITIES = [
  'extensions',
  'extensionGroups',
  'ringGroups',
  'queues',
  'ivrs',
  'routePoints',
  'trunks',
  'outboundRules',
  'inboundRules',
  'contacts',
  'parameters',
] as const;
export type DirectoryEntity = (typeof DIRECTORY_ENTITIES)[number];

export type Record_ = Record<string, unknown>;

export interface ListQuery {
  limit?: number;
  offset?: number;
  q?: string;
  filters?: Record<string, string>;
}

export interface ListPage {
  items: Record_[];
  total: number;
  limit: number;
  offset: number;
}

export interface ReadOptions {
  /** Include secret fields (SIP and trunk passwords); only for admin callers. */
  withSecrets?: boolean;
}

export interface DirectoryCollection {
  list(query?: ListQuery, opts?: ReadOptions): Promise<ListPage>;
  get(key: string | number, opts?: ReadOptions): Promise<Record_>;
  create(input: Record_): Promise<Record_>;
  patch(key: string | number, input: Record_): Promise<Record_>;
  remove(key: string | number): Promise<Record_>;
}

export interface KeyInfo {
  id: string;
  label: string;
  role: Role;
  extension: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A registered phone: one binding of an extension (seed 000 ext.devices.get). */
export interface DeviceInfo {
  extension: string;
  contact: string;
  userAgent: string;
  transport: string;
  sourceAddress: string;
  sourcePort: number;
  registeredAt: string;
  expiresAt: string;
  reachable: boolean;
}

export interface CdrRow {
  calldate: string;
  clid: string;
  src: string;
  dst: string;
  channel: string;
  dstchannel: string;
  lastapp: string;
  lastdata: string;
  duration: number;
  billsec: number;
  disposition: string;
  uniqueid: string;
  direction: string;
  did: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string;
  callId: string;
  /** Rated cost in the currency's minor unit (grosze); null until rated. */
  cost: number | null;
  /** Billing zone; empty until rated. */
  zone: string;
}

export interface CdrQuery {
  /** Inclusive ISO-8601 bounds on the call's start. */
  from?: string;
  to?: string;
  limit?: number;
}

/** A recording as the listing shows it; src/dst come from the call's CDR row. */
/** An SMS the PBX has stored and queued for its gateway. */
export interface SmsAccepted {
  /** Unique id; status changes name it (event `sms.updated`). */
  id: string;
  status: 'QUEUE';
  error: null;
}

/** The participant's audio as it arrives, for seed 001's GET …/stream. */
export interface AudioListener {
  /** PCM s16le 8 kHz mono, one RTP packet's worth (with gaps filled) per call; the Buffer is the listener's. */
  pcm(chunk: Buffer): void;
  /** The participant left, or its call ended: nothing more comes. */
  end(): void;
}

/** Audio played to a participant, for seed 001's POST …/stream. */
export interface AudioUpload {
  /** PCM s16le 8 kHz mono, any chunking; a leading WAV header is skipped. */
  write(chunk: Buffer): void;
  /** Milliseconds written and not played yet. */
  readonly bufferedMs: number;
  /** Whether the first bytes have been looked at (a WAV header skipped or refused). */
  readonly headerDecided: boolean;
  /** Why the upload cannot be played (a WAV in another format), once known. */
  readonly formatError: string | undefined;
  readonly isClosed: boolean;
  /** Asks for one 'drain' once the buffer is low again. */
  wantDrain(): void;
  on(event: 'drain' | 'closed', listener: () => void): unknown;
  off(event: 'drain' | 'closed', listener: () => void): unknown;
  close(): void;
}

export interface PbxControl {
  calls: {
    list(): CallInfo[];
    get(id: string): CallInfo;
    /**
     * Drops a participant; in a two-party call that ends the call. In a cluster
     * a call held by another node is dropped there: the promise then settles
     * with that node's answer.
     */
    drop(callId: string, participantId: string): void | Promise<void>;
    /**
     * Click-to-call: rings `from` (an extension; all its devices, or the one
     * whose contact contains `device`), then connects it to `to`; or from a
     * route point (its application calls out): `to` rings at once.
     * `timeoutSeconds`: the call is given up (NO ANSWER) unless talking by then.
     */
    make(from: string, to: string, options?: { device?: string; timeoutSeconds?: number }): Promise<CallInfo>;
    /** Puts a connected participant on hold (no audio either way) or takes it off. */
    hold(callId: string, participantId: string): Promise<void>;
    resume(callId: string, participantId: string): Promise<void>;
    /** Nobody hears a connected participant any more (it still hears them), or again; idempotent. */
    mute(callId: string, participantId: string): Promise<void>;
    unmute(callId: string, participantId: string): Promise<void>;
    /** Sends a participant to another number; its partner leaves the call. */
    blindTransfer(callId: string, participantId: string, destination: string): Promise<void>;
    /** A participant still ringing: ring `destination` instead (seed 001 divert). */
    divert(callId: string, participantId: string, destination: string): Promise<void>;
    /**
     * Attended transfer, step 1: the participant's partner is held and the
     * participant's phone calls `destination`; returns that consultation call.
     */
    consult(callId: string, participantId: string, destination: string): Promise<CallInfo>;
    /**
     * Attended transfer, step 2: the participant leaves this call and the
     * consultation call; their two partners talk to each other.
     */
    attendedTransfer(callId: string, participantId: string, consultCallId: string): Promise<void>;
    /**
     * Seed 001 transferto: the partner is held while `destination` rings; on
     * answer it replaces the participant; otherwise rejects with
     * SB_DESTINATION_FAILED (424) and the participant is back in the call.
     */
    transferTo(callId: string, participantId: string, destination: string): Promise<void>;
    /**
     * Seed 001 routeto: ring `destination` as an alternative for a ringing or
     * connected participant, who stays until the destination answers.
     */
    routeTo(callId: string, participantId: string, destination: string): Promise<void>;
    /** Seed 001 answer: a ringing participant on a device under direct control. */
    answer(callId: string, participantId: string): Promise<void>;
    /** Seed 000 join: an extension's two connected calls are joined and the extension leaves both. */
    join(extension: string): Promise<CallInfo>;
    /**
     * Barge-in (seed 000 bargein): rings the supervisor extension's phones;
     * the one that answers joins the talking call, hearing and heard by all.
     * Resolves once they ring, with the call (the supervisor as a participant).
     * `device`: ring only the supervisor's device whose contact contains it (seed 000 contact).
     */
    bargeIn(supervisorExtension: string, callId: string, options?: { device?: string }): Promise<CallInfo>;
    /** Silent monitoring: as bargeIn, but nobody hears the supervisor. */
    listen(supervisorExtension: string, callId: string): Promise<CallInfo>;
    /**
     * Whisper (coaching): as bargeIn, but only `toParticipantId` hears the
     * supervisor; without it, the agent: the connected callee if it is an
     * extension, else the caller if it is one.
     */
    whisper(supervisorExtension: string, callId: string, toParticipantId?: string): Promise<CallInfo>;
    /**
     * A conference room (SWITCHBOARD_CONFERENCE_ROOMS): callers who dial its
     * number hear each other; who is in it now. SB_NOT_FOUND for a number that is not a room.
     */
    conference(number: string): Promise<ConferenceRoom>;
    /**
     * Call park: the participant's partner waits in the first free park orbit
     * (on hold, hearing music) and the participant leaves; dialling the orbit
     * from any phone connects to it; at the timeout the parker is rung back.
     */
    park(callId: string, participantId: string): Promise<ParkedCall>;
    /** The calls waiting in park orbits. */
    parked(): Promise<ParkedCall[]>;
    /**
     * Starts or stops recording a talking call (both directions); idempotent.
     * With `participantId` (which must be in the call) it is that participant's call.
     */
    record(callId: string, action: RecordingAction, participantId?: string): Promise<void>;
  };
  cdr: {
    list(query: CdrQuery): Promise<CdrRow[]>;
  };
  /** Raw audio of live participants (seed 001 …/participants/{id}/stream). */
  media: {
    /**
     * Streams what the participant's phone says (for a route point's
     * participant: what its partner says, which the application hears) until
     * it leaves. SB_UNPROCESSABLE while it is not connected.
     */
    listen(callId: string, participantId: string, listener: AudioListener): { close(): void };
    /**
     * Plays audio to the participant's phone (for a route point's
     * participant: to its partner), replacing what the bridge sends it while
     * the upload is open (`whilePlaying`: only while it has audio to play, so
     * the partner is heard again when the writer pauses). One upload per
     * phone: a new one replaces the old.
     */
    speak(callId: string, participantId: string, options?: { whilePlaying?: boolean }): AudioUpload;
  };
  /** Route points (seed 001 Wroutepoint) and their applications. */
  routePoints: {
    /** An application acting for `dn` is connected; calls at that route point wait for it. Returns how to say it left. */
    attachApplication(dn: string): () => void;
  };
  devices: {
    /** Registered devices, of one extension or of all. */
    list(extension?: string): Promise<DeviceInfo[]>;
  };
  directory: Record<DirectoryEntity, DirectoryCollection>;
  keys: {
    create(role: Role, label?: string, extension?: string | null): Promise<KeyInfo & { key: string }>;
    list(): Promise<KeyInfo[]>;
    revoke(id: string): Promise<KeyInfo>;
    verify(key: string): Promise<KeyInfo | undefined>;
  };
  events: {
    since(seq: number, limit?: number): Promise<PbxEvent[]>;
    subscribe(listener: (e: PbxEvent) => void): () => void;
    lastSeq(): Promise<number>;
  };
  database: {
    /** One read-only SELECT over the tables of store/query-views.ts and the live calls, at most `limit` rows; never secrets (seed 000 query). */
    query(sql: string, limit: number): Promise<Record_[]>;
  };
  recordings: {
    /** Newest first. */
    list(query?: RecordingQuery): Promise<RecordingInfo[]>;
    /** The recordings in progress on this node's calls now (recording.started / .stopped follow them). */
    inProgress(): ActiveRecording[];
    get(id: string): Promise<RecordingInfo>;
    /** The link stops working for good; the files stay. */
    revoke(id: string): Promise<RecordingInfo>;
    /** The file behind a link token; SB_NOT_FOUND for an unknown or revoked one. */
    open(token: string, format: RecordingFormat): Promise<RecordingFile>;
    /** The file of a call's recording by the call's CDR uniqueid, for APIs that fetch it with their own key (seed 003). */
    fileOfCall(cdrUniqueid: string, format: RecordingFormat): Promise<RecordingFile>;
  };
  /** Signed generic webhooks (Standard Webhooks) over the durable outbox. */
  webhooks: {
    list(): Promise<WebhookSubscription[]>;
    get(id: number): Promise<WebhookSubscription>;
    /** The secret is returned here only. */
    create(input: WebhookSubscriptionInput): Promise<WebhookSubscription & { secret: string }>;
    patch(id: number, input: Partial<Omit<WebhookSubscriptionInput, 'secret'>>): Promise<WebhookSubscription>;
    remove(id: number): Promise<void>;
    deliveries(id: number, query?: { limit?: number; status?: DeliveryStatus }): Promise<WebhookDelivery[]>;
    /** Sends one delivery again, with its original webhook-id. */
    redeliver(id: number, deliveryId: number): Promise<WebhookDelivery>;
    /** Queues again every logged event of [from, to] the subscription takes; returns how many. */
    replay(id: number, from: string, to: string): Promise<number>;
  };
  sms: {
    /**
     * Stores a text for a national mobile number and queues it for the SMS
     * gateway; resolves once it is on disk. A test message is never sent.
     */
    send(to: string, body: string, options?: { test?: boolean }): Promise<SmsAccepted>;
  };
  trunks: {
    /** Outbound registration status of every trunk, by id. */
    status(): Promise<TrunkStatus[]>;
  };
  /** An extension's voicemail messages (SB_NOT_FOUND for an unknown extension or message). */
  voicemail: {
    /** Newest first. */
    list(extension: string): Promise<VoicemailMessage[]>;
    file(extension: string, id: string): Promise<RecordingFile>;
    setHeard(extension: string, id: string, heard: boolean): Promise<VoicemailMessage>;
    remove(extension: string, id: string): Promise<void>;
    /** The owner's greeting (WAV, 16-bit mono 8 kHz), played instead of the spoken one; SB_NOT_FOUND when none. */
    greeting(extension: string): Promise<RecordingFile>;
    /** SB_UNSUPPORTED_MEDIA_TYPE unless 16-bit mono 8 kHz PCM WAV. */
    setGreeting(extension: string, wav: Buffer): Promise<RecordingFile>;
    removeGreeting(extension: string): Promise<void>;
  };
  /** ACD queues: live statistics and agent log-in (src/engine/acd). */
  queues: {
    /** Waiting callers, agents' states and today's counts; the snapshot `queue.updated` carries. */
    status(queue: string): Promise<QueueStatus>;
    /** Logs an agent in to or out of one queue (it must be one of the queue's agents). */
    setLogin(queue: string, extension: string, loggedIn: boolean): Promise<void>;
    /** Logs an extension in to or out of all its queues at once (seed 000 qGlobalStatus). */
    setGlobalLogin(extension: string, loggedIn: boolean): Promise<void>;
  };
}

/** A conference room and the callers in it (each in a call of its own). */
export interface ConferenceRoom {
  number: string;
  members: Participant[];
}

export interface RecordingQuery {
  callId?: string;
  cdrUniqueid?: string;
  /** Inclusive ISO-8601 bounds on the recording's start. */
  from?: string;
  to?: string;
  limit?: number;
}

export type { EventPayloads, EventType, PbxEvent };
export type { TrunkStatus, TrunkRegistrationState } from './trunk-status.ts';
export type { ParkedCall } from './parking.ts';
export type { QueueStatus, QueueAgentStatus, AgentState } from './queue-status.ts';
