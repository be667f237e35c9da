// The CloudPBX event channel, `/ws/pbx_{NAME}?pbxkey=KEY` (seed 003 §2):
// frames `{"id":N,"channel":"pbx_NAME","text":{…}}`, one event object each.
// Extension states come from one PresenceTracker fed by the event log and
// shared by every connection; a connection first gets the state of every
// extension, then each change once.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { PbxControl, PbxEvent } from '../../core/pbx-control.ts';
import { PresenceTracker } from '../../core/presence.ts';
import { frame, renderPresence, renderSmsStatus, type Site } from './render.ts';
import { WsParams } from './schemas.ts';
import { PbxError } from '../../core/errors.ts';
import { renderQmember, renderQueueFrame, renderCmember } from './queue-frames.ts';
import { beforeUpgradeRouting } from '../http/ws-key.ts';

export interface PbxWsOptions {
  control: PbxControl;
  site: Site;
  /**
   * An empty frame this often. The sample PHP client (Textalk websocket-php)
   * gives up when a read waits 5 s, so an idle PBX must still speak.
   */
  keepAliveMs?: number;
}

/** Bytes a client may leave unread before it is cut off: a stalled reader must not grow our memory. */
const MAX_BUFFERED = 4 * 1024 * 1024;

/** The part of a `ws` WebSocket this channel uses (`ws` ships no type declarations). */
interface PbxSocket {
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
  terminate(): void;
  on(event: 'close', listener: () => void): void;
}

class Client {
  /** Section 2.2 "kolejny numer komunikatu": the running number of this connection's messages. */
  private id = 0;
  private readonly keepAlive: NodeJS.Timeout;
  closed = false;

  constructor(
    private readonly socket: PbxSocket,
    private readonly site: Site,
    keepAliveMs: number,
    private readonly onClose: (c: Client) => void,
  ) {
    socket.on('close', () => this.dispose());
    this.keepAlive = setInterval(() => this.send({}), keepAliveMs);
    this.keepAlive.unref();
  }

  send(text: object): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED) {
      this.dispose();
      this.socket.terminate();
      return;
    }
    this.id += 1;
    this.socket.send(frame(this.id, text, this.site));
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    this.onClose(this);
  }
}

/** Turns events into presence changes and fans them out; one per plugin. */
class PresenceHub {
  private readonly clients = new Set<Client>();
  /** What was last said for each extension, so a repeat says nothing. */
  private readonly last = new Map<string, string>();
  /** Changes went by with nobody connected, so `last` was not kept (it is rebuilt on attach). */
  private lastStale = false;
  private tracker: PresenceTracker | undefined;
  private readonly early: PbxEvent[] = [];
  private readonly unsubscribe: () => void;
  /** Per queue: its name and how many callers it last said were waiting. */
  private readonly queues = new Map<string, { name: string; calls: number }>();
  /** Per `queue/extension`: the agent's last qmember, for the snapshot a new connection gets. */
  private readonly agents = new Map<string, object>();

  constructor(
    private readonly control: PbxControl,
    private readonly site: Site,
  ) {
    // Subscribed before the snapshot is read; what arrives meanwhile is applied
    // after it (the tracker's apply is idempotent, so overlap is harmless).
    this.unsubscribe = control.events.subscribe((e) => this.onEvent(e));
  }

  async start(): Promise<void> {
    const extensions: string[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await this.control.directory.extensions.list({ limit: 1000, offset });
      extensions.push(...page.items.map((i) => String(i.number)));
      if (page.items.length < 1000) break;
    }
    const devices = await this.control.devices.list();
    this.tracker = new PresenceTracker({ extensions, devices, calls: this.control.calls.list() });
    for (const ext of this.tracker.list()) this.last.set(ext, JSON.stringify(this.tracker.presence(ext)));
    await this.loadQueues();
    for (const e of this.early.splice(0)) this.onEvent(e);
  }

  /** Every queue's waiting callers and agents now, so a connection starts with them too. */
  private async loadQueues(): Promise<void> {
    for (let offset = 0; ; offset += 1000) {
      const page = await this.control.directory.queues.list({ limit: 1000, offset });
      for (const q of page.items) {
        try {
          const s = await this.control.queues.status(String(q.number));
          this.queues.set(s.queue, { name: s.name, calls: s.waiting.length });
          for (const a of s.agents) this.agents.set(`${a.queue}/${a.extension}`, renderQmember(a, this.site));
        } catch {
          // Without the engine (or a queue just deleted) there is nothing live to say.
        }
      }
      if (page.items.length < 1000) break;
    }
  }

  stop(): void {
    this.unsubscribe();
  }

  attach(client: Client): void {
    this.clients.add(client);
    const tracker = this.tracker;
    if (!tracker) return;
    if (this.lastStale) {
      for (const ext of tracker.list()) this.last.set(ext, JSON.stringify(tracker.presence(ext)));
      this.lastStale = false;
    }
    for (const ext of tracker.list()) for (const text of renderPresence(tracker.presence(ext), this.site)) client.send(text);
    for (const [queue, q] of this.queues) client.send(renderQueueFrame({ queue, name: q.name, waiting: { length: q.calls } }));
    for (const text of this.agents.values()) client.send(text);
  }

  detach(client: Client): void {
    this.clients.delete(client);
  }

  private onEvent(e: PbxEvent): void {
    if (e.type === 'sms.updated') {
      const text = renderSmsStatus(e.payload as PbxEvent<'sms.updated'>['payload']);
      for (const c of this.clients) c.send(text);
      return;
    }
    if (e.type === 'queue.updated' || e.type === 'queue.agent') return this.onQueueEvent(e);
    if (e.type === 'conference.member') {
      const text = renderCmember((e as PbxEvent<'conference.member'>).payload, this.site);
      for (const c of this.clients) c.send(text);
      return;
    }
    const tracker = this.tracker;
    if (!tracker) {
      this.early.push(e);
      return;
    }
    const changed = tracker.apply(e);
    // Nobody to tell: keep the tracker, skip rendering (3 % of a call's CPU at 150 calls/s).
    if (this.clients.size === 0) {
      if (changed.length > 0) this.lastStale = true;
      return;
    }
    for (const ext of changed) {
      const p = tracker.presence(ext);
      const said = JSON.stringify(p);
      if (this.last.get(ext) === said) continue;
      this.last.set(ext, said);
      const texts = renderPresence(p, this.site);
      for (const c of this.clients) for (const text of texts) c.send(text);
    }
  }

  /** `queue` when the number of waiting callers changes; `qmember` for every agent change. */
  private onQueueEvent(e: PbxEvent): void {
    if (e.type === 'queue.updated') {
      const s = (e as PbxEvent<'queue.updated'>).payload;
      const known = this.queues.get(s.queue);
      this.queues.set(s.queue, { name: s.name, calls: s.waiting.length });
      if (known?.calls === s.waiting.length || (!known && s.waiting.length === 0)) return;
      const text = renderQueueFrame(s);
      for (const c of this.clients) c.send(text);
      return;
    }
    const a = (e as PbxEvent<'queue.agent'>).payload;
    const text = renderQmember(a, this.site);
    this.agents.set(`${a.queue}/${a.extension}`, text);
    for (const c of this.clients) c.send(text);
  }
}

/**
 * Browsers and the seed's clients put the key in the URL (`?pbxkey=`): it
 * becomes the `Authorization` header before Fastify routes the upgrade, so the
 * same key check as every REST route refuses a bad key before the upgrade,
 * and the key leaves the URL (and so every log).
 */
function pbxkeyIntoHeader(req: IncomingMessage): void {
  const url = req.url ?? '';
  if (!url.startsWith('/ws/pbx_')) return;
  const q = url.indexOf('?');
  if (q === -1) return;
  const params = new URLSearchParams(url.slice(q + 1));
  const key = params.get('pbxkey');
  if (key === null) return;
  params.delete('pbxkey');
  const rest = params.toString();
  req.url = rest === '' ? url.slice(0, q) : `${url.slice(0, q)}?${rest}`;
  if (key !== '' && req.headers.authorization === undefined && req.headers['x-api-key'] === undefined) req.headers.authorization = `Bearer ${key}`;
}

export async function pbxWs(app: FastifyInstance, opts: PbxWsOptions): Promise<void> {
  const { control, site } = opts;
  const keepAliveMs = opts.keepAliveMs ?? 2500;
  const hub = new PresenceHub(control, site);
  await hub.start();
  beforeUpgradeRouting(app, pbxkeyIntoHeader);
  app.addHook('onClose', async () => hub.stop());

  app.get(
    '/ws/pbx_:name',
    {
      websocket: true,
      exposeHeadRoute: false,
      config: { role: 'read' },
      schema: { tags: ['CloudPBX'], summary: 'CloudPBX event channel (WebSocket); key as ?pbxkey=', params: WsParams },
      // Refused before the upgrade: a client asking for another PBX gets a 404, not a silent channel.
      preHandler: async (request) => {
        const { name } = request.params as { name: string };
        if (name !== site.pbxName) throw new PbxError('SB_NOT_FOUND', `no PBX named ${name} here`);
      },
    },
    (socket: PbxSocket) => {
      hub.attach(new Client(socket, site, keepAliveMs, (c) => hub.detach(c)));
    },
  );
}
