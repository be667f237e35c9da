// The event stream's frames, built once per event and sent once per turn of
// the event loop.
//
// A write to a TCP socket is a syscall, and with a thousand subscribers it
// was half the fan-out's CPU (bench/RESULTS.md, ws-fanout). Events that are
// announced in the same turn (a group commit announces its events together,
// and a server that falls behind commits in bigger groups) go to each socket
// as one write; the frames of a turn's events, joined, are one Buffer shared
// by every stream that sends all of them. A lone event costs no extra wait:
// the turn ends as soon as the code that announced it has run.
import type { PbxEvent } from '../../core/pbx-control.ts';
import { textFrame } from '../http/ws-frame.ts';

/**
 * Serialized and framed once for every stream that sends it: with a thousand
 * subscribers, per-socket JSON.stringify and UTF-8 encoding were most of the
 * fan-out's CPU before the writes.
 */
const frames = new WeakMap<PbxEvent, Buffer>();

/** The event's complete WebSocket frame (RFC 6455 §5.2), JSON text. */
export function eventFrame(e: PbxEvent): Buffer {
  let frame = frames.get(e);
  if (frame === undefined) {
    frame = textFrame(Buffer.from(JSON.stringify({ seq: e.seq, type: e.type, at: e.at, payload: e.payload })));
    frames.set(e, frame);
  }
  return frame;
}

/** What a batch's owner does at the end of the turn: send what it batched. */
export interface TurnFlush {
  flush(): void;
}

/** The events batched by any stream in this turn, in the order they were announced. */
class Turn {
  readonly events: PbxEvent[] = [];
  readonly owners: TurnFlush[] = [];
  private joined: Buffer | undefined;

  note(e: PbxEvent): void {
    // Every listener hears one event before any hears the next, so a repeat is always the last one.
    if (this.events[this.events.length - 1] !== e) this.events.push(e);
  }

  /** `batch` is a subsequence of this turn's events: as long as them, it is them. */
  framesOf(batch: readonly PbxEvent[]): Buffer {
    if (batch.length === 1) return eventFrame(batch[0] as PbxEvent);
    if (batch.length === this.events.length) return (this.joined ??= Buffer.concat(this.events.map(eventFrame)));
    return Buffer.concat(batch.map(eventFrame));
  }

  end(): void {
    if (current === this) current = undefined;
    for (const o of this.owners) o.flush();
  }
}

let current: Turn | undefined;

function thisTurn(): Turn {
  if (current === undefined) {
    const turn = new Turn();
    current = turn;
    // After the microtasks of this turn: the continuations of every append of
    // one group commit run in them, so the whole group is in the batch.
    process.nextTick(() => turn.end());
  }
  return current;
}

/** One stream's events of this turn, waiting for its end (or for `take`). */
export class EventBatch {
  private events: PbxEvent[] = [];
  private turn: Turn | undefined;

  constructor(private readonly owner: TurnFlush) {}

  get size(): number {
    return this.events.length;
  }

  add(e: PbxEvent): void {
    const turn = thisTurn();
    if (this.turn !== turn) {
      this.turn = turn;
      turn.owners.push(this.owner);
    }
    turn.note(e);
    this.events.push(e);
  }

  /** The batched frames as one Buffer, and the batch emptied. */
  take(): Buffer | undefined {
    if (this.events.length === 0 || this.turn === undefined) return undefined;
    const data = this.turn.framesOf(this.events);
    this.events = [];
    return data;
  }

  /** The batched events one by one (for a socket that must send them through ws), and the batch emptied. */
  drain(): PbxEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  clear(): void {
    this.events = [];
  }
}
