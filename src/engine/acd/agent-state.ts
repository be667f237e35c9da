// What the queue service remembers about agents between calls: who is being
// offered a call now, who rests in wrap-up until when, and each agent's
// counters today per queue (answered, talk time) plus when it last became
// idle. In memory: a restart starts the day's counters again (written in
// README.md). "Today" is the PBX time zone's calendar day.
import { localDate } from '../../core/time-zone.ts';
import type { AgentCounters } from './strategies.ts';

interface DayCounters {
  answered: number;
  talkSeconds: number;
}

export interface QueueCounters {
  answered: number;
  /** Answered within the queue's service-level target. */
  answeredInTarget: number;
  abandoned: number;
  timedOut: number;
}

export class AgentBook {
  /** extension → the call it is being offered. */
  private readonly ringing = new Map<string, string>();
  /** Extensions offered a call since the statistics last looked (takeOffered). */
  private offeredSince = new Set<string>();
  /** extension → end of wrap-up (ms) and the timer that ends it. */
  private readonly wrapUps = new Map<string, { until: number; timer: NodeJS.Timeout }>();
  /** `${queue}/${extension}` → today's counters. */
  private readonly agentDay = new Map<string, DayCounters>();
  private readonly queueDay = new Map<string, QueueCounters>();
  private readonly idle = new Map<string, number>();
  /** Round robin: the agent who took the last call, per queue. */
  private readonly lastAgents = new Map<string, string>();
  private day: string;
  private dayCheckedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly timeZone: string,
    private readonly now: () => number,
    /** Called when a wrap-up ends on its own (the agent is free again). */
    private readonly onWrapUpEnded: (extension: string) => void,
  ) {
    this.day = this.today();
  }

  private today(): string {
    return localDate(new Date(this.now()), this.timeZone);
  }

  /** A new day clears the counters. Looked at once a second at most: formatting a zone's date is not cheap. */
  private rollDay(): void {
    const now = this.now();
    if (now - this.dayCheckedAt < 1000) return;
    this.dayCheckedAt = now;
    const today = this.today();
    if (today === this.day) return;
    this.day = today;
    this.agentDay.clear();
    this.queueDay.clear();
  }

  isRinging(extension: string): boolean {
    return this.ringing.has(extension);
  }

  offering(extensions: readonly string[], callId: string): void {
    for (const e of extensions) {
      this.ringing.set(e, callId);
      this.offeredSince.add(e);
    }
  }

  /** The extensions offered a call since the last time this was asked (they rang, if only briefly). */
  takeOffered(): ReadonlySet<string> {
    const offered = this.offeredSince;
    this.offeredSince = new Set();
    return offered;
  }

  offerEnded(extensions: readonly string[], callId: string): void {
    for (const e of extensions) if (this.ringing.get(e) === callId) this.ringing.delete(e);
  }

  wrapUpUntil(extension: string): number | undefined {
    const w = this.wrapUps.get(extension);
    return w && w.until > this.now() ? w.until : undefined;
  }

  /** After a queue call: the agent rests `seconds` (0: none). */
  startWrapUp(extension: string, seconds: number): void {
    this.setIdle(extension);
    if (seconds <= 0) return;
    clearTimeout(this.wrapUps.get(extension)?.timer);
    const until = this.now() + seconds * 1000;
    const timer = setTimeout(() => {
      this.wrapUps.delete(extension);
      this.setIdle(extension);
      this.onWrapUpEnded(extension);
    }, seconds * 1000);
    timer.unref();
    this.wrapUps.set(extension, { until, timer });
  }

  setIdle(extension: string): void {
    this.idle.set(extension, this.now());
  }

  answered(queue: string, extension: string, inTarget: boolean): void {
    this.rollDay();
    this.agentCounters(queue, extension).answered++;
    const q = this.queueCounters(queue);
    q.answered++;
    if (inTarget) q.answeredInTarget++;
    this.lastAgents.set(queue, extension);
  }

  talked(queue: string, extension: string, seconds: number): void {
    this.rollDay();
    this.agentCounters(queue, extension).talkSeconds += seconds;
  }

  abandoned(queue: string): void {
    this.rollDay();
    this.queueCounters(queue).abandoned++;
  }

  timedOut(queue: string): void {
    this.rollDay();
    this.queueCounters(queue).timedOut++;
  }

  lastAgent(queue: string): string | undefined {
    return this.lastAgents.get(queue);
  }

  queueCounters(queue: string): QueueCounters {
    this.rollDay();
    let c = this.queueDay.get(queue);
    if (!c) this.queueDay.set(queue, (c = { answered: 0, answeredInTarget: 0, abandoned: 0, timedOut: 0 }));
    return c;
  }

  agentCounters(queue: string, extension: string): DayCounters {
    this.rollDay();
    const key = `${queue}/${extension}`;
    let c = this.agentDay.get(key);
    if (!c) this.agentDay.set(key, (c = { answered: 0, talkSeconds: 0 }));
    return c;
  }

  /** The strategies' view of an agent in a queue. */
  counters(queue: string, extension: string): AgentCounters {
    const c = this.agentCounters(queue, extension);
    return { answered: c.answered, talkSeconds: c.talkSeconds, idleSince: this.idle.get(extension) ?? 0 };
  }

  close(): void {
    for (const w of this.wrapUps.values()) clearTimeout(w.timer);
    this.wrapUps.clear();
  }
}
