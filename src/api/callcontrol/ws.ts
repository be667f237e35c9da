// GET /callcontrol/ws: 3CX's notification channel. Every change of a
// participant or device on a DN the token may see becomes one frame
// {"sequence":N,"event":{"event_type":…,"entity":"/callcontrol/{dn}/…","attached_data":{…}}}
// telling the client which entity to re-read; DTMF digits come in the frame
// itself. `sequence` counts this connection's frames from 1, without gaps.
import { keepAlive } from '../http/ws-keepalive.ts';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { PbxControl, PbxEvent } from '../../core/pbx-control.ts';
import type { EventPayloads } from '../../core/events.ts';
import { mayUse, type CallControlIdentity } from './auth.ts';
import type { AttachedData } from './attached-data.ts';
import { EVENT_TYPES, deviceEntity, partnerOf, participantEntity, type WireFrame } from './render.ts';

export interface CallControlWsOptions {
  control: PbxControl;
  attached: AttachedData;
  /** Keep-alive: a ping this often; a client that has not answered the last one by the next is dropped. */
  pingIntervalMs?: number;
  /** Bytes the socket may hold unsent before the client counts as gone (it re-reads the tree on reconnect). */
  highWaterBytes?: number;
}

/** Close code: the client does not take its frames (RFC 6455 §7.4.2 private range, as the native stream's 4008). */
const CLOSE_SLOW_CONSUMER = 4008;

interface FrameSocket {
  readonly bufferedAmount: number;
  send(data: string): void;
  ping(): void;
  close(code: number, reason: string): void;
  terminate(): void;
  on(event: 'close' | 'pong', listener: () => void): void;
}

type Event = Omit<WireFrame['event'], never>;

/** The frames one event of the log makes for this identity (none when it concerns DNs it may not see). */
function framesOf(e: PbxEvent, control: PbxControl, attached: AttachedData, id: CallControlIdentity): Event[] {
  switch (e.type) {
    case 'participant.updated': {
      const { participant: p } = e.payload as EventPayloads['participant.updated'];
      if (!mayUse(id, p.dn)) return [];
      const removed = p.status === 'Ended';
      return [{ event_type: removed ? EVENT_TYPES.remove : EVENT_TYPES.upsert, entity: participantEntity(p), attached_data: removed ? {} : attached.of(p.id) }];
    }
    case 'dtmf': {
      const d = e.payload as EventPayloads['dtmf'];
      const call = control.calls.list().find((c) => c.id === d.callId);
      const p = call?.participants.find((q) => q.id === d.participantId);
      if (!call || !p) return [];
      // A route point's application hears the caller: the digits show on its participant too.
      const party = partnerOf(call, p);
      const on = [p, ...(party?.dnType === 'RoutePoint' ? [party] : [])].filter((q) => mayUse(id, q.dn));
      return on.map((q) => ({ event_type: EVENT_TYPES.dtmf, entity: participantEntity(q), attached_data: { dtmf: d.digit, duration_ms: d.durationMs } }));
    }
    case 'device.registered':
    case 'device.unregistered': {
      const d = e.payload as EventPayloads['device.registered'] | EventPayloads['device.unregistered'];
      if (!mayUse(id, d.extension)) return [];
      return [{ event_type: e.type === 'device.registered' ? EVENT_TYPES.upsert : EVENT_TYPES.remove, entity: deviceEntity(d.extension, d.contact), attached_data: {} }];
    }
    default:
      return [];
  }
}

class NotificationChannel {
  private sequence = 0;
  private closed = false;
  private readonly cleanup: (() => void)[] = [];

  constructor(
    private readonly socket: FrameSocket,
    private readonly opts: Required<Omit<CallControlWsOptions, 'control' | 'attached'>> & Pick<CallControlWsOptions, 'control' | 'attached'>,
    private readonly identity: CallControlIdentity,
    private readonly log: FastifyBaseLogger,
  ) {
    const { control, attached } = opts;
    this.cleanup.push(control.events.subscribe((e) => this.sendAll(framesOf(e, control, attached, identity))));
    const onAttached = (participantId: string): void => {
      const p = control.calls.list().flatMap((c) => c.participants).find((q) => q.id === participantId);
      if (p && mayUse(identity, p.dn)) this.sendAll([{ event_type: EVENT_TYPES.upsert, entity: participantEntity(p), attached_data: attached.of(p.id) }]);
    };
    attached.on('changed', onAttached);
    this.cleanup.push(() => attached.off('changed', onAttached));
    this.cleanup.push(
      keepAlive(socket, opts.pingIntervalMs, () => {
        this.log.info('call control WebSocket client did not answer a ping; dropping it');
        this.dispose();
        socket.terminate();
      }),
    );
    // A live WebSocket of a token issued for a route point's DN is that route point's application.
    if (identity.dn !== '') this.cleanup.push(control.routePoints.attachApplication(identity.dn));
    socket.on('close', () => this.dispose());
  }

  private sendAll(events: Event[]): void {
    for (const event of events) {
      if (this.closed) return;
      if (this.socket.bufferedAmount > this.opts.highWaterBytes) {
        this.log.warn({ dn: this.identity.dn }, 'call control WebSocket client does not read; closing');
        this.dispose();
        this.socket.close(CLOSE_SLOW_CONSUMER, 'too slow: reconnect and re-read /callcontrol');
        return;
      }
      this.sequence += 1;
      this.socket.send(JSON.stringify({ sequence: this.sequence, event } satisfies WireFrame));
    }
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.cleanup) c();
  }
}

export async function callControlWs(app: FastifyInstance, opts: CallControlWsOptions): Promise<void> {
  const full = { pingIntervalMs: 30_000, highWaterBytes: 1024 * 1024, ...opts };
  app.get(
    '/callcontrol/ws',
    {
      websocket: true,
      config: { role: 'read' },
      schema: { tags: ['3CX Call Control'], summary: 'WebSocket of entity changes (Bearer token in the header)' },
    },
    (socket: FrameSocket, request) => {
      if (request.callControl) new NotificationChannel(socket, full, request.callControl, request.log);
    },
  );
}
