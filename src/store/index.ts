// The store: one database for the directory, devices, keys, CDR, recordings,
// events and outboxes, shared by every API.
import type { Kysely } from 'kysely';
import { openDatabase, type SqlDialectName } from './dialect.ts';
import { migrateToLatest, pendingMigrations, type MigrationReport } from './migrate.ts';
import type { Database } from './schema.ts';
import { EntityStore } from './entity-store.ts';
import { ApiKeys } from './api-keys.ts';
import { DirectoryVersion } from './directory-version.ts';
import { EventLog } from './event-log.ts';
import { StoreHealth } from './store-health.ts';
import { OutageJournal } from './outage-journal.ts';
import * as maps from './directory/mappings.ts';

export class Store {
  readonly extensions: EntityStore;
  readonly extensionGroups: EntityStore;
  readonly ringGroups: EntityStore;
  readonly queues: EntityStore;
  readonly ivrs: EntityStore;
  readonly routePoints: EntityStore;
  readonly trunks: EntityStore;
  readonly outboundRules: EntityStore;
  readonly inboundRules: EntityStore;
  readonly contacts: EntityStore;
  readonly parameters: EntityStore;
  readonly keys: ApiKeys;
  readonly events: EventLog;
  /** Whether the database answers; writes that must not be lost wait for it through `health.untilStored`. */
  readonly health: StoreHealth;
  /** Where events and CDRs waiting for an unreachable database are also written (useOutageJournal). */
  journal: OutageJournal | undefined;
  private migrated = false;

  private constructor(
    readonly db: Kysely<Database>,
    readonly dialect: SqlDialectName,
    readonly where: string,
    health: StoreHealth,
  ) {
    this.health = health;
    const version = new DirectoryVersion(db);
    this.extensions = new EntityStore(db, maps.extensionMapping, version);
    this.extensionGroups = new EntityStore(db, maps.extensionGroupMapping, version);
    this.ringGroups = new EntityStore(db, maps.ringGroupMapping, version);
    this.queues = new EntityStore(db, maps.queueMapping, version);
    this.ivrs = new EntityStore(db, maps.ivrMapping, version);
    this.routePoints = new EntityStore(db, maps.routePointMapping, version);
    this.trunks = new EntityStore(db, maps.trunkMapping, version);
    this.outboundRules = new EntityStore(db, maps.outboundRuleMapping, version);
    this.inboundRules = new EntityStore(db, maps.inboundRuleMapping, version);
    this.contacts = new EntityStore(db, maps.contactMapping, version);
    this.parameters = new EntityStore(db, maps.parameterMapping, version);
    this.keys = new ApiKeys(db);
    this.events = new EventLog(db, undefined, this.health);
  }

  static async open(url: string): Promise<Store> {
    const health = new StoreHealth();
    const { db, dialect, where } = await openDatabase(url, health);
    return new Store(db, dialect, where, health);
  }

  /** From now on, writes that wait for the database are journalled to `path` (a file of the data directory). */
  useOutageJournal(path: string): OutageJournal {
    this.journal = new OutageJournal(path);
    this.events.useJournal(this.journal);
    return this.journal;
  }

  async migrate(): Promise<MigrationReport> {
    const report = await migrateToLatest(this.db, this.dialect);
    this.migrated = true;
    return report;
  }

  /** Store reachable and no migration pending (for /readyz). */
  async ready(): Promise<boolean> {
    try {
      if (!this.migrated) return (await pendingMigrations(this.db, this.dialect)).length === 0;
      await this.db.selectFrom('parameters').select('name').limit(1).execute();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.health.close();
    await this.db.destroy();
    this.journal?.close();
  }
}
