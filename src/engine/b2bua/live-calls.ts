// The calls that are up now, and what each one leaves behind: its events in
// the log, its row in the open-calls journal, its CDR when it ends (written
// before `call.ended` is announced), and the watch that hangs up dead calls
// (no RTP, or longer than the longest call allowed).
import type { Logger } from 'pino';
import type { InviteServerTransaction } from '../../sip/transaction/index.ts';
import type { Store } from '../../store/index.ts';
import { CdrWriter, type CdrWritten } from '../cdr/cdr-writer.ts';
import type { EventPayloads } from '../../core/events.ts';
import type { OpenCallJournal } from '../cdr/open-call-journal.ts';
import type { Call } from './call.ts';
import type { CallParty } from './call-ends.ts';
import type { ReferRequest } from './call-events.ts';

export interface LiveCallsOptions {
  store: Store;
  logger: Logger;
  /** The CDR writer (shared with crash recovery, so uniqueids stay unique). */
  cdr?: CdrWriter | undefined;
  journal?: OpenCallJournal | undefined;
  /** Longest a call may last, in seconds (default 4 h). */
  maxCallSeconds?: number | undefined;
  /** Hang up a talking call that carried no RTP for this long (default 60 s). */
  rtpTimeoutSeconds?: number | undefined;
  /** The queue a call is in (waiting or answered by an agent), for the CDR's lastapp. */
  queueOf(callId: string): string | undefined;
  /** A phone's REFER in a call, for the B2BUA to carry out. */
  referred(call: Call, refer: ReferRequest): void;
}

export class LiveCalls {
  private readonly calls = new Map<string, Call>();
  private readonly byInvite = new Map<InviteServerTransaction, Call>();
  private readonly cdr: CdrWriter;
  private readonly deadCallTimer: NodeJS.Timeout;

  constructor(private readonly o: LiveCallsOptions) {
    this.cdr = o.cdr ?? new CdrWriter(o.store);
    const timeoutMs = (o.rtpTimeoutSeconds ?? 60) * 1000;
    this.deadCallTimer = setInterval(() => {
      const now = Date.now();
      for (const call of this.calls.values()) {
        if (call.silentMs(now) > timeoutMs) {
          o.logger.warn({ call: call.id }, 'no RTP from either side: hanging up');
          call.hangup('api');
        }
      }
    }, Math.min(5000, timeoutMs / 2));
    this.deadCallTimer.unref();
  }

  get(id: string): Call | undefined {
    return this.calls.get(id);
  }

  /** The call a phone's INVITE created, while it lives (CANCEL finds it so). */
  ofInvite(tx: InviteServerTransaction): Call | undefined {
    return this.byInvite.get(tx);
  }

  values(): IterableIterator<Call> {
    return this.calls.values();
  }

  get size(): number {
    return this.calls.size;
  }

  /** A new call: from now on its events are logged, and its end writes its CDR. */
  track(call: Call, tx: InviteServerTransaction | undefined, caller: CallParty, dialled: string): void {
    const events = this.o.store.events;
    const log = (p: Promise<unknown>) => p.catch((err: unknown) => this.o.logger.error({ err }, 'event append failed'));
    this.calls.set(call.id, call);
    if (tx) this.byInvite.set(tx, call);
    log(events.append('call.created', { call: call.info(), origin: tx ? 'phone' : 'api', dialled: call.dialled }));
    const journal = this.o.journal;
    journal?.opened(call.info(), caller.number, caller.name, dialled);
    call.on('changed', (info) => {
      journal?.changed(info);
      log(events.append('call.updated', { call: info }));
    });
    call.on('participant', (p) => log(events.append('participant.updated', { participant: p })));
    call.on('dtmf', (participantId, digit, durationMs) => log(events.append('dtmf', { callId: call.id, participantId, digit, durationMs })));
    call.on('referred', (refer) => this.o.referred(call, refer));
    const max = setTimeout(() => call.hangup('api'), (this.o.maxCallSeconds ?? 4 * 3600) * 1000);
    max.unref();
    call.on('ended', (info, disposition, endedAt) => {
      clearTimeout(max);
      this.calls.delete(call.id);
      if (tx) this.byInvite.delete(tx);
      // Taken now: the ACD forgets the call as it ends.
      const app = this.lastApp(call.id, dialled, call.joinedNumbers);
      const failureStatus = call.failureStatus;
      const announce = (cdr: CdrWritten): EventPayloads['call.ended'] => ({ call: info, disposition, duration: cdr.duration, billsec: cdr.billsec, cdrUniqueid: cdr.uniqueid, ...(failureStatus !== undefined ? { failureStatus } : {}) });
      const written = (journal?.ended(call.id) ?? Promise.resolve(undefined)).then((alongside) => this.cdr.write({
        call: info,
        disposition,
        endedAt,
        src: caller.number,
        srcName: caller.name,
        dst: dialled,
        ...app,
        ...(alongside ? { alongside } : {}),
        announce,
      }));
      log(
        written.then((cdr) => {
          journal?.settled(call.id);
          return events.append('call.ended', announce(cdr), new Date(endedAt));
        }),
      );
    });
  }

  /** Seed 003's lastapp: Queue for a call that ended in a queue (waiting, or answered by an agent), else Dial. */
  private lastApp(callId: string, dialled: string, joined: readonly string[]): { lastApp: string; lastData: string } {
    const queue = this.o.queueOf(callId);
    // Asterisk's Dial lists every channel it joined with '&': extra members (barge-in, listen, whisper) too.
    return queue === undefined ? { lastApp: 'Dial', lastData: [dialled, ...joined].map((n) => `SIP/${n}`).join('&') } : { lastApp: 'Queue', lastData: queue };
  }

  /** Ends every call (shutdown). */
  close(): void {
    clearInterval(this.deadCallTimer);
    for (const c of this.calls.values()) c.hangup('api');
  }
}
