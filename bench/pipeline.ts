import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app/index.js';
import { writeDemoTemplate } from '../src/demo/index.js';
import { PGliteStore, migrate } from '../src/store/index.js';
import { cachedMinbase, MINBASE_RECIPE } from '../test/support/base-image.js';

/**
 * Each pipeline step's time on the demo template, and the pipeline's own overhead: everything except
 * base creation and the user's customize steps (target < 10 s on a 2-core machine).
 */
export async function benchPipeline(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'gs-bench-pipeline-'));
  const store = await PGliteStore.open();
  await migrate(store);
  try {
    const app = createApp({ home }, store);
    const ref = { publisher: 'Debian', offer: 'debian-12', sku: 'minbase', version: '0.20240101.0' };
    await app.catalog.add({ ...ref, recipe: MINBASE_RECIPE });
    const t0 = performance.now();
    const base = await app.catalog.adoptArtifact(ref, await cachedMinbase());
    console.log(`base (cached minbase adopted): ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    const { template } = await writeDemoTemplate(base.path, home);

    const run = await app.builds.start(template);
    if (run.state !== 'succeeded') throw new Error(`bench build ${run.state}: ${run.error?.message}`);
    const { steps } = await app.builds.show(run.id);
    const user = (run.outputs['customize'] as { steps: Array<{ name: string; durationMs: number }> }).steps;
    const userMs = user.reduce((a, s) => a + s.durationMs, 0);
    console.log('step            seconds');
    for (const s of steps) console.log(`${s.name.padEnd(15)} ${(s.durationMs / 1000).toFixed(2).padStart(7)}`);
    for (const s of user) console.log(`  customize/${s.name.padEnd(24)} ${(s.durationMs / 1000).toFixed(2).padStart(7)}  (user step)`);
    const total = steps.reduce((a, s) => a + s.durationMs, 0);
    const overhead = total - userMs;
    console.log(`total ${(total / 1000).toFixed(2)} s; user customize steps ${(userMs / 1000).toFixed(2)} s`);
    console.log(`pipeline overhead ${(overhead / 1000).toFixed(2)} s (target < 10 s) ${overhead < 10_000 ? 'OK' : 'OVER TARGET'}`);
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}
