// Versioned migrations, run at start. Kysely's Migrator holds a lock table, so
// several nodes starting at once against one PostgreSQL apply each step once.
import { Migrator, sql, type Migration, type MigrationProvider, type Kysely } from 'kysely';
import type { SqlDialectName } from './dialect.ts';
import { migration001 } from './migrations/001-directory.ts';
import { migration002 } from './migrations/002-directory-version.ts';
import { migration003 } from './migrations/003-open-calls.ts';
import { migration004 } from './migrations/004-webhooks.ts';
import { migration005 } from './migrations/005-sms.ts';
import { migration007 } from './migrations/007-route-points.ts';
import { migration010 } from './migrations/010-device-path.ts';
import { migration011 } from './migrations/011-voicemail.ts';
import { migration012 } from './migrations/012-queue-service-level.ts';
import { migration015 } from './migrations/015-cluster-leases.ts';
import { migration017 } from './migrations/017-trunk-dns-srv.ts';
import { migration018 } from './migrations/018-voicemail-notified.ts';
import { migration019 } from './migrations/019-open-calls-node.ts';
import { migration020 } from './migrations/020-call-ids.ts';
import type { Database } from './schema.ts';

function provider(dialect: SqlDialectName): MigrationProvider {
  return {
    getMigrations: async (): Promise<Record<string, Migration>> => ({
      '001-directory': migration001(dialect),
      '002-directory-version': migration002,
      '003-open-calls': migration003,
      '004-webhooks': migration004,
      '005-sms': migration005,
      '007-route-points': migration007,
      '010-device-path': migration010,
      '011-voicemail': migration011,
      '012-queue-service-level': migration012,
      '015-cluster-leases': migration015,
      '017-trunk-dns-srv': migration017,
      '018-voicemail-notified': migration018,
      '019-open-calls-node': migration019,
      '020-call-ids': migration020,
    }),
  };
}

export interface MigrationReport {
  applied: string[];
  current: string[];
}

/**
 * The migrator, with its bookkeeping tables in the connection's own schema on
 * PostgreSQL: Kysely otherwise looks the lock table up in any schema, and a
 * database holding another schema's (a test run's, a second installation's)
 * makes it skip creating ours and then fail on it.
 */
async function migratorFor(db: Kysely<Database>, dialect: SqlDialectName): Promise<Migrator> {
  // Numbers are reserved per feature and land in any order (003 came after
  // 004 and 005): a database already at 005 must still get 003.
  const base = { db, provider: provider(dialect), allowUnorderedMigrations: true };
  if (dialect !== 'postgres') return new Migrator(base);
  const row = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = row.rows[0]?.schema;
  return new Migrator({ ...base, ...(schema ? { migrationTableSchema: schema } : {}) });
}

export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialectName): Promise<MigrationReport> {
  const migrator = await migratorFor(db, dialect);
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  const all = await migrator.getMigrations();
  return { applied, current: all.filter((m) => m.executedAt !== undefined).map((m) => m.name) };
}

export async function pendingMigrations(db: Kysely<Database>, dialect: SqlDialectName): Promise<string[]> {
  const migrator = await migratorFor(db, dialect);
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}
