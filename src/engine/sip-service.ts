// The engine's SIP side: the stack on the configured port, the registrar over
// the location store, expiry of bindings and OPTIONS qualify.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Store } from '../store/index.ts';
import { isStoreUnavailable } from '../core/errors.ts';
import { Alarms } from './alarms.ts';
import { SipStack } from '../sip/sip-stack.ts';
import { AuthFailureGuard } from '../sip/security/auth-failure-guard.ts';
import { Registrar } from '../sip/registrar/registrar.ts';
import { LocationStore } from './registrations/location-store.ts';
import { ReachableLocations } from './registrations/reachable-locations.ts';
import { Qualifier } from './registrations/qualify.ts';
import { advertisedHost } from './advertised-host.ts';
import { PortAllocator } from '../media/port-allocator.ts';
import { B2bua } from './b2bua/b2bua.ts';
import { DialogRouter } from './b2bua/dialog-router.ts';
import { LegContext } from './b2bua/leg-context.ts';
import { RecordingService } from './recording/recording-service.ts';
import { MusicOnHold } from './music-on-hold/music-on-hold.ts';
import { TrunkRegistrations } from './trunks/trunk-registrations.ts';
import { QueueService } from './acd/queue-service.ts';
import { IvrPrompts } from './features/ivr-prompt.ts';
import { CdrWriter } from './cdr/cdr-writer.ts';
import { CallIds } from './b2bua/call-ids.ts';
import { OpenCallJournal } from './cdr/open-call-journal.ts';
import { recoverOpenCalls } from './cdr/crash-recovery.ts';
import { recoverOpenRecordings } from './recording/recording-recovery.ts';
import { voicemailNotifier } from './voicemail/voicemail-mailer-setup.ts';
import type { VoicemailNotifier } from './voicemail/voicemail-notifier.ts';

export interface SipServiceOptions {
  config: Config;
  store: Store;
  logger: Logger;
  /** OPTIONS probe interval; 0 turns qualify off. */
  qualifyIntervalMs?: number;
  expiryIntervalMs?: number;
}

export class SipService {
  readonly stack: SipStack;
  readonly guard: AuthFailureGuard;
  readonly locations: LocationStore;
  /** This node's bindings and, in a cluster, the other nodes' phones: where calls look. */
  readonly reachable: ReachableLocations;
  readonly registrar: Registrar;
  readonly qualifier: Qualifier;
  readonly b2bua: B2bua;
  readonly allocator: PortAllocator;
  readonly recordings: RecordingService;
  readonly alarms: Alarms;
  readonly musicOnHold: MusicOnHold;
  readonly trunks: TrunkRegistrations;
  readonly queues: QueueService;
  readonly cdr: CdrWriter;
  /** Call ids, leased in blocks from the database (unique across restarts and nodes). */
  private readonly callIds: CallIds;
  readonly journal: OpenCallJournal;
  /** Voicemail to e-mail, when SMTP is configured. */
  readonly voicemailMail: VoicemailNotifier | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SipServiceOptions) {
    const { config, store, logger } = options;
    this.guard = new AuthFailureGuard({ onBan: (address, until) => logger.warn({ address, until: new Date(until).toISOString() }, 'SIP source banned after repeated authentication failures') });
    this.stack = new SipStack({ host: config.host, port: config.sipPort, guard: this.guard, timers: { T1: config.sipT1Ms }, dnsServers: config.dnsServers, ...sipTls(config), onError: (err, where) => (isStoreUnavailable(err) ? logger.warn({ where, reason: (err as Error).message }, 'SIP request refused with 503: the database is unreachable') : logger.error({ err, where }, 'SIP handler failed')), isTemporary: isStoreUnavailable });
    this.locations = new LocationStore(store, config.nodeId);
    this.reachable = new ReachableLocations(this.locations);
    this.registrar = new Registrar(this.locations, this.guard, { realm: config.sipDomain, nonceSecret: randomBytes(32).toString('hex') });
    this.stack.on('REGISTER', (request, tx) => this.registrar.handle(request, tx.flow, tx));
    const host = advertisedHost(config.publicHost, config.host);
    this.allocator = new PortAllocator(config.rtpPorts, config.host);
    const ctx = new LegContext(this.stack, new DialogRouter(), host, { T1: config.sipT1Ms });
    this.cdr = new CdrWriter(store);
    this.callIds = new CallIds(store.db, logger.child({ component: 'call-ids' }));
    this.journal = new OpenCallJournal(store, logger.child({ component: 'journal' }), config.nodeId);
    const prompts = new IvrPrompts(config.dataDir, logger.child({ component: 'acd' }));
    this.queues = new QueueService({
      store,
      logger: logger.child({ component: 'acd' }),
      busyExtensions: () => this.b2bua.busyExtensions(),
      registered: (ext) => this.locations.bindings(ext).some((b) => b.reachable),
      timeZone: config.timeZone,
      dataDir: config.dataDir,
      mohFile: config.mohFile,
      speak: (text) => prompts.spoken(text),
    });
    this.b2bua = new B2bua({ ctx, store, locations: this.reachable, registrar: this.registrar, guard: this.guard, allocator: this.allocator, logger: logger.child({ component: 'b2bua' }), rtpTimeoutSeconds: config.rtpTimeoutSeconds, timeZone: config.timeZone, dataDir: config.dataDir, queues: this.queues, cdr: this.cdr, journal: this.journal, conferenceRooms: config.conferenceRooms, parkTimeoutSeconds: config.parkTimeoutSeconds, callIds: this.callIds });
    this.alarms = new Alarms(store, logger.child({ component: 'alarms' }));
    this.recordings = new RecordingService({ calls: this.b2bua, store, dataDir: config.dataDir, logger: logger.child({ component: 'recording' }), alarms: this.alarms });
    this.musicOnHold = new MusicOnHold({ calls: this.b2bua, store, file: config.mohFile, logger: logger.child({ component: 'moh' }) });
    this.trunks = new TrunkRegistrations({ stack: this.stack, store, host, onError: (err) => logger.error({ err }, 'trunk registration failed') });
    this.voicemailMail = voicemailNotifier(config, store, logger.child({ component: 'voicemail-mail' }));
    this.qualifier = new Qualifier(this.stack, this.locations, { intervalMs: options.qualifyIntervalMs ?? 30_000, domain: config.sipDomain, host, onError: (err) => logger.error({ err }, 'qualify failed') });
  }

  async start(): Promise<{ udp: number; tcp: number; tls?: number }> {
    const restored = await this.locations.load();
    // Before any new call: what a crash of the previous process left open.
    // In a cluster the other nodes' rows are live calls: only this node's (and those from before migration 019).
    const cut = await recoverOpenCalls(this.options.store, this.cdr, this.options.logger, [this.options.config.nodeId, '']);
    const cutRecordings = await recoverOpenRecordings(this.options.store, this.recordings.rows, this.options.logger);
    if (cut.length > 0 || cutRecordings > 0) this.options.logger.warn({ calls: cut.length, recordings: cutRecordings }, 'recovered from a crash');
    this.journal.start();
    await this.callIds.start();
    await this.voicemailMail?.start();
    const ports = await this.stack.start();
    if (restored > 0) this.options.logger.info({ restored }, 'registrations restored');
    this.expiryTimer = setInterval(() => {
      this.registrar.expire().catch((err: unknown) => this.options.logger.error({ err }, 'expiring registrations failed'));
    }, this.options.expiryIntervalMs ?? 5000);
    this.expiryTimer.unref();
    if ((this.options.qualifyIntervalMs ?? 30_000) > 0) this.qualifier.start();
    await this.trunks.start();
    return ports;
  }

  async stop(): Promise<void> {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.qualifier.stop();
    await this.trunks.stop();
    this.b2bua.closeAll();
    this.queues.close();
    this.musicOnHold.close();
    await this.recordings.close();
    await this.stack.close();
    await this.locations.flush();
    this.journal.stop();
    this.callIds.close();
    this.voicemailMail?.close();
  }
}

/** SIP over TLS when a port is set: the HTTPS certificate, and the extra CAs for trunks. */
function sipTls(config: Config): { tls?: { port: number; cert: string; key: string; ca?: string[] } } {
  if (config.sipTlsPort === undefined || config.tlsCert === undefined || config.tlsKey === undefined) return {};
  const ca = config.sipTlsCa === undefined ? undefined : [readFileSync(config.sipTlsCa, 'utf8')];
  return { tls: { port: config.sipTlsPort, cert: readFileSync(config.tlsCert, 'utf8'), key: readFileSync(config.tlsKey, 'utf8'), ...(ca ? { ca } : {}) } };
}
