// Runs one client SQL query (seed 000 `query`) safely, by construction:
//  - the data is a private in-memory SQLite copy of the exposed views only
//    (query-views.ts), opened query_only, so no write can reach the store and
//    no secret is there to read;
//  - the text is compiled as a subquery, `SELECT * FROM (<query>) LIMIT n`,
//    which the SQL grammar only admits for a single SELECT (or WITH … SELECT):
//    INSERT, UPDATE, DELETE, DDL, PRAGMA, ATTACH and a second statement are
//    syntax errors;
//  - it runs in a child process that is killed after a time limit, so a
//    runaway query (a recursive CTE) cannot stall the PBX. (A worker thread
//    cannot be stopped while SQLite's native code loops; a process can.)
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { PbxError } from '../core/errors.ts';
import type { SnapshotTable } from './query-views.ts';

const BETTER_SQLITE3 = createRequire(import.meta.url).resolve('better-sqlite3');

// Plain JavaScript: the child does not inherit the TypeScript loader.
const CHILD = `
process.once('message', (workerData) => {
const Database = require(workerData.driver);
const db = new Database(':memory:');
const reply = (m) => process.send(m, () => process.exit(0));
try {
  for (const [name, t] of Object.entries(workerData.tables)) {
    const cols = t.columns.map((c) => '"' + c + '"');
    db.exec('CREATE TABLE "' + name + '" (' + cols.join(', ') + ')');
    const insert = db.prepare('INSERT INTO "' + name + '" VALUES (' + cols.map(() => '?').join(', ') + ')');
    db.transaction((rows) => { for (const r of rows) insert.run(r); })(t.rows);
  }
  db.pragma('query_only = ON');
  const stmt = db.prepare('SELECT * FROM (\\n' + workerData.sql + '\\n) LIMIT ' + workerData.limit);
  if (!stmt.reader || !stmt.readonly) throw new Error('only a SELECT can be run');
  reply({ rows: stmt.all() });
} catch (err) {
  reply({ error: String(err && err.message || err) });
}
});
`;

export interface ReadOnlyQueryOptions {
  limit: number;
  timeoutMs?: number;
}

/** A trailing `;` ends the one statement (the seed's own example has it); anything after it is still an error. */
function withoutTerminator(sql: string): string {
  return sql.replace(/;\s*$/, '');
}

export async function runReadOnlyQuery(tables: Record<string, SnapshotTable>, sql: string, opts: ReadOnlyQueryOptions): Promise<Record<string, unknown>[]> {
  const child = spawn(process.execPath, ['--max-old-space-size=256', '-e', CHILD], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: {} });
  const timeoutMs = opts.timeoutMs ?? 5000;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 2000) stderr += d.toString();
  });
  try {
    const reply = await new Promise<{ rows?: Record<string, unknown>[]; error?: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new PbxError('SB_UNPROCESSABLE', `the query ran longer than ${String(timeoutMs)} ms and was stopped`)), timeoutMs);
      child.once('message', (m: { rows?: Record<string, unknown>[]; error?: string }) => {
        clearTimeout(timer);
        resolve(m);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new PbxError('SB_UNPROCESSABLE', `the query failed (exit ${String(code ?? signal)}): ${stderr.split('\n')[0] ?? ''}`));
      });
      child.send({ driver: BETTER_SQLITE3, tables, sql: withoutTerminator(sql), limit: Math.trunc(opts.limit) });
    });
    if (reply.error !== undefined) throw new PbxError('SB_VALIDATION', `the query was refused: ${reply.error}`, [{ path: 'query', message: reply.error }]);
    return reply.rows ?? [];
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
