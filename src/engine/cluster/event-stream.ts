// The event log carried over one JetStream stream: the cluster's one total
// order. Each node publishes its events to the stream (subject …events.<node>)
// and takes the stream's sequence number as the event's `seq`; the database
// row keeps the same number. Every node reads the whole stream in order with
// an ordered consumer, so a WebSocket on any node sends the same events with
// the same numbers in the same order, and `?since=N` means the same on every
// node. History the stream no longer keeps (max age) is read from the
// database, which holds every event under the same numbers.
import { DeliverPolicy, JSONCodec, RetentionPolicy, StorageType, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import type { EventLog, EventTransport } from '../../store/event-log.ts';
import type { EventType, PbxEvent } from '../../core/events.ts';
import { nodeOfSubject, type ClusterNames } from './names.ts';

interface WireEvent {
  type: EventType;
  at: string;
  payload: unknown;
}

const codec = JSONCodec<WireEvent>();

/** How long the stream keeps events; older ones are read from the database. */
const MAX_AGE_NS = 7 * 24 * 3600 * 1e9;
/** Longest wait for a page of history from the stream. */
const FETCH_EXPIRES_MS = 5000;

export type ClusterEventListener = (event: PbxEvent, node: string) => void;

export class JetStreamEventStream implements EventTransport {
  private readonly js: JetStreamClient;
  private jsm: JetStreamManager | undefined;
  private live: ConsumerMessages | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: ClusterNames,
    private readonly node: string,
    private readonly log: EventLog,
    private readonly onEvent: ClusterEventListener,
  ) {
    this.js = nc.jetstream();
  }

  /** Creates the stream if it is missing, then follows it from its end. */
  async start(): Promise<void> {
    const jsm = (this.jsm = await this.nc.jetstreamManager());
    let last: number;
    try {
      last = (await jsm.streams.info(this.names.stream)).state.last_seq;
    } catch {
      // A database that already holds events (a single node turned into a
      // cluster) continues its numbering: the stream starts after them.
      const stored = await this.log.storedLastSeq();
      await jsm.streams.add({
        name: this.names.stream,
        subjects: [this.names.eventsWildcard],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: MAX_AGE_NS,
        ...(stored > 0 ? { first_seq: stored + 1 } : {}),
      });
      last = (await jsm.streams.info(this.names.stream)).state.last_seq;
    }
    const consumer = await this.js.consumers.get(this.names.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: last + 1 });
    const messages = (this.live = await consumer.consume());
    this.reading = (async () => {
      for await (const m of messages) {
        const e = this.decode(m.seq, m.data);
        if (!e) continue;
        this.onEvent(e, nodeOfSubject(m.subject));
        this.log.deliver(e);
      }
    })();
  }

  async stop(): Promise<void> {
    await this.live?.close();
    await this.reading.catch(() => undefined);
  }

  async sequence(type: EventType, at: string, payload: unknown): Promise<number> {
    const ack = await this.js.publish(this.names.eventSubject(this.node), codec.encode({ type, at, payload }));
    return ack.seq;
  }

  async lastSeq(): Promise<number> {
    return (await this.manager().streams.info(this.names.stream)).state.last_seq;
  }

  async since(seq: number, limit: number): Promise<PbxEvent[]> {
    const { first_seq: first, last_seq: last } = (await this.manager().streams.info(this.names.stream)).state;
    if (seq >= last || limit <= 0) return [];
    // Older than the stream keeps: the database has them under the same numbers.
    if (seq + 1 < first) return this.log.stored(seq, Math.min(limit, first - 1 - seq));
    const want = Math.min(limit, last - seq);
    const consumer = await this.js.consumers.get(this.names.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq + 1 });
    const out: PbxEvent[] = [];
    const page = await consumer.fetch({ max_messages: want, expires: FETCH_EXPIRES_MS });
    for await (const m of page) {
      const e = this.decode(m.seq, m.data);
      if (e) out.push(e);
      if (m.seq >= seq + want) break;
    }
    return out;
  }

  private manager(): JetStreamManager {
    if (!this.jsm) throw new Error('event stream not started');
    return this.jsm;
  }

  private decode(seq: number, data: Uint8Array): PbxEvent | undefined {
    try {
      const w = codec.decode(data);
      return { seq, type: w.type, at: w.at, payload: w.payload } as PbxEvent;
    } catch {
      // Not ours (someone published junk on our subject): skip it rather than stop reading.
      return undefined;
    }
  }
}
