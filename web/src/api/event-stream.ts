// The native event WebSocket (src/api/native/README.md "Event stream"): the key
// travels as the subprotocols `bearer, <key>` (a browser cannot set headers on
// a WebSocket). After any disconnect the stream reconnects with
// `since=<last seq seen>`, so every event arrives exactly once.
import type { PbxEvent } from './types.ts';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface EventStreamOptions {
  key: string;
  /** Resume after this sequence number (the snapshot's). */
  since: number;
  onEvent: (e: PbxEvent) => void;
  onStatus: (s: StreamStatus) => void;
  /** The log was reset (hello.lastSeq < since): reload from a fresh snapshot. */
  onReset: () => void;
}

const BACKOFF_MS = [250, 500, 1000, 2000, 5000];

export class EventStream {
  private socket: WebSocket | undefined;
  private lastSeq: number;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly opts: EventStreamOptions) {
    this.lastSeq = opts.since;
    this.connect();
  }

  /** The newest sequence number processed. */
  get seq(): number {
    return this.lastSeq;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.close(1000);
    this.opts.onStatus('closed');
  }

  private connect(): void {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/events?since=${String(this.lastSeq)}`, ['bearer', this.opts.key]);
    this.socket = socket;
    this.opts.onStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    socket.onmessage = (msg) => {
      const frame = JSON.parse(String(msg.data)) as PbxEvent | { type: 'hello'; lastSeq: number; since: number };
      if (!('seq' in frame)) {
        if (frame.type === 'hello') {
          this.attempt = 0;
          this.opts.onStatus('live');
          if (frame.lastSeq < this.lastSeq) this.opts.onReset();
        }
        return;
      }
      if (frame.seq <= this.lastSeq) return;
      this.lastSeq = frame.seq;
      this.opts.onEvent(frame);
    };
    socket.onclose = () => {
      if (this.closed || this.socket !== socket) return;
      const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] ?? 5000;
      this.attempt += 1;
      this.opts.onStatus('reconnecting');
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }
}
