import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp, startLive, type App } from '../../src/app/index.js';
import { PostgresStore, type Store } from '../../src/store/index.js';
import { backends, testPgUrl } from '../support/stores.js';
import { noSizeDefinition, putResource, RG, vm } from './fixtures.js';

const big = () => vm('new-big', { size: 'Standard_M128s' });
const allowed = async (app: App) => (await app.admission.review(big(), { action: 'write' })).allowed;

/** Poll until admission in `app` gives `want`; returns the milliseconds it took. */
async function until(app: App, want: boolean, ms = 5000): Promise<number> {
  const t0 = performance.now();
  while ((await allowed(app)) !== want) {
    if (performance.now() - t0 > ms) throw new Error(`admission still ${!want ? 'allows' : 'denies'} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - t0;
}

test('PostgreSQL, three app instances on one schema (own pools and LISTEN connections): an assignment one changes reaches another\'s admission through the feed', { skip: !process.env.GOLDSMITH_TEST_DATABASE_URL }, async (t) => {
  const homes: string[] = [];
  const stores: Store[] = [];
  const app = (store: Store) => {
    const home = mkdtempSync(join(tmpdir(), 'gs-feed-app-'));
    homes.push(home);
    stores.push(store);
    return createApp({ home }, store);
  };
  let stopLive = async () => {};
  try {
    const first = await backends.find((b) => b.name === 'postgres')!.open();
    const [{ s: schema }] = await first.query<{ s: string }>('SELECT current_schema() AS s');
    const a = app(first);
    const b = app(await PostgresStore.open(testPgUrl(), schema));
    // Without the feed: what a process would do before this change (its caches follow only its own writes).
    const stale = app(await PostgresStore.open(testPgUrl(), schema));
    stopLive = await startLive(a);

    await putResource(b.store, vm('seed'), false);
    const deny = await b.compliance.definitions.createDefinition(noSizeDefinition('Deny'), { name: 'deny-big' });
    assert.equal(await allowed(a), true, 'no assignment yet (and A has now cached that)');
    assert.equal(await allowed(stale), true);

    await b.compliance.createAssignment({ name: 'deny-big', scope: RG, policyDefinitionId: deny.id });
    const denyMs = await until(a, false);
    t.diagnostic(`assignment created in B, denied in A after ${denyMs.toFixed(1)} ms`);
    assert.equal(await allowed(stale), true, 'the process without the feed still judges against its stale cache');

    await b.compliance.createAssignment({ name: 'deny-big', scope: RG, policyDefinitionId: deny.id, enforcementMode: 'DoNotEnforce' }, { replace: true });
    t.diagnostic(`assignment relaxed in B, allowed in A after ${(await until(a, true)).toFixed(1)} ms`);

    await b.compliance.createAssignment({ name: 'deny-big', scope: RG, policyDefinitionId: deny.id }, { replace: true });
    await until(a, false);
    await b.compliance.deleteAssignment('deny-big');
    t.diagnostic(`assignment deleted in B, allowed in A after ${(await until(a, true)).toFixed(1)} ms`);
  } finally {
    await stopLive();
    for (const s of stores.reverse()) await s.close();
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  }
});
