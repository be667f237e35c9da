// Opens the database named by SWITCHBOARD_DATABASE_URL: an embedded SQLite file
// (WAL) by default, PostgreSQL for production and for several nodes.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect, SqliteDriver, PostgresDialect, CamelCasePlugin, CompiledQuery, sql, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { Database } from './schema.ts';

export type SqlDialectName = 'sqlite' | 'postgres';

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: SqlDialectName;
  /** A human description without credentials, for logs. */
  where: string;
}

// PostgreSQL BIGINT (events.seq, COUNT(*)) arrives as a string by default; our
// numbers stay far below 2^53, so read them as numbers.
pg.types.setTypeParser(20, (v: string) => Number(v));

// Kysely asks better-sqlite3 to prepare every query anew, and preparing (SQLite
// parsing and planning the text) was 10 % of the CPU of a REGISTER load.
// Statements are reusable, and Kysely runs each one to completion before the
// next, so they are cached by their SQL text.
function withStatementCache(handle: SqliteDatabase.Database): { prepare(sql: string): SqliteDatabase.Statement; close(): void } {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt === undefined) {
        stmt = handle.prepare(sql);
        if (cache.size >= 2000) cache.clear();
        cache.set(sql, stmt);
      }
      return stmt;
    },
    close() {
      cache.clear();
      handle.close();
    },
  };
}

/**
 * SQLite: every transaction takes the write lock as it begins (BEGIN
 * IMMEDIATE, https://sqlite.org/lang_transaction.html). A deferred one reads
 * first and upgrades at its first write; if another process (the CLI while the
 * server runs, or the server while the CLI imports) committed in between, the
 * upgrade fails at once with "database is locked" — the busy timeout cannot
 * help it. IMMEDIATE waits for the lock instead. Our transactions all write.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

/**
 * `sqlite:///abs/path.db`, `sqlite://relative.db`, `sqlite::memory:`,
 * `postgres://user@host:5432/db?schema=name` (schema is created if missing and
 * becomes the search_path, which lets test runs isolate themselves).
 */
export async function openDatabase(url: string, health?: { failed(err: unknown): void; reachable(): void }): Promise<OpenedDatabase> {
  if (url.startsWith('sqlite:')) {
    const file = url === 'sqlite::memory:' ? ':memory:' : url.replace(/^sqlite:(\/\/)?/, '');
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const handle = new SqliteDatabase(file);
    handle.pragma('journal_mode = WAL');
    handle.pragma('foreign_keys = ON');
    // A second process (the CLI while the server runs) waits for the writer instead of failing.
    handle.pragma('busy_timeout = 5000');
    handle.pragma('synchronous = NORMAL');
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(handle) }), plugins: [new CamelCasePlugin()] });
    return { db, dialect: 'sqlite', where: `sqlite ${file}` };
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid PostgreSQL schema name "${schema}"`);
  if (schema !== null) {
    const admin = new pg.Client({ connectionString: parsed.toString() });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: 10,
    // An unreachable server fails a query in seconds (503 to API clients, a retry for writes) instead of hanging it.
    connectionTimeoutMillis: 5000,
    ...(schema !== null ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection the server dropped (restart, pg_terminate_backend,
  // network cut) is reported here; without a listener the process would die
  // of it. The pool has already discarded it and the next query opens another.
  pool.on('error', (err) => health?.failed(err));
  pool.on('connect', () => health?.reachable());
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  await sql`select 1`.execute(db);
  return { db, dialect: 'postgres', where: `postgres ${parsed.host}${parsed.pathname}${schema !== null ? ` schema ${schema}` : ''}` };
}
