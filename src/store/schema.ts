// The database as Kysely sees it. Column names are camelCase here and snake_case
// in SQL (CamelCasePlugin). Booleans are 0/1 integers and times are ISO-8601 UTC
// strings on both SQLite and PostgreSQL, so one query text serves both.
import type { Generated, ColumnType } from 'kysely';

type Bool = number;
type Stamp = string;
type Serial = Generated<number>;
type Json = string;
/** PostgreSQL returns BIGSERIAL as a string; SQLite as a number. Read with Number(). */
type BigSerial = ColumnType<number | string, never, never>;

export interface ExtensionsTable {
  number: string;
  firstName: string;
  lastName: string;
  email: string;
  mobile: string;
  outboundCallerId: string;
  authId: string;
  authPassword: string;
  enabled: Bool;
  allowExternal: Bool;
  recording: string;
  forwardingProfile: string;
  forwardingMessage: string;
  dnd: Bool;
  queueGlobalLoggedIn: Bool;
  deliverAudio: Bool;
  supportReinvite: Bool;
  supportReplaces: Bool;
  noAnswerTimeout: number;
  vmEnabled: Bool;
  vmPin: string;
  vmEmail: number;
  vmPlayCallerId: Bool;
  vmPlayDateTime: number;
  sipId: string;
  createdAt: Stamp;
  updatedAt: Stamp;
}

export interface ForwardingRulesTable {
  extension: string;
  profile: string;
  condition: string;
  destType: string;
  destNumber: string;
}

export interface DevicesTable {
  id: Serial;
  extension: string;
  contact: string;
  aor: string;
  userAgent: string;
  sourceAddress: string;
  sourcePort: number;
  transport: string;
  callId: string;
  cseq: number;
  instanceId: string;
  expiresAt: Stamp;
  registeredAt: Stamp;
  lastSeenAt: Stamp;
  reachable: Bool;
  node: string;
  /** RFC 3327 Path of the REGISTER: a JSON array of URIs (migration 010). */
  path: Generated<string>;
}

export interface ExtensionGroupsTable {
  id: Serial;
  name: string;
  createdAt: Stamp;
}

export interface ExtensionGroupMembersTable {
  groupId: number;
  extension: string;
  role: number;
}

export interface RingGroupsTable {
  number: string;
  name: string;
  strategy: string;
  ringTime: number;
  noAnswerType: string;
  noAnswerNumber: string;
  createdAt: Stamp;
  updatedAt: Stamp;
}

export interface RingGroupMembersTable {
  ringGroup: string;
  extension: string;
  position: number;
}

export interface QueuesTable {
  number: string;
  name: string;
  pollingStrategy: string;
  ringTimeout: number;
  masterTimeout: number;
  wrapUpTime: number;
  serviceLevelSeconds: number;
  maxCallers: number;
  announcementInterval: number;
  announcePosition: Bool;
  introEnabled: Bool;
  introFile: string;
  musicOnHold: string;
  noAnswerType: string;
  noAnswerNumber: string;
  createdAt: Stamp;
  updatedAt: Stamp;
}

export interface QueueAgentsTable {
  queue: string;
  extension: string;
  loggedIn: Bool;
  position: number;
}

export interface QueueManagersTable {
  queue: string;
  extension: string;
}

export interface IvrsTable {
  number: string;
  name: string;
  prompt: string;
  timeout: number;
  maxRetries: number;
  timeoutType: string;
  timeoutNumber: string;
  invalidType: string;
  invalidNumber: string;
  createdAt: Stamp;
  updatedAt: Stamp;
}

export interface IvrOptionsTable {
  ivr: string;
  digit: string;
  destType: string;
  destNumber: string;
}

export interface RoutePointsTable {
  number: string;
  name: string;
  noAppTimeout: number;
  fallbackType: string;
  fallbackNumber: string;
  createdAt: Stamp;
  updatedAt: Stamp;
}

export interface TrunksTable {
  id: Serial;
  name: string;
  host: string;
  port: number;
  transport: string;
  username: string;
  authId: string;
  password: string;
  register: Bool;
  registerExpires: number;
  inboundIps: Json;
  mainNumber: string;
  maxChannels: number;
  dnsSrv: Bool;
  enabled: Bool;
  createdAt: Stamp;
  updatedAt: Stamp;
}

export interface OutboundRulesTable {
  id: Serial;
  name: string;
  priority: number;
  prefix: string;
  numberLength: string;
  extRanges: Json;
  extGroups: Json;
  createdAt: Stamp;
  updatedAt: Stamp;
}

export interface OutboundRuleRoutesTable {
  ruleId: number;
  position: number;
  trunkId: number;
  strip: number;
  prepend: string;
  callerId: string;
}

export interface InboundRulesTable {
  id: Serial;
  name: string;
  trunkId: number | null;
  did: string;
  officeHours: Json;
  inHoursType: string;
  inHoursNumber: string;
  outOfHoursType: string;
  outOfHoursNumber: string;
  createdAt: Stamp;
  updatedAt: Stamp;
}

export interface ContactsTable {
  id: Serial;
  firstName: string;
  lastName: string;
  company: string;
  crmContactData: string;
  tag: string;
  mobile: string;
  mobile2: string;
  home: string;
  home2: string;
  business: string;
  business2: string;
  email: string;
  other: string;
  businessFax: string;
  homeFax: string;
  pager: string;
  createdAt: Stamp;
  updatedAt: Stamp;
}

export interface ParametersTable {
  name: string;
  value: string;
  description: string;
  type: string;
  updatedAt: Stamp;
}

export interface ApiKeysTable {
  id: string;
  label: string;
  role: string;
  hash: string;
  extension: string | null;
  createdAt: Stamp;
  lastUsedAt: Stamp | null;
  revokedAt: Stamp | null;
}

export interface CdrTable {
  id: Serial;
  uniqueid: string;
  callId: string;
  startedAt: Stamp;
  answeredAt: Stamp | null;
  endedAt: Stamp;
  src: string;
  dst: string;
  clid: string;
  channel: string;
  dstChannel: string;
  lastApp: string;
  lastData: string;
  duration: number;
  billsec: number;
  disposition: string;
  direction: string;
  did: string;
  trunk: string;
  cost: number | null;
  zone: string;
  recordingId: string | null;
}

export interface RecordingsTable {
  id: string;
  callId: string;
  cdrUniqueid: string;
  participants: Json;
  startedAt: Stamp;
  durationMs: number;
  size: number;
  format: string;
  path: string;
  token: string;
  revokedAt: Stamp | null;
  createdAt: Stamp;
}

export interface EventsTable {
  seq: BigSerial;
  type: string;
  at: Stamp;
  payload: Json;
}

export interface WebhookSubscriptionsTable {
  id: Serial;
  url: string;
  events: Json;
  secret: string;
  enabled: Bool;
  createdAt: Stamp;
  description: Generated<string>;
}

export interface WebhookOutboxTable {
  id: Serial;
  subscriptionId: number | null;
  url: string;
  eventType: string;
  contentType: string;
  body: string;
  headers: Json;
  status: string;
  attempts: number;
  nextAttemptAt: Stamp;
  lastError: string;
  leaseOwner: string;
  leaseUntil: Stamp | null;
  createdAt: Stamp;
  deliveredAt: Stamp | null;
  messageId: string;
  eventSeq: Generated<number>;
  lastStatus: Generated<number>;
  lastLatencyMs: Generated<number>;
}

export interface DirectoryVersionTable {
  id: number;
  version: number;
}

export interface SmsMessagesTable {
  id: string;
  to: string;
  body: string;
  test: Bool;
  status: string;
  error: string;
  attempts: number;
  nextAttemptAt: Stamp;
  createdAt: Stamp;
  updatedAt: Stamp;
  /** The node sending it now (migration 015); '' when none. */
  leaseOwner: Generated<string>;
  leaseUntil: Stamp | null;
}

/** One owner node per ACD queue, held by a lease it renews (migration 015). */
/** One row (id 1): the first call id not yet leased to any node (migration 020). */
export interface CallIdCounterTable {
  id: number;
  /** bigint: pg returns it as a string. */
  nextId: number | string;
}

export interface QueueOwnersTable {
  queue: string;
  node: string;
  leaseUntil: Stamp;
}

export interface SmsPartsTable {
  messageId: string;
  part: number;
  smscId: string;
  status: string;
}

export interface VoicemailMessagesTable {
  id: string;
  extension: string;
  callerNumber: string;
  callerName: string;
  callId: string;
  durationMs: number;
  /** Relative to the data directory. */
  file: string;
  heard: Bool;
  createdAt: Stamp;
  /** Mailed to the owner (migration 018); null: not (yet). */
  notifiedAt: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A live call's journal row (migration 003): its CDR after a crash. */
export interface OpenCallsTable {
  id: string;
  callId: string;
  startedAt: Stamp;
  answeredAt: Stamp | null;
  src: string;
  srcName: string;
  dst: string;
  /** The CallInfo as JSON, as of the start or the answer. */
  info: string;
  /** Last heartbeat of the process carrying the call: the end of its talk time after a crash. */
  aliveAt: Stamp;
  /** The node carrying the call (SWITCHBOARD_NODE_ID; '' for rows from before migration 019). */
  node: string;
}

/** A recording in progress (migration 003): its WAV is fixed up and stored after a crash. */
export interface OpenRecordingsTable {
  id: string;
  callId: string;
  path: string;
  channels: number;
  startedAt: Stamp;
  participants: string;
}

export interface Database {
  directoryVersion: DirectoryVersionTable;
  extensions: ExtensionsTable;
  forwardingRules: ForwardingRulesTable;
  devices: DevicesTable;
  extensionGroups: ExtensionGroupsTable;
  extensionGroupMembers: ExtensionGroupMembersTable;
  ringGroups: RingGroupsTable;
  ringGroupMembers: RingGroupMembersTable;
  queues: QueuesTable;
  queueAgents: QueueAgentsTable;
  queueManagers: QueueManagersTable;
  ivrs: IvrsTable;
  ivrOptions: IvrOptionsTable;
  routePoints: RoutePointsTable;
  trunks: TrunksTable;
  outboundRules: OutboundRulesTable;
  outboundRuleRoutes: OutboundRuleRoutesTable;
  inboundRules: InboundRulesTable;
  contacts: ContactsTable;
  parameters: ParametersTable;
  apiKeys: ApiKeysTable;
  cdr: CdrTable;
  recordings: RecordingsTable;
  events: EventsTable;
  webhookSubscriptions: WebhookSubscriptionsTable;
  webhookOutbox: WebhookOutboxTable;
  smsMessages: SmsMessagesTable;
  smsParts: SmsPartsTable;
  voicemailMessages: VoicemailMessagesTable;
  openCalls: OpenCallsTable;
  openRecordings: OpenRecordingsTable;
  queueOwners: QueueOwnersTable;
  callIdCounter: CallIdCounterTable;
}
