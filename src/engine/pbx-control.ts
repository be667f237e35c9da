// The engine's implementation of the PbxControl facade. Directory writes go to
// the store and each change becomes one event in the log.
import type { Store } from '../store/index.ts';
import type { EntityStore } from '../store/entity-store.ts';
import { DIRECTORY_ENTITIES, type SmsAccepted, type DeviceInfo, type DirectoryCollection, type DirectoryEntity, type PbxControl } from '../core/pbx-control.ts';
import type { Binding } from '../sip/registrar/location-service.ts';
import type { CallInfo } from '../core/calls.ts';
import { PbxError } from '../core/errors.ts';
import { listCdr } from './cdr/cdr-query.ts';
import { readQuerySnapshot } from '../store/query-views.ts';
import { runReadOnlyQuery } from '../store/readonly-query.ts';
import { liveCallTables } from './query/live-call-tables.ts';
import type { ActiveRecording, RecordingAction, RecordingFile, RecordingFormat, RecordingInfo } from '../core/recordings.ts';
import type { ConferenceRoom, RecordingQuery } from '../core/pbx-control.ts';
import type { TrunkStatus } from '../core/trunk-status.ts';
import type { ParkedCall } from '../core/parking.ts';
import type { Trunk } from '../core/directory/trunk.ts';
import type { QueueStatus } from '../core/queue-status.ts';
import { setGlobalLogin, setQueueLogin } from './acd/agent-login.ts';

function collection(store: Store, entity: DirectoryEntity, es: EntityStore): DirectoryCollection {
  const changed = async (action: 'created' | 'updated' | 'deleted', key: unknown) => {
    await store.events.append('directory.changed', { entity, action, key: String(key) });
  };
  return {
    list: (q, o) => es.list(q, o),
    get: (k, o) => es.get(k, o),
    create: async (input) => {
      const out = await es.create(input);
      await changed('created', out[es.mapping.key]);
      return out;
    },
    patch: async (k, input) => {
      const out = await es.patch(k, input);
      await changed('updated', out[es.mapping.key]);
      return out;
    },
    remove: async (k) => {
      const out = await es.remove(k);
      await changed('deleted', out[es.mapping.key]);
      return out;
    },
  };
}

export interface DeviceSource {
  all(): Binding[];
  bindings(extension: string): Binding[];
}

function deviceInfo(b: Binding): DeviceInfo {
  return {
    extension: b.extension,
    contact: b.contact,
    userAgent: b.userAgent,
    transport: b.flow.protocol,
    sourceAddress: b.flow.remoteAddress,
    sourcePort: b.flow.remotePort,
    registeredAt: new Date(b.registeredAt).toISOString(),
    expiresAt: new Date(b.expiresAt).toISOString(),
    reachable: b.reachable,
  };
}

const NO_DEVICES: DeviceSource = { all: () => [], bindings: () => [] };

export interface CallSource {
  list(): CallInfo[];
  get(id: string): { info(): CallInfo } | undefined;
  /** A call on another node of a cluster is dropped there: then a promise of its answer. */
  drop(callId: string, participantId: string): void | Promise<void>;
  makeCall(from: string, to: string, device?: string, timeoutSeconds?: number): Promise<CallInfo>;
  hold(callId: string, participantId: string, held: boolean): Promise<void>;
  mute(callId: string, participantId: string, muted: boolean): void | Promise<void>;
  blindTransfer(callId: string, participantId: string, destination: string): Promise<void>;
  divert(callId: string, participantId: string, destination: string): Promise<void>;
  consult(callId: string, participantId: string, destination: string): Promise<CallInfo>;
  attendedTransfer(callId: string, participantId: string, consultCallId: string): Promise<void>;
  join(extension: string): Promise<CallInfo>;
  transferTo(callId: string, participantId: string, destination: string): Promise<void>;
  routeTo(callId: string, participantId: string, destination: string): Promise<void>;
  answer(callId: string, participantId: string): Promise<void>;
  supervise(supervisor: string, callId: string, mode: 'speak+hear' | 'hear' | 'whisper', whisperTo?: string, device?: string): Promise<CallInfo>;
  conference(number: string): ConferenceRoom;
  park(callId: string, participantId: string): Promise<ParkedCall>;
  parked(): ParkedCall[];
}

const NO_CALLS: CallSource = {
  list: () => [],
  get: () => undefined,
  drop: (id) => {
    throw new PbxError('SB_NOT_FOUND', `call ${id} does not exist`);
  },
  makeCall: async () => {
    throw new PbxError('SB_NOT_READY', 'the SIP engine is not running');
  },
  hold: async (id) => {
    throw new PbxError('SB_NOT_FOUND', `call ${id} does not exist`);
  },
  mute: (id) => {
    throw new PbxError('SB_NOT_FOUND', `call ${id} does not exist`);
  },
  blindTransfer: async (id) => {
    throw new PbxError('SB_NOT_FOUND', `call ${id} does not exist`);
  },
  divert: async (id) => {
    throw new PbxError('SB_NOT_FOUND', `call ${id} does not exist`);
  },
  consult: async (id) => {
    throw new PbxError('SB_NOT_FOUND', `call ${id} does not exist`);
  },
  attendedTransfer: async (id) => {
    throw new PbxError('SB_NOT_FOUND', `call ${id} does not exist`);
  },
  transferTo: async (id) => {
    throw new PbxError('SB_NOT_FOUND', `call ${id} does not exist`);
  },
  routeTo: async (id) => {
    throw new PbxError('SB_NOT_FOUND', `call ${id} does not exist`);
  },
  answer: async (id) => {
    throw new PbxError('SB_NOT_FOUND', `call ${id} does not exist`);
  },
  join: async () => {
    throw new PbxError('SB_NOT_READY', 'the SIP engine is not running');
  },
  supervise: async (_s, id) => {
    throw new PbxError('SB_NOT_FOUND', `call ${id} does not exist`);
  },
  conference: () => {
    throw new PbxError('SB_NOT_READY', 'the SIP engine is not running');
  },
  park: async (id) => {
    throw new PbxError('SB_NOT_FOUND', `call ${id} does not exist`);
  },
  parked: () => [],
};

export interface SmsSink {
  accept(to: string, body: string, test: boolean): Promise<SmsAccepted>;
}

const NO_SMS: SmsSink = {
  accept: async () => {
    throw new PbxError('SB_NOT_READY', 'no SMS gateway is configured (SWITCHBOARD_SMPP_URL)');
  },
};

export interface RecordingSource {
  record(callId: string, action: RecordingAction): Promise<void>;
  list(q?: RecordingQuery): Promise<RecordingInfo[]>;
  inProgress(): ActiveRecording[];
  get(id: string): Promise<RecordingInfo>;
  revoke(id: string): Promise<RecordingInfo>;
  open(token: string, format: RecordingFormat): Promise<RecordingFile>;
  fileOfCall(cdrUniqueid: string, format: RecordingFormat): Promise<RecordingFile>;
}

const NO_RECORDINGS: RecordingSource = {
  record: async () => {
    throw new PbxError('SB_NOT_READY', 'the SIP engine is not running');
  },
  list: async () => [],
  inProgress: () => [],
  get: async (id) => {
    throw new PbxError('SB_NOT_FOUND', `recording ${id} does not exist`);
  },
  revoke: async (id) => {
    throw new PbxError('SB_NOT_FOUND', `recording ${id} does not exist`);
  },
  open: async () => {
    throw new PbxError('SB_NOT_FOUND', 'no such recording link');
  },
  fileOfCall: async (uniqueid) => {
    throw new PbxError('SB_NOT_FOUND', `no recording of call ${uniqueid}`);
  },
};

const notRunning = async (): Promise<never> => {
  throw new PbxError('SB_NOT_READY', 'webhooks are delivered by the running server, not here');
};
const NO_WEBHOOKS: PbxControl['webhooks'] = { list: notRunning, get: notRunning, create: notRunning, patch: notRunning, remove: notRunning, deliveries: notRunning, redeliver: notRunning, replay: notRunning };

export interface TrunkStatusSource {
  status(): TrunkStatus[];
}

/** Without a SIP engine (the CLI) no trunk registers. */
async function idleTrunkStatus(store: Store): Promise<TrunkStatus[]> {
  const { items } = await store.trunks.list({ limit: 1000 });
  return (items as Trunk[]).map((t) => ({ trunkId: t.id, name: t.name, state: 'notRegistering', code: null, reason: 'the SIP engine is not running', expiresAt: null, nextAttemptAt: null }));
}

const NO_VOICEMAIL: PbxControl['voicemail'] = { list: notRunning, file: notRunning, setHeard: notRunning, remove: notRunning, greeting: notRunning, setGreeting: notRunning, removeGreeting: notRunning };

/** An unknown extension is a 404 before its box is looked at. */
function voicemailOf(store: Store, messages: PbxControl['voicemail']): PbxControl['voicemail'] {
  const known = async <T>(ext: string, then: () => Promise<T>): Promise<T> => {
    await store.extensions.get(ext);
    return then();
  };
  return {
    list: (ext) => known(ext, () => messages.list(ext)),
    file: (ext, id) => known(ext, () => messages.file(ext, id)),
    setHeard: (ext, id, heard) => known(ext, () => messages.setHeard(ext, id, heard)),
    remove: (ext, id) => known(ext, () => messages.remove(ext, id)),
    greeting: (ext) => known(ext, () => messages.greeting(ext)),
    setGreeting: (ext, wav) => known(ext, () => messages.setGreeting(ext, wav)),
    removeGreeting: (ext) => known(ext, () => messages.removeGreeting(ext)),
  };
}

export interface QueueStatusSource {
  status(queue: string): Promise<QueueStatus>;
}

const NO_MEDIA: PbxControl['media'] = {
  listen: (callId) => {
    throw new PbxError('SB_NOT_FOUND', `call ${callId} does not exist`);
  },
  speak: (callId) => {
    throw new PbxError('SB_NOT_FOUND', `call ${callId} does not exist`);
  },
};

/** Without a SIP engine no call reaches a route point; applications may still connect. */
const NO_ROUTE_POINTS: PbxControl['routePoints'] = { attachApplication: () => () => undefined };

export function createPbxControl(
  store: Store,
  parts: {
    devices?: DeviceSource;
    calls?: CallSource;
    recordings?: RecordingSource;
    webhooks?: PbxControl['webhooks'];
    sms?: SmsSink;
    trunks?: TrunkStatusSource;
    voicemail?: PbxControl['voicemail'];
    queues?: QueueStatusSource;
    media?: PbxControl['media'];
    routePoints?: PbxControl['routePoints'];
  } = {},
): PbxControl {
  const recordings = parts.recordings ?? NO_RECORDINGS;
  const devices = parts.devices ?? NO_DEVICES;
  const calls = parts.calls ?? NO_CALLS;
  const directory = Object.fromEntries(DIRECTORY_ENTITIES.map((e) => [e, collection(store, e, store[e])])) as Record<DirectoryEntity, DirectoryCollection>;
  return {
    calls: {
      list: () => calls.list(),
      get: (id) => {
        const c = calls.get(id);
        if (!c) throw new PbxError('SB_NOT_FOUND', `call ${id} does not exist`);
        return c.info();
      },
      drop: (callId, participantId) => calls.drop(callId, participantId),
      make: (from, to, options) => calls.makeCall(from, to, options?.device, options?.timeoutSeconds),
      hold: (callId, pid) => calls.hold(callId, pid, true),
      resume: (callId, pid) => calls.hold(callId, pid, false),
      mute: async (callId, pid) => calls.mute(callId, pid, true),
      unmute: async (callId, pid) => calls.mute(callId, pid, false),
      blindTransfer: (callId, pid, destination) => calls.blindTransfer(callId, pid, destination),
      divert: (callId, pid, destination) => calls.divert(callId, pid, destination),
      consult: (callId, pid, destination) => calls.consult(callId, pid, destination),
      attendedTransfer: (callId, pid, consultCallId) => calls.attendedTransfer(callId, pid, consultCallId),
      transferTo: (callId, pid, destination) => calls.transferTo(callId, pid, destination),
      routeTo: (callId, pid, destination) => calls.routeTo(callId, pid, destination),
      answer: async (callId, pid) => calls.answer(callId, pid),
      join: async (extension) => {
        await store.extensions.get(extension);
        return calls.join(extension);
      },
      record: async (callId, action, participantId) => {
        // A participant's record is its call's (3CX records calls, not legs).
        if (participantId !== undefined && !calls.get(callId)?.info().participants.some((p) => p.id === participantId && p.status !== 'Ended')) {
          throw new PbxError('SB_NOT_FOUND', `participant ${participantId} is not in call ${callId}`);
        }
        return recordings.record(callId, action);
      },
      bargeIn: (supervisor, callId, options) => calls.supervise(supervisor, callId, 'speak+hear', undefined, options?.device),
      listen: (supervisor, callId) => calls.supervise(supervisor, callId, 'hear'),
      whisper: (supervisor, callId, to) => calls.supervise(supervisor, callId, 'whisper', to),
      conference: async (number) => calls.conference(number),
      park: (callId, pid) => calls.park(callId, pid),
      parked: async () => calls.parked(),
    },
    cdr: { list: (q) => listCdr(store, q) },
    media: parts.media ?? NO_MEDIA,
    routePoints: parts.routePoints ?? NO_ROUTE_POINTS,
    devices: {
      list: async (extension) => {
        if (extension === undefined) return devices.all().map(deviceInfo).sort((a, b) => a.extension.localeCompare(b.extension) || a.contact.localeCompare(b.contact));
        await store.extensions.get(extension);
        return devices.bindings(extension).map(deviceInfo);
      },
    },
    directory,
    keys: {
      create: async (role, label, extension) => {
        const k = await store.keys.create(role, label, extension ?? null);
        await store.events.append('key.created', { id: k.id, role: k.role, label: k.label });
        return k;
      },
      list: () => store.keys.list(),
      revoke: async (id) => {
        const k = await store.keys.revoke(id);
        await store.events.append('key.revoked', { id });
        return k;
      },
      verify: (key) => store.keys.verify(key),
    },
    events: {
      since: (seq, limit) => store.events.since(seq, limit),
      subscribe: (l) => store.events.subscribeAll(l),
      lastSeq: () => store.events.lastSeq(),
    },
    database: {
      query: async (text, limit) => runReadOnlyQuery({ ...(await readQuerySnapshot(store.db)), ...liveCallTables(calls.list()) }, text, { limit }),
    },
    recordings: {
      list: (q) => recordings.list(q),
      inProgress: () => recordings.inProgress(),
      get: (id) => recordings.get(id),
      revoke: (id) => recordings.revoke(id),
      open: (token, format) => recordings.open(token, format),
      fileOfCall: (uniqueid, format) => recordings.fileOfCall(uniqueid, format),
    },
    webhooks: parts.webhooks ?? NO_WEBHOOKS,
    sms: { send: (to, body, options) => (parts.sms ?? NO_SMS).accept(to, body, options?.test ?? false) },
    trunks: {
      status: async () => (parts.trunks ? parts.trunks.status() : idleTrunkStatus(store)),
    },
    voicemail: voicemailOf(store, parts.voicemail ?? NO_VOICEMAIL),
    queues: {
      status: async (queue) => {
        if (!parts.queues) throw new PbxError('SB_NOT_READY', 'queue statistics come from the running server');
        return parts.queues.status(queue);
      },
      setLogin: (queue, extension, loggedIn) => setQueueLogin(directory.queues, directory.extensions, queue, extension, loggedIn),
      setGlobalLogin: (extension, loggedIn) => setGlobalLogin(directory.extensions, extension, loggedIn),
    },
  };
}
