import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliFor, REPO_ROOT } from '../support/cli.js';
import { FsArtifactStore } from '../../src/artifacts/index.js';
import { GalleryService } from '../../src/gallery/index.js';
import { migrate, PGliteStore } from '../../src/store/index.js';

const root = REPO_ROOT;
const fixture = join(root, 'test/fleet/fixtures/az-vm-list.json');
const home = mkdtempSync(join(tmpdir(), 'gs-fleet-cli-'));

const cli = cliFor(home);

test('goldsmith vm … and fleet … drive the inventory end to end', async (t) => {
  t.after(() => rmSync(home, { recursive: true, force: true }));
  assert.equal(cli('gallery', 'create', 'g1', '--location', 'westeurope', '--json').code, 0);
  assert.equal(cli('gallery', 'image', 'create', 'g1', 'ubuntu', '--publisher', 'Contoso', '--offer', 'Golden', '--sku', 'u24', '--json').code, 0);
  const store = await PGliteStore.open(join(home, 'db'));
  await migrate(store);
  const artifacts = new FsArtifactStore(join(home, 'artifacts'));
  const gallery = new GalleryService(store, artifacts);
  const regions = [{ name: 'westeurope', replicaCount: 1 }];
  for (const v of ['1.0.0', '1.1.0']) {
    const a = await artifacts.putBytes('local', `rootfs ${v}`);
    await gallery.replicateArtifacts([a.digest], 'local', regions);
    await gallery.publishVersion({ gallery: 'g1', image: 'ubuntu', version: v, location: 'westeurope', targetRegions: regions, artifacts: [{ kind: 'rootfs', ...a }] });
  }
  await store.close();

  const web = cli('vm', 'create', 'web1', '--image', 'g1/ubuntu', '--team', 'web', '--role', 'cattle', '--security-type', 'TrustedLaunch', '--json');
  assert.equal(web.code, 0, web.stderr);
  assert.equal(web.json.properties.storageProfile.imageReference.exactVersion, '1.1.0');
  assert.match(web.json.properties.storageProfile.imageReference.id, /\/images\/ubuntu$/);
  assert.equal(cli('vm', 'create', 'db1', '--image', 'g1/ubuntu/1.0.0', '--role', 'pet', '--tag', 'team=data', '--json').code, 0);

  assert.deepEqual(cli('vm', 'list', '--team', 'web', '--json').json.map((v: { name: string }) => v.name), ['web1']);
  const shown = cli('vm', 'show', 'web1', '--json');
  assert.deepEqual([shown.json.image.version, shown.json.image.isLatest, shown.json.image.fromGallery], ['1.1.0', true, true]);
  assert.match(cli('vm', 'show', 'db1').stdout, /lifecycle aged/);
  const upd = cli('vm', 'update', 'db1', '--tag', 'owner=ana', '--remove-tag', 'team', '--json');
  assert.equal(upd.code, 0, upd.stderr);
  assert.deepEqual(upd.json.tags, { role: 'pet', owner: 'ana' });

  const imp = cli('vm', 'import', fixture, '--json');
  assert.equal(imp.code, 0, imp.stderr);
  assert.equal(imp.json.imported, 3);
  assert.match(cli('vm', 'list').stdout, /NAME\s+RESOURCEGROUP\s+LOCATION[\s\S]*pay-db-01\s+PAYMENTS-PROD/);

  const byRole = cli('fleet', 'images', '--by', 'role', '--json');
  assert.equal(byRole.code, 0, byRole.stderr);
  assert.deepEqual(
    byRole.json.filter((r: { image: string }) => r.image === 'g1/ubuntu').map((r: { group: string; version: string; vms: number }) => [r.group, r.version, r.vms]),
    [['cattle', '1.1.0', 1], ['pet', '1.0.0', 1]],
  );
  const outdated = cli('fleet', 'outdated', '--json');
  assert.deepEqual(outdated.json.map((o: { name: string; reasons: string[] }) => [o.name, o.reasons]), [['db1', ['not-latest', 'aged']]]);
  assert.match(cli('fleet', 'roles').stdout, /ROLE\s+VMS/);
  assert.equal(cli('fleet', 'images', '--by', 'colour').code, 64);

  const badRole = cli('vm', 'create', 'bad', '--image', 'g1/ubuntu', '--role', 'horse', '--json');
  assert.equal(badRole.code, 65);
  assert.equal(badRole.json.error.code, 'FLEET_BAD_TAG');
  const badFile = join(home, 'bad.json');
  writeFileSync(badFile, JSON.stringify([{ id: '/subscriptions/x/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/a', name: 'a', type: 'Microsoft.Compute/virtualMachines' }]));
  const badImport = cli('vm', 'import', badFile, '--json');
  assert.equal(badImport.code, 65);
  assert.deepEqual(badImport.json.error.data.problems.map((p: { path: string }) => p.path), ['/0/location', '/0/hardwareProfile/vmSize']);

  assert.equal(cli('fleet', 'group', 'create', 'prod', '--location', 'westeurope', '--json').code, 0);
  assert.equal(cli('vm', 'create', 'p1', '--image', 'g1/ubuntu', '--resource-group', 'prod', '--json').code, 0);
  assert.equal(cli('vm', 'create', 'p2', '--image', 'g1/ubuntu', '--resource-group', 'nope', '--json').json.error.code, 'FLEET_SCOPE_NOT_FOUND');

  assert.equal(cli('vm', 'delete', 'web1', '--json').code, 0);
  assert.equal(cli('vm', 'show', 'web1', '--json').code, 66);
});
