// Writes that wait for an unreachable database (events, CDRs) are held in
// memory and retried (StoreHealth.untilStored). A crash while they wait would
// lose them, so each one is also appended to a local file, synced, before it
// joins the wait, and marked done once the database has it. At start the
// writes not marked done are stored again (outage-replay.ts). The file holds
// nothing while the database answers: it is emptied each time the last held
// write is stored.
//
// One JSON object per line. A line cut short by the crash is skipped: the
// write it held had not joined the wait yet.
import { closeSync, existsSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { EventType } from '../core/events.ts';
import type { Insertable } from 'kysely';
import type { CdrTable, OpenCallsTable } from './schema.ts';

/** An event that waited: stored again with the time it happened (and, in a cluster, the number the stream gave it). */
export interface HeldEvent {
  kind: 'event';
  type: EventType;
  at: string;
  payload: unknown;
  seq?: number;
}

/** A CDR row that waited, and the `call.ended` that is appended once it is stored. */
export interface HeldCdr {
  kind: 'cdr';
  row: Insertable<CdrTable>;
  ended?: { at: string; payload: unknown };
}

/** A live call's open-calls row that could not be written (started or answered during the outage): the crash recovery needs it. */
export interface HeldOpenCall {
  kind: 'open-call';
  row: OpenCallsTable;
}

export type HeldWrite = HeldEvent | HeldCdr | HeldOpenCall;

export interface PendingWrite {
  id: number;
  write: HeldWrite;
}

export class OutageJournal {
  private fd: number | undefined;
  private nextId = 1;
  private readonly outstanding = new Set<number>();

  private readonly leftover: PendingWrite[];
  private leftoverAlive: string | undefined;

  constructor(readonly path: string) {
    this.leftover = this.read();
  }

  /** What the previous process held and did not see stored, in the order it was held (as the file was when opened). */
  pending(): PendingWrite[] {
    return this.leftover;
  }

  /**
   * The last heartbeat the previous process journalled for its live calls
   * while it could not write them to their open-calls rows: their talk time
   * ran at least until then.
   */
  lastAlive(): string | undefined {
    return this.leftoverAlive;
  }

  /** The live calls' heartbeat could not reach the database: kept here instead (when the file can be written). */
  alive(at: string): boolean {
    return this.append({ alive: at });
  }

  private read(): PendingWrite[] {
    if (!existsSync(this.path)) return [];
    const held = new Map<number, HeldWrite>();
    let last = 0;
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (line === '') continue;
      let entry: { id?: unknown; done?: unknown; alive?: unknown; write?: HeldWrite };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      if (typeof entry.alive === 'string') {
        if (this.leftoverAlive === undefined || entry.alive > this.leftoverAlive) this.leftoverAlive = entry.alive;
      } else if (typeof entry.done === 'number') held.delete(entry.done);
      else if (typeof entry.id === 'number' && entry.write) {
        held.set(entry.id, entry.write);
        last = Math.max(last, entry.id);
      }
    }
    // Until the file is emptied, new entries must not reuse an id it holds.
    this.nextId = Math.max(this.nextId, last + 1);
    return [...held].map(([id, write]) => ({ id, write }));
  }

  /**
   * On disk before it returns: the write can now wait in memory. Undefined
   * when the file cannot be written (the disk full too): the write then waits
   * in memory only, as it would without a journal.
   */
  hold(write: HeldWrite): number | undefined {
    const id = this.nextId++;
    if (!this.append({ id, write })) return undefined;
    this.outstanding.add(id);
    return id;
  }

  /**
   * The database has it. The last one done empties the file. A mark that
   * cannot be written costs nothing but a replay the next start skips (the
   * database has the write).
   */
  stored(id: number): void {
    if (!this.outstanding.delete(id)) return;
    try {
      if (this.outstanding.size === 0) this.empty();
      else this.append({ done: id });
    } catch {
      // See above: the replay's check makes a missing mark harmless.
    }
  }

  /** After a replay at start: nothing of the previous process is left to store. */
  empty(): void {
    this.open();
    ftruncateSync(this.fd as number, 0);
    fdatasyncSync(this.fd as number);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** One synced line; false when the file cannot be written. */
  private append(entry: object): boolean {
    try {
      this.open();
      writeSync(this.fd as number, `${JSON.stringify(entry)}\n`);
      fdatasyncSync(this.fd as number);
      return true;
    } catch {
      return false;
    }
  }

  private open(): void {
    this.fd ??= openSync(this.path, 'a');
  }
}
