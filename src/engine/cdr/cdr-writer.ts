// One CDR row per call, written when the call ends and before the end is
// announced, with the fields seed 003's /cdr returns (Asterisk's CDR model):
// calldate, clid, src, dst, channel, dstchannel, lastapp, duration, billsec,
// disposition, uniqueid.
import type { Kysely } from 'kysely';
import type { Store } from '../../store/index.ts';
import type { HeldCdr } from '../../store/outage-journal.ts';
import type { Database } from '../../store/schema.ts';
import type { CallInfo, Disposition } from '../../core/calls.ts';
import type { EventPayloads } from '../../core/events.ts';
import { isStoreUnavailable } from '../../core/errors.ts';

export interface CdrInput {
  call: CallInfo;
  disposition: Disposition;
  endedAt: number;
  src: string;
  srcName: string;
  dst: string;
  lastApp: string;
  lastData: string;
  trunk?: string;
  /** Runs in the CDR's transaction: the open-calls journal deletes the call's row there. */
  alongside?: (tx: Kysely<Database>) => Promise<void>;
  /** The `call.ended` its caller appends once the CDR is stored: kept with the CDR on the outage journal, so a crash while the database is away loses neither. */
  announce?: (written: CdrWritten) => EventPayloads['call.ended'];
}

export interface CdrWritten {
  uniqueid: string;
  duration: number;
  billsec: number;
}

export class CdrWriter {
  // Asterisk numbers channels with a running hexadecimal counter.
  private channelSeq = Math.floor(Math.random() * 0x10000);
  private uniqueSeq = Math.floor(Math.random() * 1000);

  constructor(private readonly store: Store) {}

  private channel(dn: string): string {
    this.channelSeq = (this.channelSeq + 1) % 0x100000000;
    return `SIP/${dn}-${this.channelSeq.toString(16).padStart(8, '0')}`;
  }

  async write(input: CdrInput): Promise<CdrWritten> {
    const { call } = input;
    const started = Date.parse(call.startedAt);
    const answered = call.answeredAt === null ? undefined : Date.parse(call.answeredAt);
    const duration = Math.max(0, Math.round((input.endedAt - started) / 1000));
    const billsec = answered === undefined ? 0 : Math.max(0, Math.round((input.endedAt - answered) / 1000));
    const callee = call.participants.find((p) => p.direction === 'outbound');
    this.uniqueSeq += 1;
    const uniqueid = `${String(Math.floor(started / 1000))}.${String(this.uniqueSeq)}`;
    const row = {
      uniqueid,
      callId: call.id,
      startedAt: call.startedAt,
      answeredAt: call.answeredAt,
      endedAt: new Date(input.endedAt).toISOString(),
      src: input.src,
      dst: input.dst,
      clid: `"${input.srcName.replace(/"/g, '')}" <${input.src}>`,
      channel: this.channel(input.src),
      dstChannel: callee ? this.channel(callee.dn) : '',
      lastApp: input.lastApp,
      lastData: input.lastData,
      duration,
      billsec,
      disposition: input.disposition,
      direction: call.direction,
      did: call.did,
      trunk: input.trunk ?? '',
      cost: null,
      zone: '',
      recordingId: null,
    };
    const insert = (db: Kysely<Database>) => db.insertInto('cdr').values(row).execute();
    const alongside = input.alongside;
    const written = { uniqueid, duration, billsec };
    // A CDR is what the call is billed by: while the database is unreachable
    // it waits and is retried, never dropped, and is on the outage journal
    // while it waits, so a crash meanwhile does not drop it either.
    let held: number | undefined;
    await this.store.health.untilStored(async () => {
      try {
        if (alongside) {
          await this.store.db.transaction().execute(async (tx) => {
            await insert(tx);
            await alongside(tx);
          });
        } else {
          await insert(this.store.db);
        }
      } catch (err) {
        if (held === undefined && isStoreUnavailable(err)) held = this.hold(row, input, written);
        throw err;
      }
    });
    if (held !== undefined) this.store.journal?.stored(held);
    return written;
  }

  /** Undefined without a journal, or when it cannot be written (disk full): the CDR still waits in memory. */
  private hold(row: HeldCdr['row'], input: CdrInput, written: CdrWritten): number | undefined {
    return this.store.journal?.hold({ kind: 'cdr', row, ...(input.announce ? { ended: { at: row.endedAt, payload: input.announce(written) } } : {}) });
  }
}
