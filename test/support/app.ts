import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app/index.js';
import type { Store } from '../../src/store/index.js';
import { cachedMinbase, MINBASE_RECIPE } from './base-image.js';
import type { BackendFactory } from './stores.js';

export const TEST_BASE = { publisher: 'Debian', offer: 'debian-12', sku: 'minbase', version: '0.20240101.0' };

/** A whole Goldsmith (real services) over a fresh store and home, with the cached minbase adopted
 * as Debian:debian-12:minbase so builds never run mmdebstrap more than once per machine. */
export async function testApp(backend: BackendFactory, opts: { clock?: () => Date } = {}): Promise<App & { close(): Promise<void> }> {
  const home = mkdtempSync(join(tmpdir(), 'gs-app-'));
  const store: Store = await backend.open();
  const app = createApp({ home }, store, opts);
  await app.catalog.add({ ...TEST_BASE, recipe: MINBASE_RECIPE });
  await app.catalog.adoptArtifact(TEST_BASE, await cachedMinbase());
  // The home holds every artifact the test built (hundreds of MB per build): it goes with the app.
  return Object.assign(app, {
    close: async () => {
      await store.close();
      rmSync(home, { recursive: true, force: true });
    },
  });
}
