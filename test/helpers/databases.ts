// The store suites run once per database: embedded SQLite in a temp dir, and
// the PostgreSQL server at 127.0.0.1:5432 in a schema of its own, dropped after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.SWITCHBOARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  url: string;
  drop(): Promise<void>;
}

export async function sqliteDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-test-'));
  return { name: 'sqlite', url: `sqlite://${join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export async function postgresDatabase(): Promise<TestDatabase> {
  const schema = `sb_test_${randomBytes(6).toString('hex')}`;
  return {
    name: 'postgres',
    url: `${PG_URL}?schema=${schema}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

export const DATABASES: [string, () => Promise<TestDatabase>][] = [
  ['sqlite', sqliteDatabase],
  ['postgres', postgresDatabase],
];
