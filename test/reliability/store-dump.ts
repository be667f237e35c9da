// Every row of every table of a running server's store, as text, so a test
// can say "nothing changed". Tables that record traffic rather than state are
// left out on request.
import { sql } from 'kysely';
import type { Store } from '../../src/store/index.ts';

export async function dumpStore(store: Store, skip: readonly string[] = []): Promise<Map<string, string>> {
  const tables =
    store.dialect === 'postgres'
      ? (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(store.db)).rows
      : (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(store.db)).rows;
  const out = new Map<string, string>();
  for (const { name } of tables.sort((a, b) => a.name.localeCompare(b.name))) {
    if (skip.includes(name) || name.startsWith('kysely_')) continue;
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(store.db)).rows;
    out.set(name, rows.map((r) => JSON.stringify(r)).sort().join('\n'));
  }
  return out;
}
