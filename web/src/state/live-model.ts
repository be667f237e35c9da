// What the panel knows about the PBX right now: the directory's extensions and
// queues, registered devices, live calls and each queue's live status. Seeded from a REST snapshot, then
// moved forward by events only (no polling). Applying an event is idempotent
// so the events that overlap the snapshot do no harm.
import { extensionState, type ExtensionState } from '../../../src/core/presence.ts';
import { AGENT_STATES, type AgentState } from '../../../src/core/queue-status.ts';
import type { ActiveRecording, CallInfo, Extension, ParkedCall, Participant, PbxEvent, Queue, QueueAgentStatus, QueueStatus } from '../api/types.ts';

export interface LiveModel {
  extensions: ReadonlyMap<string, Extension>;
  /** Registered contacts by extension. */
  devices: ReadonlyMap<string, ReadonlySet<string>>;
  calls: ReadonlyMap<string, CallInfo>;
  queues: ReadonlyMap<string, Queue>;
  /** The ACD's live view of each queue (GET /queues/{n}/status, then queue.updated / queue.agent). */
  queueStatus: ReadonlyMap<string, QueueStatus>;
  /** Recordings in progress by call id (GET /recordings/active, then recording.started / .stopped). */
  recordings: ReadonlyMap<string, ActiveRecording>;
  /** Calls waiting in park orbits, by orbit (GET /parked, then call.parked / call.unparked). */
  parked: ReadonlyMap<string, ParkedCall>;
  /** directory.changed events seen per entity (`ringGroups`…): a list showing that entity re-reads when it moves. */
  directoryChanges: ReadonlyMap<string, number>;
}

export const EMPTY_MODEL: LiveModel = { extensions: new Map(), devices: new Map(), calls: new Map(), queues: new Map(), queueStatus: new Map(), recordings: new Map(), parked: new Map(), directoryChanges: new Map() };

export function applyEvent(m: LiveModel, e: PbxEvent): LiveModel {
  switch (e.type) {
    case 'device.registered':
    case 'device.unregistered': {
      const p = e.payload as PbxEvent<'device.registered'>['payload'];
      const devices = new Map(m.devices);
      const set = new Set(devices.get(p.extension));
      if (e.type === 'device.registered') set.add(p.contact);
      else set.delete(p.contact);
      devices.set(p.extension, set);
      return { ...m, devices };
    }
    case 'call.created':
    case 'call.updated': {
      const call = (e.payload as PbxEvent<'call.updated'>['payload']).call;
      const calls = new Map(m.calls);
      calls.set(call.id, call);
      return { ...m, calls };
    }
    case 'participant.updated': {
      const p = (e.payload as PbxEvent<'participant.updated'>['payload']).participant;
      const call = m.calls.get(p.callId);
      if (!call) return m;
      const others = call.participants.filter((o) => o.id !== p.id);
      const calls = new Map(m.calls);
      calls.set(call.id, { ...call, participants: [...others, p].sort(byId) });
      return { ...m, calls };
    }
    case 'call.ended': {
      const call = (e.payload as PbxEvent<'call.ended'>['payload']).call;
      if (!m.calls.has(call.id) && !m.recordings.has(call.id)) return m;
      const calls = new Map(m.calls);
      calls.delete(call.id);
      const recordings = new Map(m.recordings);
      recordings.delete(call.id);
      return { ...m, calls, recordings };
    }
    case 'recording.started':
    case 'recording.stopped': {
      const r = e.payload as ActiveRecording;
      const recordings = new Map(m.recordings);
      if (e.type === 'recording.started') recordings.set(r.callId, r);
      // Only the recording it names: a replayed stop must not clear a newer start.
      else if (recordings.get(r.callId)?.recordingId === r.recordingId) recordings.delete(r.callId);
      return { ...m, recordings };
    }
    case 'call.parked':
    case 'call.unparked': {
      const p = (e.payload as PbxEvent<'call.parked'>['payload']).parked;
      const parked = new Map(m.parked);
      if (e.type === 'call.parked') parked.set(p.orbit, p);
      // Only the parking it names: a replayed unpark must not clear a newer call in that orbit.
      else if (parked.get(p.orbit)?.callId === p.callId && parked.get(p.orbit)?.parkedAt === p.parkedAt) parked.delete(p.orbit);
      return { ...m, parked };
    }
    case 'directory.changed': {
      const entity = (e.payload as PbxEvent<'directory.changed'>['payload']).entity;
      const directoryChanges = new Map(m.directoryChanges);
      directoryChanges.set(entity, (directoryChanges.get(entity) ?? 0) + 1);
      return { ...m, directoryChanges };
    }
    case 'queue.updated':
      return withQueueStatus(m, e.payload as QueueStatus);
    case 'queue.agent': {
      const a = e.payload as QueueAgentStatus;
      const status = m.queueStatus.get(a.queue);
      // A queue not seen yet: its next queue.updated (or a re-read) brings it whole.
      if (!status) return m;
      return withQueueStatus(m, withAgent(status, a));
    }
    default:
      return m;
  }
}

export function withQueueStatus(m: LiveModel, status: QueueStatus): LiveModel {
  const queueStatus = new Map(m.queueStatus);
  queueStatus.set(status.queue, status);
  return { ...m, queueStatus };
}

/** One agent's new state folded into its queue's status, with the counts by state kept true. */
export function withAgent(status: QueueStatus, agent: QueueAgentStatus): QueueStatus {
  const known = status.agents.some((x) => x.extension === agent.extension);
  const agents = known ? status.agents.map((x) => (x.extension === agent.extension ? agent : x)) : [...status.agents, agent];
  const agentCounts = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<AgentState, number>;
  for (const x of agents) agentCounts[x.state] += 1;
  return { ...status, agents, agentCounts };
}

const byId = (a: Participant, b: Participant): number => a.id.localeCompare(b.id, 'en', { numeric: true });

export function withExtension(m: LiveModel, number: string, ext: Extension | undefined): LiveModel {
  const extensions = new Map(m.extensions);
  if (ext) extensions.set(number, ext);
  else extensions.delete(number);
  return { ...m, extensions };
}

export function withQueue(m: LiveModel, number: string, queue: Queue | undefined): LiveModel {
  const queues = new Map(m.queues);
  if (queue) queues.set(number, queue);
  else queues.delete(number);
  if (queue || !m.queueStatus.has(number)) return { ...m, queues };
  const queueStatus = new Map(m.queueStatus);
  queueStatus.delete(number);
  return { ...m, queues, queueStatus };
}

/** The participants an extension has in live calls. */
export function participantsOf(m: LiveModel, ext: string): Participant[] {
  const out: Participant[] = [];
  for (const c of m.calls.values()) for (const p of c.participants) if (p.dnType === 'Extension' && p.dn === ext && p.status !== 'Ended') out.push(p);
  return out;
}

export function isRegistered(m: LiveModel, ext: string): boolean {
  return (m.devices.get(ext)?.size ?? 0) > 0;
}

/** The word a tile shows: the core's device state (shared with every dialect) in an operator's words. */
export type TileState = 'offline' | 'free' | 'ringing' | 'talking' | 'held' | 'dnd';

export function tileState(m: LiveModel, ext: string): TileState {
  const state: ExtensionState = extensionState(participantsOf(m, ext), isRegistered(m, ext));
  switch (state) {
    case 'InUse':
    case 'Busy':
      return 'talking';
    case 'OnHold':
      return 'held';
    case 'Ringing':
    case 'Connecting':
      return 'ringing';
    case 'Unavailable':
      return 'offline';
    case 'Idle':
      return m.extensions.get(ext)?.dnd ? 'dnd' : 'free';
  }
}

/** Queues the extension is an agent of, with its log-in there (and the global log-in seed 000 adds). */
export function queueMemberships(m: LiveModel, ext: string): { queue: string; loggedIn: boolean }[] {
  const global = m.extensions.get(ext)?.queueGlobalLoggedIn ?? true;
  const out: { queue: string; loggedIn: boolean }[] = [];
  for (const q of m.queues.values()) {
    const agent = q.agents.find((a) => a.extension === ext);
    if (agent) out.push({ queue: q.number, loggedIn: agent.loggedIn && global });
  }
  return out;
}
