// directory_version is bumped by every directory write; the entity stores
// compare it with the version their cached reads were made at. Routing one
// INVITE reads the directory a dozen times in one event-loop turn (sixteen
// version reads per call in the b2bua-cps benchmark), so one read serves
// every store for the rest of that turn. A write of this process forgets it
// at once; another process's (the CLI, another node) is seen from the next
// turn, as before.
import type { CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.ts';

export class DirectoryVersion {
  private current: Promise<number> | undefined;
  private readonly query: CompiledQuery;

  constructor(private readonly db: Kysely<Database>) {
    this.query = db.selectFrom('directoryVersion').select('version').where('id', '=', 1).compile();
  }

  read(): Promise<number> {
    if (this.current) return this.current;
    const read = this.db.executeQuery(this.query).then((r) => Number((r.rows[0] as { version?: number | string } | undefined)?.version ?? 0));
    this.current = read;
    // Forgotten when it fails too, so a database back from an outage is asked again.
    void read
      .catch(() => undefined)
      .finally(() =>
        setImmediate(() => {
          if (this.current === read) this.forget();
        }),
      );
    return read;
  }

  /** A directory write committed (or failed): the next read asks the database. */
  forget(): void {
    this.current = undefined;
  }
}
