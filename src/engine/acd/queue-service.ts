// ACD queues (issue 7): a caller dialling a queue is answered by the PBX and
// waits with music on hold (src/engine/features/queue-music.ts) while the
// queue's free agents are offered the call by its polling strategy
// (strategies.ts), each round for `ringTimeout` seconds. The first agent to
// answer is bridged to the caller (Call.ringStep, as ring groups do).
// `masterTimeout` seconds of waiting, or a full queue (`maxCallers`), send the
// caller to the queue's no-answer destination. After a queue call the agent
// rests `wrapUpTime` seconds. Callers are served in the order they came: a
// caller is offered agents only while everyone ahead is being offered too.
//
// Every change of a queue's state is a `queue.updated` event and every change
// of an agent's state a `queue.agent` event (queue-events.ts).
import type { Logger } from 'pino';
import type { Destination } from '../../core/directory/common.ts';
import type { Queue } from '../../core/directory/queue.ts';
import type { QueueStatus } from '../../core/queue-status.ts';
import { PbxError } from '../../core/errors.ts';
import type { Store } from '../../store/index.ts';
import { builtInMusicOnHold, loadAudio } from '../../media/player.ts';
import type { Call } from '../b2bua/call.ts';
import type { RingTarget } from '../b2bua/call-ends.ts';
import { QueueMusic } from '../features/queue-music.ts';
import { AgentBook } from './agent-state.ts';
import { offerRounds } from './strategies.ts';
import { agentState, queueStatus, type AgentRow, type LiveFacts, type Waiter } from './queue-snapshot.ts';
import { QueueEvents, type QueueSnapshot } from './queue-events.ts';
import { isAbsolute, join } from 'node:path';

export interface QueueServiceOptions {
  store: Store;
  logger: Logger;
  /** The live calls (who is busy). */
  /** Extensions in a live call (B2bua.busyExtensions). */
  busyExtensions: () => Set<string>;
  /** Whether an extension has a reachable registered phone. */
  registered: (extension: string) => boolean;
  timeZone: string;
  dataDir: string;
  /** The PBX's music on hold file (SWITCHBOARD_MOH_FILE); the built-in melody when unset. */
  mohFile?: string | undefined;
  /** Spoken announcements (espeak-ng); undefined: none. */
  speak?: (text: string) => Promise<Int16Array>;
  now?: () => number;
  /** How often a waiting caller with no free agent looks again, in ms. */
  pollMs?: number;
}

/** How a caller's time in the queue ended. */
export type QueueOutcome = { kind: 'answered' } | { kind: 'ended' } | { kind: 'noAnswer'; destination: Destination } | { kind: 'unanswerable' };

/** How the router rings an agent: its devices, and the From/To of the INVITEs. */
export interface AgentRinging {
  targetsOf(extension: string): Promise<RingTarget[]>;
  from: string;
  to: string;
}

/** A pass over the agents that took less than this (everyone declined) waits out the rest before the next. */
const MIN_PASS_MS = 1000;

interface WaitingEntry extends Waiter {
  offering: boolean;
}

export class QueueService {
  readonly book: AgentBook;
  private readonly waiting = new Map<string, WaitingEntry[]>();
  /** Calls whose last application is a queue (their CDR says lastapp Queue), by call id → queue number. */
  private readonly inQueue = new Map<string, string>();
  private readonly now: () => number;
  private readonly events: QueueEvents;
  private readonly defaultMusic: Promise<Int16Array>;

  constructor(private readonly o: QueueServiceOptions) {
    this.now = o.now ?? Date.now;
    this.book = new AgentBook(o.timeZone, this.now, () => this.events.changed());
    this.events = new QueueEvents(o.store, o.logger, () => this.allStatuses());
    const file = o.mohFile;
    this.defaultMusic = file === undefined ? Promise.resolve(builtInMusicOnHold()) : loadAudio(file).catch(() => builtInMusicOnHold());
  }

  close(): void {
    this.events.close();
    this.book.close();
  }

  /** The queue a call is (or was last) in, for its CDR; undefined for other calls. */
  queueOf(callId: string): string | undefined {
    return this.inQueue.get(callId);
  }

  private async queueRow(number: string): Promise<Queue | undefined> {
    try {
      return (await this.o.store.queues.get(number)) as unknown as Queue;
    } catch (err) {
      if (err instanceof PbxError && err.code === 'SB_NOT_FOUND') return undefined;
      throw err;
    }
  }

  /**
   * What the agents' states are computed from: the rows of the queues' agents
   * only. Reading every extension here made each refresh O(directory), and a
   * refresh follows every registration: 10,000 phones registering at once
   * spent a third of the CPU in it (bench/register-storm).
   */
  private async facts(queues: readonly { agents: readonly { extension: string }[] }[]): Promise<LiveFacts> {
    const extensions = new Map<string, AgentRow>();
    for (const q of queues) {
      for (const a of q.agents) {
        if (extensions.has(a.extension)) continue;
        const row = (await this.o.store.extensions.find(a.extension)) as unknown as AgentRow | undefined;
        if (row) extensions.set(a.extension, row);
      }
    }
    return { extensions, registered: this.o.registered, busy: this.o.busyExtensions(), book: this.book, now: this.now() };
  }

  /** GET /api/v1/queues/{n}/status: the same snapshot the queue.updated event carries. */
  async status(number: string): Promise<QueueStatus> {
    const q = await this.queueRow(number);
    if (!q) throw new PbxError('SB_NOT_FOUND', `queue ${number} does not exist`);
    return queueStatus(q, this.waiting.get(number) ?? [], await this.facts([q]));
  }

  /** Every queue's status, and the agents offered a call since the last time (taken with the states, in one turn). */
  private async allStatuses(): Promise<QueueSnapshot> {
    const queues: Queue[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await this.o.store.queues.list({ limit: 1000, offset });
      queues.push(...(page.items as unknown as Queue[]));
      if (page.items.length < 1000) break;
    }
    // No queue, nothing to look at: the agents' facts are read only for queues.
    if (queues.length === 0) return { statuses: [], offered: this.book.takeOffered() };
    const facts = await this.facts(queues);
    return { statuses: queues.map((q) => queueStatus(q, this.waiting.get(q.number) ?? [], facts)), offered: this.book.takeOffered() };
  }

  /** Serves one caller until an agent answers, the caller leaves, or the queue gives up on it. */
  async serve(call: Call, number: string, ring: AgentRinging): Promise<QueueOutcome> {
    const q = await this.queueRow(number);
    if (!q) return { kind: 'unanswerable' };
    const list = this.waiting.get(number) ?? [];
    this.waiting.set(number, list);
    if (q.maxCallers > 0 && list.length >= q.maxCallers) {
      this.o.logger.info({ call: call.id, queue: number }, 'queue full: no-answer destination');
      this.book.timedOut(number);
      this.events.changed();
      return { kind: 'noAnswer', destination: q.noAnswer };
    }
    if (!(await call.answerByPbx())) return { kind: call.isEnded ? 'ended' : 'unanswerable' };
    const caller = call.participant(call.info().owner);
    const entry: WaitingEntry = { callId: call.id, callerNumber: caller?.partyNumber ?? '', callerName: caller?.partyName ?? '', since: this.now(), offering: false };
    list.push(entry);
    this.inQueue.set(call.id, number);
    call.once('ended', () => setTimeout(() => this.inQueue.delete(call.id), 60_000).unref());
    // The queue's music is what the caller hears while agents ring, not a ringback tone.
    const ringbackBack = call.withoutRingback();
    const music = await this.startMusic(call, q, entry);
    this.events.changed();
    let outcome: QueueOutcome = { kind: 'ended' };
    try {
      outcome = await this.offer(call, q, entry, ring);
    } finally {
      music?.stop();
      ringbackBack();
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
      if (outcome.kind === 'ended') this.book.abandoned(number);
      if (outcome.kind === 'noAnswer') {
        this.book.timedOut(number);
        this.inQueue.delete(call.id);
      }
      this.events.changed();
    }
    return outcome;
  }

  /** The rounds of offers, until an answer, the caller's end, or the master timeout. */
  private async offer(call: Call, queue: Queue, entry: WaitingEntry, ring: AgentRinging): Promise<QueueOutcome> {
    const deadline = queue.masterTimeout > 0 ? entry.since + queue.masterTimeout * 1000 : Infinity;
    const list = this.waiting.get(queue.number)!;
    while (!call.isEnded) {
      if (this.now() >= deadline) return { kind: 'noAnswer', destination: queue.noAnswer };
      // First come, first served: wait while a caller ahead has no offer out.
      const ahead = list.slice(0, list.indexOf(entry));
      const q = (await this.queueRow(queue.number)) ?? queue;
      const facts = await this.facts([q]);
      const free = new Set(q.agents.filter((a) => agentState(a, facts) === 'free').map((a) => a.extension));
      const rounds = ahead.every((w) => w.offering) ? offerRounds({ strategy: q.pollingStrategy, agents: q.agents.map((a) => a.extension), available: free, counters: (e) => this.book.counters(q.number, e), lastAgent: this.book.lastAgent(q.number) }) : [];
      if (rounds.length === 0) {
        await this.pause(call, Math.min(this.o.pollMs ?? 500, deadline - this.now()));
        continue;
      }
      const passStarted = this.now();
      let rang = false;
      for (const round of rounds) {
        if (call.isEnded) return { kind: 'ended' };
        const remaining = deadline - this.now();
        if (remaining <= 0) break;
        // Someone of this round may have been taken meanwhile (another queue, a direct call).
        const facts = await this.facts([q]);
        const agents = round.filter((e) => agentState(q.agents.find((a) => a.extension === e) ?? { extension: e, loggedIn: false }, facts) === 'free');
        const targets = (await Promise.all(agents.map((e) => ring.targetsOf(e)))).flat();
        if (targets.length === 0 || call.isEnded) continue;
        rang = true;
        entry.offering = true;
        this.book.offering(agents, call.id);
        this.events.changed();
        const result = await call.ringStep(targets, Math.min(q.ringTimeout, remaining / 1000), ring.from, ring.to);
        entry.offering = false;
        this.book.offerEnded(agents, call.id);
        if (result.answered) {
          this.answered(call, q, entry.since);
          return { kind: 'answered' };
        }
        this.events.changed();
        if (result.callEnded) return { kind: 'ended' };
      }
      // Nobody could be rung, or everyone declined at once: breathe before the next pass.
      const spent = this.now() - passStarted;
      if (!rang || spent < MIN_PASS_MS) await this.pause(call, Math.min(rang ? MIN_PASS_MS - spent : (this.o.pollMs ?? 500), deadline - this.now()));
    }
    return { kind: 'ended' };
  }

  private answered(call: Call, q: Queue, waitingSince: number): void {
    const agent = call.calleeParticipant?.dn;
    if (agent === undefined) return;
    const answeredAt = this.now();
    this.book.answered(q.number, agent, answeredAt - waitingSince <= q.serviceLevelSeconds * 1000);
    this.o.logger.info({ call: call.id, queue: q.number, agent }, 'queue call answered');
    call.once('ended', () => {
      this.book.talked(q.number, agent, Math.round((this.now() - answeredAt) / 1000));
      this.book.startWrapUp(agent, q.wrapUpTime);
      this.events.changed();
    });
  }

  /** Waits a little before looking for a free agent again; the caller hanging up ends it at once. */
  private pause(call: Call, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        call.off('ended', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(50, ms));
      call.once('ended', done);
    });
  }

  private async audio(file: string): Promise<Int16Array | undefined> {
    if (file === '') return undefined;
    try {
      return await loadAudio(isAbsolute(file) ? file : join(this.o.dataDir, file));
    } catch (err) {
      this.o.logger.warn({ err, file }, 'queue audio file unusable');
      return undefined;
    }
  }

  private async startMusic(call: Call, q: Queue, entry: WaitingEntry): Promise<QueueMusic | undefined> {
    const [own, intro] = await Promise.all([this.audio(q.musicOnHold), q.introEnabled ? this.audio(q.introFile) : undefined]);
    if (call.isEnded) return undefined;
    const { relay, caller } = call.mediaTap();
    const speak = this.o.speak;
    const list = this.waiting.get(q.number) ?? [];
    const music = new QueueMusic({
      relay,
      legId: caller,
      music: own ?? (await this.defaultMusic),
      intro,
      announcementInterval: q.announcementInterval,
      announcement: speak
        ? () => speak(q.announcePosition ? `You are caller number ${String(list.indexOf(entry) + 1)}. Please hold.` : 'All our agents are busy. Please hold.')
        : undefined,
    });
    music.start();
    return music;
  }
}
