import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';
import pg from 'pg';
import { migrate, PGliteStore, PostgresStore, type Store } from '../../src/store/index.js';

/** PostgreSQL used by the contract tests; CI machines run one at 127.0.0.1:5432 with trust auth. */
export const TEST_PG_URL = process.env.GOLDSMITH_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export interface BackendFactory {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated, isolated store (PGlite in memory; PostgreSQL in a new schema). */
  open(): Promise<Store>;
}

export const backends: BackendFactory[] = [
  {
    name: 'pglite',
    async open() {
      const s = await PGliteStore.open();
      await migrate(s);
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
