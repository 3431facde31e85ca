import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../../src/app/index.js';
import { DEMO_BASE, demoGallerySummary, runDemo } from '../../src/demo/index.js';
import { BOOTABLE_RECIPE, cachedBootableBase } from '../support/base-image.js';
import { backends } from '../support/stores.js';

test('the demo publishes two reproducible versions of the hardened image: latest and aged', { timeout: 900_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'gs-demo-'));
  const store = await backends[0]!.open();
  try {
    const app = createApp({ home }, store);
    // The bootable base the demo would build with mmdebstrap, adopted from the machine's test cache.
    const ref = { ...DEMO_BASE, version: '0.20240101.0' };
    await app.catalog.add({ ...ref, recipe: BOOTABLE_RECIPE });
    await app.catalog.adoptArtifact(ref, await cachedBootableBase());
    const said: string[] = [];
    const res = await runDemo(app, { say: (s) => said.push(s), onEvent: () => {} });
    assert.deepEqual(res.runs.map((r) => r.state), ['succeeded', 'succeeded'], JSON.stringify(res.runs.map((r) => r.error)));
    assert.equal(res.reproducible, true);
    // The golden image is built on the bootable base; the minbase is registered next to it.
    assert.deepEqual((await app.catalog.list({ publisher: 'Debian', offer: 'debian-12' })).map((e) => [e.sku, e.bootable]), [['12-gen2', true], ['minbase', false]]);
    const versions = await app.gallery.listVersions('contoso', 'debian12-hardened');
    assert.deepEqual(versions.map((v) => [v.name, v.lifecycle, v.isLatest]), [['1.0.0', 'aged', false], ['1.0.1', 'active', true]]);
    const v = versions[1]!;
    assert.equal(v.tattoo['SOURCE_VERSION'], '0.20240101.0');
    // The repair loop ran (root was not locked until the bound repair did it).
    const validate = res.runs[0]!.outputs['validate'] as { repairAttempts: Array<{ repaired: string[] }> };
    assert.deepEqual(validate.repairAttempts.map((a) => a.repaired), [['lock-root']]);
    assert.match(await demoGallerySummary(app, 'contoso', 'debian12-hardened'), /1\.0\.1\s+active\s+latest/);
    assert.ok(said.some((s) => s.includes('openssh-server=')), 'pins resolved from the mirror');
  } finally {
    await store.close();
  }
});
