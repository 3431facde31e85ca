import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliFor } from '../support/cli.js';
import { FsArtifactStore } from '../../src/artifacts/index.js';
import { GalleryService, type GalleryVersionView } from '../../src/gallery/index.js';
import { migrate, PGliteStore } from '../../src/store/index.js';
import { passingBoot } from '../support/boot-record.js';
import type { GoldsmithError } from '../../src/errors/index.js';

const home = mkdtempSync(join(tmpdir(), 'gs-gallery-cli-'));

const cli = cliFor(home);

test('goldsmith gallery … drives galleries, definitions, latest, exclusion and soft delete', async (t) => {
  t.after(() => rmSync(home, { recursive: true, force: true }));
  assert.equal(cli('gallery', 'create', 'g1', '--json').code, 0);
  const img = cli('gallery', 'image', 'create', 'g1', 'ubuntu', '--publisher', 'Contoso', '--offer', 'Golden', '--sku', 'u22', '--security-type', 'TrustedLaunchSupported', '--json');
  assert.equal(img.code, 0, img.stderr);
  assert.deepEqual(img.json.identifier, { publisher: 'Contoso', offer: 'Golden', sku: 'u22' });

  // Versions come from builds; publish two directly through the service on the same data directory.
  const store = await PGliteStore.open(join(home, 'db'));
  await migrate(store);
  const artifacts = new FsArtifactStore(join(home, 'artifacts'));
  const svc = new GalleryService(store, artifacts);
  const regions = [{ name: 'westeurope', replicaCount: 1 }, { name: 'eastus', replicaCount: 1 }];
  // A Trusted Launch definition takes only versions whose boot proved Secure Boot and a vTPM.
  const boot = passingBoot;
  for (const v of ['1.0.0', '1.1.0']) {
    const a = await artifacts.putBytes('local', `rootfs ${v}`);
    await svc.replicateArtifacts([a.digest], 'local', regions);
    const input = { gallery: 'g1', image: 'ubuntu', version: v, location: 'local', targetRegions: regions, artifacts: [{ kind: 'rootfs' as const, ...a }] };
    for (const [metadata, why] of [[{}, /no boot result/], [{ boot: boot({ ok: false, reason: 'emergency-mode' }) }, /failed boot \(emergency-mode\)/], [{ boot: boot({ secureBoot: { enforced: false, verified: false } }) }, /without Secure Boot/], [{ boot: boot({ tpm: { attached: false, present: false, eventLog: false, pcr7: false } }) }, /without a vTPM/]] as const) {
      await assert.rejects(svc.publishVersion({ ...input, metadata }), (e: GoldsmithError) => e.code === 'GALLERY_TRUSTED_LAUNCH_UNPROVEN' && why.test(e.message));
    }
    await svc.publishVersion({ ...input, metadata: { boot: boot() } });
  }
  await store.close();

  const list = cli('gallery', 'version', 'list', 'g1', 'ubuntu', '--json');
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual((list.json as GalleryVersionView[]).map((v) => [v.name, v.lifecycle, v.isLatest]), [
    ['1.0.0', 'aged', false],
    ['1.1.0', 'active', true],
  ]);
  const human = cli('gallery', 'version', 'list', 'g1', 'ubuntu');
  assert.match(human.stdout, /VERSION\s+STATE\s+LATEST/);
  assert.match(human.stdout, /1\.0\.0\s+aged/);

  const upd = cli('gallery', 'version', 'update', 'g1', 'ubuntu', '1.1.0', '--exclude-from-latest', 'true', '--region', 'westeurope', '--json');
  assert.equal(upd.code, 0, upd.stderr);
  assert.equal(cli('gallery', 'latest', 'g1', 'ubuntu', '--region', 'westeurope', '--json').json.name, '1.0.0');
  assert.equal(cli('gallery', 'latest', 'g1', 'ubuntu', '--region', 'eastus', '--json').json.name, '1.1.0');

  assert.equal(cli('gallery', 'version', 'delete', 'g1', 'ubuntu', '1.0.0', '--json').code, 0);
  const none = cli('gallery', 'latest', 'g1', 'ubuntu', '--region', 'westeurope', '--json');
  assert.equal(none.code, 66);
  assert.equal(none.json.error.code, 'GALLERY_NO_LATEST');
  assert.equal(cli('gallery', 'version', 'recover', 'g1', 'ubuntu', '1.0.0', '--json').code, 0);
  assert.equal(cli('gallery', 'latest', 'g1', 'ubuntu', '--region', 'westeurope', '--json').json.name, '1.0.0');

  const refused = cli('gallery', 'image', 'delete', 'g1', 'ubuntu', '--json');
  assert.equal(refused.code, 67);
  assert.equal(refused.json.error.code, 'GALLERY_IMAGE_HAS_VERSIONS');
  const bad = cli('gallery', 'version', 'show', 'g1', 'ubuntu', '1.0', '--json');
  assert.equal(bad.code, 65);
  assert.equal(bad.json.error.code, 'GALLERY_BAD_VERSION');
  const shown = cli('gallery', 'show', 'g1', '--json');
  assert.deepEqual(shown.json.images.map((i: { name: string }) => i.name), ['ubuntu']);
});
