// Keeps one TrunkRegistration per enabled trunk with `register: true`, follows
// directory changes (`directory.changed`, entity `trunks`) without a restart,
// and turns status changes into `trunk.status` events.
import type { Store } from '../../store/index.ts';
import type { PbxEvent } from '../../core/events.ts';
import type { TrunkStatus } from '../../core/trunk-status.ts';
import type { Trunk } from '../../core/directory/trunk.ts';
import { PbxError } from '../../core/errors.ts';
import type { SipStack } from '../../sip/sip-stack.ts';
import { DEFAULT_TIMING, TrunkRegistration, type RegistrationConfig, type RegistrationTiming } from './trunk-registration.ts';

export interface TrunkRegistrationsOptions {
  stack: SipStack;
  store: Store;
  /** Host we put in Via and Contact. */
  host: string;
  timing?: Partial<RegistrationTiming>;
  onError?: (err: unknown) => void;
}

interface Entry {
  /** What the registration was built from; a change of any of it means a new binding. */
  fingerprint: string;
  registration: TrunkRegistration | undefined;
  /** Status of a trunk that does not register. */
  idle: TrunkStatus;
}

function configOf(t: Trunk): RegistrationConfig {
  return { trunkId: t.id, name: t.name, host: t.host, port: t.port, transport: t.transport, dnsSrv: t.dnsSrv, username: t.username, authId: t.authId, password: t.password ?? '', expires: t.registerExpires };
}

function registers(t: Trunk): boolean {
  return t.enabled && t.register && t.host !== '' && (t.username !== '' || t.authId !== '');
}

export class TrunkRegistrations {
  private readonly entries = new Map<number, Entry>();
  /** Directory changes are applied one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private readonly timing: RegistrationTiming;

  constructor(private readonly options: TrunkRegistrationsOptions) {
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
  }

  /** Loads every trunk and starts registering; does not wait for the registrars' answers. */
  async start(): Promise<void> {
    this.unsubscribe = this.options.store.events.subscribe((e) => this.onEvent(e));
    for (let offset = 0; ; offset += 1000) {
      const page = await this.options.store.trunks.list({ limit: 1000, offset }, { withSecrets: true });
      for (const t of page.items) this.apply(t as Trunk);
      if (offset + page.items.length >= page.total || page.items.length === 0) break;
    }
  }

  status(): TrunkStatus[] {
    return [...this.entries.values()].map((e) => e.registration?.status ?? { ...e.idle }).sort((a, b) => a.trunkId - b.trunkId);
  }

  /** Removes every binding (Expires: 0), each waiting at most unregisterTimeoutMs. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.queue;
    await Promise.all([...this.entries.values()].map((e) => e.registration?.stop()));
  }

  private onEvent(e: PbxEvent): void {
    if (e.type !== 'directory.changed') return;
    const p = e.payload as PbxEvent<'directory.changed'>['payload'];
    if (p.entity !== 'trunks') return;
    const id = Number(p.key);
    this.queue = this.queue.then(() => this.reload(id)).catch((err: unknown) => this.options.onError?.(err));
  }

  private async reload(id: number): Promise<void> {
    let trunk: Trunk | undefined;
    try {
      trunk = (await this.options.store.trunks.get(id, { withSecrets: true })) as Trunk;
    } catch (err) {
      if (!(err instanceof PbxError && err.code === 'SB_NOT_FOUND')) throw err;
    }
    if (!trunk) {
      const gone = this.entries.get(id);
      this.entries.delete(id);
      await gone?.registration?.stop();
      return;
    }
    const old = this.entries.get(id);
    const fingerprint = JSON.stringify({ ...configOf(trunk), name: undefined, registers: registers(trunk) });
    if (old && old.fingerprint === fingerprint) {
      old.registration?.rename(trunk.name);
      old.idle = { ...old.idle, name: trunk.name };
      return;
    }
    // §10.2: a changed registrar, account or contact is a new binding; the old one goes first.
    await old?.registration?.stop();
    this.apply(trunk, old?.registration?.status);
  }

  private apply(trunk: Trunk, previous?: TrunkStatus): void {
    const config = configOf(trunk);
    const fingerprint = JSON.stringify({ ...config, name: undefined, registers: registers(trunk) });
    const idle: TrunkStatus = previous
      ? { ...previous, name: trunk.name, nextAttemptAt: null }
      : { trunkId: trunk.id, name: trunk.name, state: 'notRegistering', code: null, reason: '', expiresAt: null, nextAttemptAt: null };
    const entry: Entry = { fingerprint, registration: undefined, idle };
    this.entries.set(trunk.id, entry);
    if (!registers(trunk)) return;
    entry.registration = new TrunkRegistration(config, {
      stack: this.options.stack,
      host: this.options.host,
      timing: this.timing,
      onStatus: (s) => this.publish(s),
    });
    entry.registration.start();
  }

  private publish(status: TrunkStatus): void {
    this.options.store.events.append('trunk.status', status).catch((err: unknown) => this.options.onError?.(err));
  }
}
