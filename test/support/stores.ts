import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrations } from '../../src/store/migrations/index.js';
import { TEST_CACHE_DIR } from './base-image.js';
import { describe } from 'node:test';
import pg from 'pg';
import { migrate, PGliteStore, PostgresStore, type Store } from '../../src/store/index.js';

/**
 * The PostgreSQL the contract tests use: scripts/test.mjs starts a throwaway cluster for each run
 * and passes its URL here, or passes on GOLDSMITH_TEST_DATABASE_URL when that is set.
 */
export function testPgUrl(): string {
  const url = process.env.GOLDSMITH_TEST_DATABASE_URL;
  if (!url) throw new Error('GOLDSMITH_TEST_DATABASE_URL is not set: run tests with scripts/test.mjs (npm test), which starts a throwaway PostgreSQL');
  return url;
}

/**
 * A store in a schema of its own on the test PostgreSQL, so test files running in parallel never
 * see each other's rows; the schema is dropped when the store is closed, so runs leave nothing behind.
 */
export async function openPostgresSchema(prefix: string): Promise<Store & { schema: string }> {
  const url = testPgUrl();
  const schema = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const s = await PostgresStore.open(url, schema);
  const close = s.close.bind(s);
  s.close = async () => {
    await close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await admin.end();
    }
  };
  return Object.assign(s, { schema });
}

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
      const s = await openPostgresSchema('t');
      await migrate(s);
      return s;
    },
  },
];

/** Run the same suite against every backend: one contract, two real databases. */
export function describeEachBackend(title: string, suite: (b: BackendFactory) => void): void {
  for (const b of backends) describe(`${title} [${b.name}]`, () => suite(b));
}
