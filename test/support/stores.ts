import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrations } from '../../src/store/migrations/index.js';
import { TEST_CACHE_DIR } from './base-image.js';
import { describe } from 'node:test';
import pg from 'pg';
import { migrate, PGliteStore, PostgresStore, type Store } from '../../src/store/index.js';

/** PostgreSQL used by the contract tests; CI machines run one at 127.0.0.1:5432 with trust auth. */
export const TEST_PG_URL = process.env.GOLDSMITH_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

let template: Promise<Blob> | undefined;

/**
 * A freshly migrated PGlite database as a tarball, cached on disk by the migration list: loading it
 * takes about a second where initdb + migrate take five to ten on a busy 2-core machine.
 */
export function migratedTemplate(): Promise<Blob> {
  template ??= (async () => {
    const key = createHash('sha256').update(JSON.stringify(migrations)).digest('hex').slice(0, 16);
    const file = join(TEST_CACHE_DIR, `pglite-${key}.tar`);
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const s = await PGliteStore.open();
    await migrate(s);
    const blob = await s.dump();
    await s.close();
    mkdirSync(TEST_CACHE_DIR, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
    renameSync(tmp, file);
    return blob;
  })();
  return template;
}

export interface BackendFactory {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated, isolated store (PGlite in memory; PostgreSQL in a new schema). */
  open(): Promise<Store>;
}

export const backends: BackendFactory[] = [
  {
    name: 'pglite',
    async open() {
      const s = await PGliteStore.open(undefined, { loadDataDir: await migratedTemplate() });
      await migrate(s); // a no-op unless the template predates a migration
      return s;
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
      const s = await PostgresStore.open(TEST_PG_URL, schema);
      await migrate(s);
      // Drop the schema when the test closes the store, so CI runs do not pile up schemas.
      const close = s.close.bind(s);
      s.close = async () => {
        await close();
        const admin = new pg.Client({ connectionString: TEST_PG_URL });
        await admin.connect();
        try {
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await admin.end();
        }
      };
      return s;
    },
  },
];

/** Run the same suite against every backend: one contract, two real databases. */
export function describeEachBackend(title: string, suite: (b: BackendFactory) => void): void {
  for (const b of backends) describe(`${title} [${b.name}]`, () => suite(b));
}
