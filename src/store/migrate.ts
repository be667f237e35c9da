// Versioned migrations, run at start. Kysely's Migrator holds a lock table, so
// several nodes starting at once against one PostgreSQL apply each step once.
import { Migrator, type Migration, type MigrationProvider, type Kysely } from 'kysely';
import type { SqlDialectName } from './dialect.ts';
import { migration001 } from './migrations/001-directory.ts';
import { migration002 } from './migrations/002-directory-version.ts';
import { migration005 } from './migrations/005-sms.ts';
import type { Database } from './schema.ts';

function provider(dialect: SqlDialectName): MigrationProvider {
  return {
    getMigrations: async (): Promise<Record<string, Migration>> => ({
      '001-directory': migration001(dialect),
      '002-directory-version': migration002,
      '005-sms': migration005,
    }),
  };
}

export interface MigrationReport {
  applied: string[];
  current: string[];
}

export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialectName): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: provider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  const all = await migrator.getMigrations();
  return { applied, current: all.filter((m) => m.executedAt !== undefined).map((m) => m.name) };
}

export async function pendingMigrations(db: Kysely<Database>, dialect: SqlDialectName): Promise<string[]> {
  const migrator = new Migrator({ db, provider: provider(dialect) });
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}
