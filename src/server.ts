// Composition root: reads the configuration, opens the store, wires the engine
// and the APIs, starts the listeners and stops them again on SIGTERM.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { Store } from './store/index.ts';
import { replayOutageJournal } from './store/outage-replay.ts';
import { createPbxControl } from './engine/pbx-control.ts';
import { buildHttpApp } from './api/http/app.ts';
import type { Ports } from './api/http/operations.ts';
import type { PbxControl } from './core/pbx-control.ts';
import { seedDemoDirectory, type DemoSummary } from './engine/demo.ts';
import { SipService } from './engine/sip-service.ts';
import { registerSipMetrics } from './engine/sip-metrics.ts';
import { registerHealthMetrics } from './engine/health-metrics.ts';
import { WebhookService } from './engine/webhooks/webhook-service.ts';
import { WireCrmNotifier } from './engine/crm/wirecrm-notifier.ts';
import { createSmsService } from './engine/sms/index.ts';
import { publicBaseUrl } from './engine/public-url.ts';
import { ParticipantAudio } from './engine/route-points/participant-audio.ts';
import { Cluster, callsOf, queueStatusOf } from './engine/cluster/cluster.ts';
import { advertisedHost } from './engine/advertised-host.ts';

/** In the data directory: events and CDRs waiting for an unreachable database (src/store/outage-journal.ts). */
export const OUTAGE_JOURNAL_FILE = 'outage-journal.jsonl';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface RunningServer {
  config: Config;
  store: Store;
  control: PbxControl;
  http: FastifyInstance;
  sip: SipService;
  webhooks: WebhookService;
  /** This node's part in a cluster (SWITCHBOARD_NATS_URL set). */
  cluster?: Cluster;
  logger: Logger;
  ports: Ports;
  /** Set when this start created the demo directory (first run). */
  demo?: DemoSummary;
  stop(): Promise<void>;
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { service: 'switchboard' } });
}

export async function startServer(config: Config, logger: Logger = createLogger(config)): Promise<RunningServer> {
  const store = await Store.open(config.databaseUrl);
  const report = await store.migrate();
  logger.info({ database: store.where, applied: report.applied }, 'store ready');
  mkdirSync(config.dataDir, { recursive: true });
  store.useOutageJournal(join(config.dataDir, OUTAGE_JOURNAL_FILE));
  store.health.onChange((available, err) => {
    if (available) logger.warn({ waiting: store.events.waiting }, 'database reachable again: storing the events and CDRs that waited');
    else logger.error({ err }, 'database unreachable: calls go on, events and CDRs wait in memory, API reads answer 503');
  });
  const sip = new SipService({ config, store, logger: logger.child({ component: 'sip' }) });
  // Before anything appends an event: in a cluster the JetStream stream numbers them.
  const cluster = config.natsUrl ? await Cluster.start({ natsUrl: config.natsUrl, clusterName: config.clusterName, nodeId: config.nodeId, store, sip, logger: logger.child({ component: 'cluster' }) }) : undefined;
  const sms = createSmsService(config, store, logger.child({ component: 'sms' }));
  const webhooks = new WebhookService({ store, logger: logger.child({ component: 'webhooks' }), allowPrivate: config.webhookAllowPrivate, backoffSeconds: config.webhookBackoff, timeoutMs: config.webhookTimeoutMs, leaseMs: config.webhookLeaseSeconds * 1000, userAgent: `Switchboard/${VERSION}` });
  await webhooks.start();
  cluster?.syncWebhookSubscriptions(webhooks.reloadable());
  const ports: Ports = { rtp: config.rtpPorts };
  if (config.crmUrl) {
    const crm = new WireCrmNotifier(webhooks.outbox, { url: config.crmUrl, events: config.crmEvents, internalCalls: config.crmInternalCalls, timeZone: config.timeZone, onCommitted: () => webhooks.deliverer.kick(), poster: webhooks.poster, replyTimeoutMs: config.crmReplyTimeoutMs, publicUrl: () => publicBaseUrl(config, ports.http ?? config.httpPort) });
    store.events.addWriter(crm);
    if (config.crmReplyTimeoutMs > 0) sip.b2bua.setRoutingAdvisor(async (call) => {
      const advice = await crm.advise(call.id);
      return advice && { ...(advice.callerName !== undefined ? { callerName: advice.callerName } : {}), ...(advice.redirect !== undefined ? { destination: advice.redirect } : {}) };
    }, config.crmReplyTimeoutMs + 250);
  }
  const routePoints = { attachApplication: (dn: string) => sip.b2bua.routePoints.attach(dn) };
  const media = new ParticipantAudio(sip.b2bua);
  const control = createPbxControl(store, { devices: sip.reachable, calls: callsOf(sip, cluster), recordings: sip.recordings, webhooks: webhooks.control(), ...(sms ? { sms } : {}), trunks: sip.trunks, voicemail: sip.b2bua.voicemail.messages, queues: queueStatusOf(sip, cluster), media, routePoints });
  sip.b2bua.setQueueLogin((queue, agent, loggedIn) => control.queues.setLogin(queue, agent, loggedIn));

  // Every writer is in place (webhook outbox, CRM): what waited for the database when the last process died is stored now, before any new call.
  await replayOutageJournal(store, logger, config.nodeId);
  const sipPorts = await sip.start();
  ports.sip = sipPorts;
  cluster?.announce({ host: advertisedHost(config.publicHost, config.host), port: sipPorts.udp });
  sms?.start();
  const http = await buildHttpApp({
    control,
    logger,
    ports: () => ports,
    ready: () => store.ready(),
    version: VERSION,
    metrics: (registry) => {
      registerSipMetrics(registry, sip);
      registerHealthMetrics(registry, store, sip.alarms);
    },
    cloudpbx: { pbxName: config.pbxName, timeZone: config.timeZone },
    callControlTokenSeconds: config.callControlTokenSeconds,
    ...(config.tlsCert && config.tlsKey ? { tls: { cert: config.tlsCert, key: config.tlsKey } } : {}),
  });
  await http.listen({ host: config.host, port: config.httpPort });
  const address = http.server.address();
  ports.http = typeof address === 'object' && address !== null ? address.port : config.httpPort;

  let demo: DemoSummary | undefined;
  if (config.demo) demo = await seedDemoDirectory(control, store);

  logger.info({ ports }, 'switchboard listening');
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      logger.info('stopping');
      await http.close();
      await sip.stop();
      await webhooks.stop();
      await sms?.stop();
      await cluster?.stop();
      await store.close();
    })());
  return { config, store, control, http, sip, webhooks, logger, ports, ...(cluster ? { cluster } : {}), ...(demo ? { demo } : {}), stop };
}
