// Two (or more) Switchboard nodes on one PostgreSQL schema and one NATS, with
// deploy/kamailio/kamailio.cfg in front: what test/scale/*.test.ts start.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { connect } from 'nats';
import { Kamailio } from '../peers/kamailio.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import type { TestDatabase } from '../helpers/databases.ts';

export const NATS_URL = process.env.SWITCHBOARD_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
export const FRONT_CFG = new URL('../../deploy/kamailio/kamailio.cfg', import.meta.url).pathname;

/** A node of the test cluster, named a, b, … */
export async function startNode(db: TestDatabase, cluster: string, node: string, first: boolean, env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({
    SWITCHBOARD_DATABASE_URL: db.url,
    SWITCHBOARD_NATS_URL: NATS_URL,
    SWITCHBOARD_CLUSTER_NAME: cluster,
    SWITCHBOARD_NODE_ID: node,
    // Only the first node seeds the demo directory; the others share it.
    SWITCHBOARD_DEMO: first ? 'true' : 'false',
    ...env,
  });
}

/** The same node settings for a child process (`bin/switchboard.js start`), which a test can kill -9. */
export function nodeEnv(db: TestDatabase, cluster: string, node: string, first: boolean): Record<string, string> {
  return { SWITCHBOARD_DATABASE_URL: db.url, SWITCHBOARD_NATS_URL: NATS_URL, SWITCHBOARD_CLUSTER_NAME: cluster, SWITCHBOARD_NODE_ID: node, SWITCHBOARD_DEMO: first ? 'true' : 'false', SWITCHBOARD_SIP_PORT: '0', SWITCHBOARD_LOG_LEVEL: 'warn' };
}

export function clusterName(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/** Kamailio with the shipped front config, dispatching to the given SIP ports, probing every second. */
export async function startFront(sipPorts: number[]): Promise<{ kam: Kamailio; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-front-'));
  const list = join(dir, 'dispatcher.list');
  await writeFile(list, sipPorts.map((p, i) => `1 sip:127.0.0.1:${String(p)} 0 0 duid=node${String(i)}\n`).join(''));
  const kam = await Kamailio.start({ cfg: FRONT_CFG, defines: { DS_LIST_FILE: `"${list}"`, DS_PING_INTERVAL: '1', FR_TIMER: '1000', NCHILD: '2' } });
  return {
    kam,
    stop: async () => {
      await kam.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Removes the test cluster's JetStream stream. */
export async function deleteStream(cluster: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(`SWITCHBOARD_${cluster}_EVENTS`).catch(() => false);
  } finally {
    await nc.close();
  }
}

interface WsClient {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): void;
}
type WsConstructor = new (url: string, protocols?: string[], options?: { headers?: Record<string, string> }) => WsClient;
const WebSocket = createRequire(import.meta.url)('ws') as WsConstructor;

export interface StreamedEvent {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
}

/** The native event WebSocket of one node, collecting what it sends. */
export class EventSocket {
  readonly events: StreamedEvent[] = [];
  hello: { lastSeq: number } | undefined;
  readonly opened: Promise<void>;
  private readonly ws: WsClient;

  constructor(t: TestServer, query = '') {
    this.ws = new WebSocket(`ws://127.0.0.1:${String(t.server.ports.http)}/api/v1/events${query}`, [], { headers: { authorization: `Bearer ${t.adminKey}` } });
    let helloSeen: () => void = () => undefined;
    this.opened = new Promise((resolve, reject) => {
      helloSeen = resolve;
      this.ws.on('error', reject);
    });
    this.ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { type: string; seq?: number; lastSeq?: number; payload?: Record<string, unknown> };
      if (f.type === 'hello') {
        this.hello = { lastSeq: f.lastSeq ?? 0 };
        helloSeen();
      } else if (f.seq !== undefined) this.events.push({ seq: f.seq, type: f.type, payload: f.payload ?? {} });
    });
  }

  close(): void {
    this.ws.close();
  }
}
