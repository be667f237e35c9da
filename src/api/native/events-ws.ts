// GET /api/v1/events with `Upgrade: websocket`: the event log as a stream a
// client can resume. The plain GET on the same path (the JSON poll in
// routes.ts) stays; a router constraint on the Upgrade header sends upgrades
// here, so both are routes of their own in the route table, each with its role.
//
// The stream never loses or repeats an event across the switch from history to
// live: it subscribes before it reads the log, keeps what arrives meanwhile,
// and drops from that buffer whatever the history already covered.
import { keepAlive } from '../http/ws-keepalive.ts';
import { beforeUpgradeRouting, keyIntoHeader, upgradeConstraint } from '../http/ws-key.ts';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { PbxControl, PbxEvent } from '../../core/pbx-control.ts';
import { payloadOf, rawSink, textFrame, type FrameSink, type RawFrameSocket } from '../http/ws-frame.ts';
import { EventBatch, eventFrame } from './event-batch.ts';

export interface EventsWsOptions {
  control: PbxControl;
  /** Events held for one connection that its socket has not taken yet; one more closes it with 4008. */
  maxQueuedEvents?: number;
  /** Bytes handed to the socket before the stream waits for them to drain. */
  highWaterBytes?: number;
  /** Keep-alive: a ping this often; a client that has not answered the last one by the next is dropped. */
  pingIntervalMs?: number;
  /** Events read from the log at a time while replaying history. */
  pageSize?: number;
}

/** Close code: the client fell too far behind; the reason says `since=<seq>` to resume from. */
export const CLOSE_SLOW_CONSUMER = 4008;
/** Close code (RFC 6455 §7.4.1): the server met an error it cannot stream past (the store). */
const CLOSE_INTERNAL = 1011;

const DEFAULTS = { maxQueuedEvents: 10_000, highWaterBytes: 1024 * 1024, pingIntervalMs: 30_000, pageSize: 500 };
type Limits = typeof DEFAULTS;

/** The part of a `ws` WebSocket this stream uses (`ws` ships no type declarations). */
interface EventSocket extends RawFrameSocket {
  readonly bufferedAmount: number;
  send(data: string | Buffer, options: { binary: boolean }, cb?: (err?: Error) => void): void;
  ping(): void;
  close(code: number, reason: string): void;
  terminate(): void;
  on(event: 'close' | 'pong', listener: () => void): void;
}

const EventsWsQuerystring = Type.Object(
  {
    since: Type.Optional(Type.Integer({ minimum: 0, description: 'Send every event after this sequence number first; without it the stream starts at live' })),
    types: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*(,[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*)*$', maxLength: 1000, description: 'Comma-separated event type prefixes, e.g. directory,device.registered' })),
  },
  { additionalProperties: false },
);

/** `types=directory,device.registered`: a prefix matches whole dot-separated segments, so `key` matches `key.created` but not `keyboard.x`. */
export function typeFilter(types: string | undefined): (type: string) => boolean {
  if (types === undefined) return () => true;
  const prefixes = types.split(',');
  return (type) => prefixes.some((p) => type === p || type.startsWith(`${p}.`));
}

class EventStream {
  private readonly queue: PbxEvent[] = [];
  /** Live events of this turn, sent together when it ends (event-batch.ts). */
  private readonly batch = new EventBatch(this);
  /** Highest seq the stream has covered: sent, or skipped by the type filter. */
  private cursor = 0;
  private live = false;
  private closed = false;
  private pumping = false;
  private drainWaiters: (() => void)[] = [];
  private readonly unsubscribe: () => void;
  private readonly stopPinging: () => void;

  constructor(
    private readonly socket: EventSocket,
    private readonly control: PbxControl,
    private readonly limits: Limits,
    private readonly accepts: (type: string) => boolean,
    private readonly log: FastifyBaseLogger,
  ) {
    // Subscribed before the log is read: an event appended while the history
    // is read is then in the log, in this queue, or both — never in neither.
    this.unsubscribe = control.events.subscribe((e) => this.onEvent(e));
    socket.on('close', () => this.dispose());
    this.stopPinging = keepAlive(socket, limits.pingIntervalMs, () => {
      this.log.info('event stream client did not answer a ping; dropping it');
      this.dispose();
      socket.terminate();
    });
  }

  async start(since: number | undefined): Promise<void> {
    try {
      const lastSeq = await this.control.events.lastSeq();
      if (this.closed) return;
      this.cursor = since ?? lastSeq;
      this.write(textFrame(Buffer.from(JSON.stringify({ type: 'hello', lastSeq, since: this.cursor }))));
      await this.replay();
      if (this.closed) return;
      this.live = true;
      await this.pump();
    } catch (err) {
      this.log.error({ err }, 'event stream failed');
      this.close(CLOSE_INTERNAL, `event log unavailable: resume with since=${String(this.cursor)}`);
    }
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    // The cursor counts what is batched as sent: it goes before the Close frame.
    this.flush();
    this.dispose();
    this.socket.close(code, reason);
  }

  private onEvent(e: PbxEvent): void {
    if (this.closed || e.seq <= this.cursor) return;
    // Live, nothing waiting and room in the socket: into this turn's batch, without the queue's promise.
    if (this.live && !this.pumping && this.queue.length === 0 && this.socket.bufferedAmount < this.limits.highWaterBytes) {
      this.cursor = e.seq;
      if (this.accepts(e.type)) this.batch.add(e);
      return;
    }
    this.queue.push(e);
    if (this.queue.length > this.limits.maxQueuedEvents) {
      this.log.warn({ cursor: this.cursor, queued: this.queue.length }, 'event stream client too slow; closing');
      this.close(CLOSE_SLOW_CONSUMER, `too slow: resume with since=${String(this.cursor)}`);
      return;
    }
    if (this.live) void this.pump();
  }

  private async replay(): Promise<void> {
    while (!this.closed) {
      await this.writable();
      if (this.closed) return;
      const page = await this.control.events.since(this.cursor, this.limits.pageSize);
      for (const e of page) if (!this.closed) this.deliver(e);
      // What the history just covered need not wait in the queue too.
      while (this.queue.length > 0 && (this.queue[0]?.seq ?? 0) <= this.cursor) this.queue.shift();
      if (page.length < this.limits.pageSize) return;
    }
  }

  /** Sends the queue in order; the EventLog notifies in seq order, so anything at or below the cursor is a repeat. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        if (this.socket.bufferedAmount >= this.limits.highWaterBytes) {
          await this.writable();
          continue;
        }
        const e = this.queue.shift();
        if (e !== undefined && e.seq > this.cursor) this.deliver(e);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Sends one event now, after whatever the batch holds (so frames keep the order of `seq`). */
  private deliver(e: PbxEvent): void {
    this.cursor = e.seq;
    if (!this.accepts(e.type)) return;
    this.flush();
    this.write(eventFrame(e));
  }

  /** Sends the batch; at the end of the turn, and before anything is sent past it. */
  flush(): void {
    if (this.batch.size === 0) return;
    if (this.closed) {
      this.batch.clear();
      return;
    }
    const sink = rawSink(this.socket);
    if (sink) {
      const data = this.batch.take();
      if (data !== undefined) this.write(data, sink);
    } else {
      for (const e of this.batch.drain()) this.write(eventFrame(e));
    }
  }

  /**
   * Writes complete frames. Straight to the TCP socket when ws holds nothing
   * back (ws-frame.ts: one write per socket, no per-send work in ws);
   * otherwise one message at a time through ws, in its own queue's order
   * (`frames` is then a single frame).
   */
  private write(frames: Buffer, sink: FrameSink | undefined = rawSink(this.socket)): void {
    // Only a write that fills the socket past the mark needs to say when it
    // has gone (it is the last one before the stream waits); a callback on
    // every write costs the fan-out more than the write itself.
    const last = this.socket.bufferedAmount + frames.length >= this.limits.highWaterBytes;
    const drained = last ? (): void => this.drained() : undefined;
    if (sink) sink.write(frames, drained);
    else this.socket.send(payloadOf(frames), { binary: false }, drained);
  }

  private drained(): void {
    if (this.closed || this.socket.bufferedAmount < this.limits.highWaterBytes) this.wake();
  }

  /** Resolves once the socket has taken what it was given, down to the high-water mark (or is closed). */
  private writable(): Promise<void> {
    if (this.closed || this.socket.bufferedAmount < this.limits.highWaterBytes) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Idempotent: the socket's close, a slow-client close and an unanswered ping all end here. */
  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.stopPinging();
    this.queue.length = 0;
    this.batch.clear();
    this.wake();
  }
}

export async function eventsWs(app: FastifyInstance, opts: EventsWsOptions): Promise<void> {
  const { control, ...given } = opts;
  const limits: Limits = { ...DEFAULTS, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
  const path = `${app.prefix}/events`;

  // Routed by the Upgrade header: find-my-way derives `upgrade` for every
  // request and falls back to the unconstrained poll route when it is absent.
  if (!app.hasConstraintStrategy('upgrade')) app.addConstraintStrategy(upgradeConstraint);

  // @fastify/websocket closes every client (1005, no code) as the server stops.
  beforeUpgradeRouting(app, keyIntoHeader((p) => p === path));

  app.get(
    '/events',
    {
      websocket: true,
      constraints: { upgrade: 'websocket' },
      exposeHeadRoute: false,
      config: { role: 'read' },
      schema: { tags: ['Events'], summary: 'The event log as a WebSocket stream, resumable from a sequence number', querystring: EventsWsQuerystring },
    },
    (socket: EventSocket, request) => {
      const { since, types } = request.query as { since?: number; types?: string };
      void new EventStream(socket, control, limits, typeFilter(types), request.log).start(since);
    },
  );
}
