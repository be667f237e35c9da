// Migration numbers are reserved per feature and land in any order: 003 came
// after 004 and 005 were deployed. A database already at 005 without 003 (an
// installation from before) gets 003 at the next start instead of Kysely's
// "corrupted migrations" refusal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Store } from '../../src/store/index.ts';
import { DATABASES } from '../helpers/databases.ts';

for (const [name, make] of DATABASES) {
  describe(`unordered migrations on ${name}`, () => {
    it('a database at 005 without 003 gets 003', async () => {
      const tdb = await make();
      const store = await Store.open(tdb.url);
      try {
        await store.migrate();
        await sql`delete from kysely_migration where name = '003-open-calls'`.execute(store.db);
        await store.db.schema.dropTable('open_calls').execute();
        await store.db.schema.dropTable('open_recordings').execute();
        const report = await store.migrate();
        assert.deepEqual(report.applied, ['003-open-calls']);
        assert.deepEqual(await store.db.selectFrom('openCalls').selectAll().execute(), []);
        assert.equal(await store.ready(), true);
      } finally {
        await store.close();
        await tdb.drop();
      }
    });
  });
}
