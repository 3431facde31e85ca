import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { migrate } from './migrate.js';
import { PGliteStore } from './pglite-store.js';
import { PostgresStore } from './postgres-store.js';
import type { Store } from './store.js';

export type { Backend, ChangeEvent, ChangeListener, Queryable, Store, Tx } from './store.js';
export { migrate } from './migrate.js';
export { PGliteStore } from './pglite-store.js';
export { PostgresStore } from './postgres-store.js';

/** Open the store the config names (PostgreSQL if databaseUrl is set, else PGlite under home) and migrate it. */
export async function openStore(config: Config, opts: { schema?: string } = {}): Promise<Store> {
  const store = config.databaseUrl
    ? await PostgresStore.open(config.databaseUrl, opts.schema)
    : await PGliteStore.open(join(config.home, 'db'));
  try {
    await migrate(store);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
