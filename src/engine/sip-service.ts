// The engine's SIP side: the stack on the configured port, the registrar over
// the location store, expiry of bindings and OPTIONS qualify.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Store } from '../store/index.ts';
import { SipStack } from '../sip/sip-stack.ts';
import { AuthFailureGuard } from '../sip/security/auth-failure-guard.ts';
import { Registrar } from '../sip/registrar/registrar.ts';
import { LocationStore } from './registrations/location-store.ts';
import { Qualifier } from './registrations/qualify.ts';
import { advertisedHost } from './advertised-host.ts';
import { PortAllocator } from '../media/port-allocator.ts';
import { B2bua } from './b2bua/b2bua.ts';
import { DialogRouter } from './b2bua/dialog-router.ts';
import { LegContext } from './b2bua/leg-context.ts';
import { RecordingService } from './recording/recording-service.ts';
import { MusicOnHold } from './music-on-hold/music-on-hold.ts';
import { TrunkRegistrations } from './trunks/trunk-registrations.ts';

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
  readonly registrar: Registrar;
  readonly qualifier: Qualifier;
  readonly b2bua: B2bua;
  readonly allocator: PortAllocator;
  readonly recordings: RecordingService;
  readonly musicOnHold: MusicOnHold;
  readonly trunks: TrunkRegistrations;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SipServiceOptions) {
    const { config, store, logger } = options;
    this.guard = new AuthFailureGuard({ onBan: (address, until) => logger.warn({ address, until: new Date(until).toISOString() }, 'SIP source banned after repeated authentication failures') });
    this.stack = new SipStack({ host: config.host, port: config.sipPort, guard: this.guard, timers: { T1: config.sipT1Ms }, onError: (err, where) => logger.error({ err, where }, 'SIP handler failed') });
    this.locations = new LocationStore(store);
    this.registrar = new Registrar(this.locations, this.guard, { realm: config.sipDomain, nonceSecret: randomBytes(32).toString('hex') });
    this.stack.on('REGISTER', (request, tx) => this.registrar.handle(request, tx.flow, tx));
    const host = advertisedHost(config.publicHost, config.host);
    this.allocator = new PortAllocator(config.rtpPorts, config.host);
    const ctx = new LegContext(this.stack, new DialogRouter(), host, { T1: config.sipT1Ms });
    this.b2bua = new B2bua({ ctx, store, locations: this.locations, registrar: this.registrar, guard: this.guard, allocator: this.allocator, logger: logger.child({ component: 'b2bua' }), rtpTimeoutSeconds: config.rtpTimeoutSeconds, timeZone: config.timeZone, dataDir: config.dataDir, conferenceRooms: config.conferenceRooms });
    this.recordings = new RecordingService({ calls: this.b2bua, store, dataDir: config.dataDir, logger: logger.child({ component: 'recording' }) });
    this.musicOnHold = new MusicOnHold({ calls: this.b2bua, store, file: config.mohFile, logger: logger.child({ component: 'moh' }) });
    this.trunks = new TrunkRegistrations({ stack: this.stack, store, host, onError: (err) => logger.error({ err }, 'trunk registration failed') });
    this.qualifier = new Qualifier(this.stack, this.locations, { intervalMs: options.qualifyIntervalMs ?? 30_000, domain: config.sipDomain, host, onError: (err) => logger.error({ err }, 'qualify failed') });
  }

  async start(): Promise<{ udp: number; tcp: number }> {
    const restored = await this.locations.load();
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
    this.musicOnHold.close();
    await this.recordings.close();
    await this.stack.close();
    await this.locations.flush();
  }
}
