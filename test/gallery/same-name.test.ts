import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import type { Store } from '../../src/store/index.js';
import { describeEachBackend } from '../support/stores.js';
import { Fixture } from './fixtures.js';

const SUB = '00000000-0000-0000-0000-000000000000';

/** Gallery names are unique per resource group only: version operations must not look a gallery up by bare name. */
describeEachBackend('galleries with the same name in two resource groups', (b) => {
  let store: Store;
  let f: Fixture;
  before(async () => {
    store = await b.open();
  });
  after(async () => store.close());
  beforeEach(async () => {
    await store.query(`DELETE FROM gallery_version_regions; DELETE FROM gallery_versions; DELETE FROM gallery_images; DELETE FROM gallery_galleries; DELETE FROM resources; DELETE FROM change_events;`);
    f = new Fixture(store);
  });
  afterEach(() => f.cleanup());

  it('delete, recover and update a version in one of them', async () => {
    await f.svc.createGallery({ name: 'g1', resourceGroup: 'team-a', softDeleteRetentionDays: 3 });
    const other = await f.svc.createGallery({ name: 'g1', resourceGroup: 'team-b', softDeleteRetentionDays: 30 });
    await f.svc.createImageDefinition({ gallery: other.id, name: 'ubuntu', identifier: { publisher: 'Contoso', offer: 'Golden', sku: 'ubuntu' } });
    const art = await f.blob('1.0.0');
    const regions = [{ name: 'westeurope', replicaCount: 1 }];
    const replication = await f.svc.replicateArtifacts([art.digest], 'local', regions);
    const v = await f.svc.publishVersion({ gallery: other.id, image: 'ubuntu', version: '1.0.0', location: 'local', targetRegions: regions, artifacts: [art], replication });
    assert.equal(v.id, `/subscriptions/${SUB}/resourceGroups/team-b/providers/Microsoft.Compute/galleries/g1/images/ubuntu/versions/1.0.0`);

    const updated = await f.svc.updateVersion(v.id, { excludeFromLatest: true });
    assert.ok(updated);
    const deleted = await f.svc.deleteVersion(v.id);
    const days = (Date.parse(deleted.purgeAfter!) - f.now.getTime()) / 86_400_000;
    assert.equal(days, 30, "retention comes from the version's own gallery");
    const back = await f.svc.recoverVersion(v.id);
    assert.equal(back.deletedAt, undefined);
  });
});
