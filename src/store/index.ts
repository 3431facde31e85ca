import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { InputError } from '../errors/index.js';
import { migrate } from './migrate.js';
import { PGliteStore } from './pglite-store.js';
import { PostgresStore } from './postgres-store.js';
import type { Store } from './store.js';

export type { Backend, ChangeEvent, ChangeListener, Queryable, Store, Tx } from './store.js';
export { migrate } from './migrate.js';
export { PGliteStore } from './pglite-store.js';
export { PostgresStore } from './postgres-store.js';

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Open the store the config names (PostgreSQL if databaseUrl is set, else PGlite under home) and migrate it. */
export async function openStore(config: Config, opts: { schema?: string } = {}): Promise<Store> {
  const schema = opts.schema ?? config.databaseSchema;
  // It becomes a connection option (search_path): a plain identifier only, nothing that could add another option.
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new InputError('CONFIG_BAD_SCHEMA', `GOLDSMITH_DATABASE_SCHEMA ${JSON.stringify(schema)} is not a plain schema name (letters, digits, _; at most 63)`, { where: 'GOLDSMITH_DATABASE_SCHEMA' });
  }
  const store = config.databaseUrl
    ? await PostgresStore.open(config.databaseUrl, schema)
    : await PGliteStore.open(join(config.home, 'db'));
  try {
    await migrate(store);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
