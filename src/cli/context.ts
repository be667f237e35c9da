// What every CLI command shares: the same configuration and environment as
// `start`, and a store opened (and migrated) for the length of one command.
import { loadConfig, ConfigError, type Config } from '../config.ts';
import { Store } from '../store/index.ts';
import { createPbxControl } from '../engine/pbx-control.ts';
import type { PbxControl } from '../core/pbx-control.ts';
import { PbxError } from '../core/errors.ts';

export function config(): Config {
  return loadConfig();
}

export async function withControl<T>(fn: (control: PbxControl, store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open(config().databaseUrl);
  try {
    await store.migrate();
    return await fn(createPbxControl(store), store);
  } finally {
    await store.close();
  }
}

/** Prints a clear message for the errors a user can fix, and exits non-zero. */
export function fail(err: unknown): never {
  if (err instanceof ConfigError || err instanceof PbxError) {
    process.stderr.write(`switchboard: ${err.message}\n`);
    for (const d of err instanceof PbxError ? err.details : []) if (d.message !== err.message) process.stderr.write(`  ${d.message}\n`);
    process.exit(err instanceof ConfigError ? 78 : 1);
  }
  process.stderr.write(`switchboard: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
