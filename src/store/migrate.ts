import { migrations as all, type Migration } from './migrations/index.js';
import type { Store } from './store.js';

/** Apply pending migrations, each in its own transaction. An advisory lock serialises concurrent
 * PostgreSQL processes (PGlite is single-process by its directory lock). Returns the ids applied. */
export async function migrate(store: Store, migrations: readonly Migration[] = all): Promise<string[]> {
  await store.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const applied: string[] = [];
  await store.tx(async (tx) => {
    if (store.backend === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(7268312)');
    const done = new Set((await tx.query<{ id: string }>('SELECT id FROM schema_migrations')).map((r) => r.id));
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await tx.query(m.sql);
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id]);
      applied.push(m.id);
    }
  });
  return applied;
}
