import { passingBoot } from '../support/boot-record.js';
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import type { Store } from '../../src/store/index.js';
import { describeEachBackend } from '../support/stores.js';
import { Fixture } from './fixtures.js';
import { latestCases, regionOf } from './latest-cases.js';

const SUB = '00000000-0000-0000-0000-000000000000';
const IMG = `/subscriptions/${SUB}/resourceGroups/goldsmith/providers/Microsoft.Compute/galleries/g1/images/ubuntu`;

describeEachBackend('gallery service', (b) => {
  let store: Store;
  let f: Fixture;
  before(async () => {
    store = await b.open();
  });
  after(async () => store.close());
  beforeEach(async () => {
    await store.query(
      `DELETE FROM gallery_version_regions; DELETE FROM gallery_versions; DELETE FROM gallery_images; DELETE FROM gallery_galleries; DELETE FROM resources; DELETE FROM change_events;`,
    );
    f = new Fixture(store);
    await f.setup();
  });
  afterEach(() => f.cleanup());

  it('creates galleries with Azure defaults and ARM documents', async () => {
    const g = await f.svc.getGallery('g1');
    assert.equal(g.subscription, SUB);
    assert.equal(g.resourceGroup, 'goldsmith');
    assert.equal(g.softDeleteRetentionDays, 7);
    assert.equal(g.id, `/subscriptions/${SUB}/resourceGroups/goldsmith/providers/Microsoft.Compute/galleries/g1`);
    await assert.rejects(f.svc.createGallery({ name: 'g1' }), { code: 'GALLERY_EXISTS' });
    await assert.rejects(f.svc.createGallery({ name: 'bad name!' }), { code: 'GALLERY_BAD_NAME' });
    const [doc] = await store.query<{ type: string; doc: { properties: { identifier: unknown } } }>(`SELECT type, doc FROM resources WHERE id = $1`, [g.id]);
    assert.equal(doc!.type, 'microsoft.compute/galleries');
    assert.equal((await f.svc.ensureGallery({ name: 'g1' })).id, g.id);
  });

  it('image definitions: identifier unique per gallery; ensure is idempotent and reports conflicts', async () => {
    const same = { gallery: 'g1', name: 'ubuntu', identifier: { publisher: 'Contoso', offer: 'Golden', sku: 'ubuntu' } };
    const d = await f.svc.ensureImageDefinition(same);
    assert.equal(d.id, IMG);
    assert.equal(d.hyperVGeneration, 'V2');
    await assert.rejects(f.svc.ensureImageDefinition({ ...same, identifier: { ...same.identifier, sku: 'other' } }), (e: { code: string; data: { differs: string[] } }) => {
      assert.equal(e.code, 'GALLERY_IMAGE_CONFLICT');
      assert.deepEqual(e.data.differs, ['identifier']);
      return true;
    });
    await assert.rejects(
      f.svc.createImageDefinition({ gallery: 'g1', name: 'ubuntu2', identifier: { publisher: 'contoso', offer: 'GOLDEN', sku: 'Ubuntu' } }),
      { code: 'GALLERY_IDENTIFIER_TAKEN' },
    );
    await assert.rejects(f.svc.createImageDefinition({ ...same, name: 'x', identifier: { publisher: 'a', offer: 'b', sku: 'c' }, securityType: 'Bogus' }), {
      code: 'GALLERY_BAD_IMAGE',
    });
    const tl = await f.svc.createImageDefinition({ gallery: 'g1', name: 'tl', identifier: { publisher: 'a', offer: 'b', sku: 'c' }, securityType: 'TrustedLaunchSupported' });
    const [row] = await store.query<{ doc: { properties: { features: unknown; identifier: unknown } } }>(`SELECT doc FROM resources WHERE id = $1`, [tl.id]);
    assert.deepEqual(row!.doc.properties.features, [{ name: 'SecurityType', value: 'TrustedLaunchSupported' }]);
    assert.deepEqual(row!.doc.properties.identifier, { publisher: 'a', offer: 'b', sku: 'c' });
    assert.deepEqual((await f.svc.listImageDefinitions('g1')).map((x) => x.name), ['tl', 'ubuntu']);
  });

  it('publishes, ages earlier versions in the same transaction, and emits events', async () => {
    const events: string[] = [];
    const off = store.onChange((e) => void events.push(`${e.type} ${e.subject.split('/').pop()}`));
    await f.publish('1.0.0');
    f.advanceDays(1);
    await f.publish('1.1.0');
    off();
    const list = await f.svc.listVersions('g1', 'ubuntu');
    assert.deepEqual(list.map((v) => [v.name, v.lifecycle, v.isLatest, v.latestIn]), [
      ['1.0.0', 'aged', false, []],
      ['1.1.0', 'active', true, ['westeurope']],
    ]);
    assert.deepEqual(events, ['gallery.version.published 1.0.0', 'gallery.version.published 1.1.0', 'gallery.version.aged 1.0.0']);
    const [doc] = await store.query<{ doc: { properties: { goldsmith: { lifecycle: string } } } }>(`SELECT doc FROM resources WHERE id = $1`, [list[0]!.id]);
    assert.equal(doc!.doc.properties.goldsmith.lifecycle, 'aged');
    // A hotfix to an older line is born aged: a higher version already exists.
    const hot = await f.publish('0.9.0');
    assert.ok(hot.agedAt);
  });

  it('next version follows the AIB "Latest" scheme over stored versions, soft-deleted included', async () => {
    assert.equal(await f.svc.nextVersion('g1', 'ubuntu'), '1.0.0');
    for (const v of ['0.1.1', '0.1.2', '1.0.0', '1.2.0', '2.1.0']) await f.publish(v);
    assert.equal(await f.svc.nextVersion('g1', 'ubuntu', 1), '1.2.1');
    assert.equal(await f.svc.nextVersion('g1', 'ubuntu', 0), '0.1.3');
    assert.equal(await f.svc.nextVersion('g1', 'ubuntu'), '2.1.1');
    assert.equal(await f.svc.nextVersion('g1', 'ubuntu', 3), '3.0.0');
    await f.svc.deleteVersion({ gallery: 'g1', image: 'ubuntu', version: '2.1.0' });
    assert.equal(await f.svc.nextVersion('g1', 'ubuntu'), '2.1.1', 'the soft-deleted 2.1.0 still counts');
    await assert.rejects(f.svc.nextVersion('g1', 'ubuntu', -5), { code: 'GALLERY_BAD_MAJOR' });
  });

  it('a version excluded from latest (a canary) ages nothing until it joins latest', async () => {
    await f.publish('1.0.0');
    await f.publish('2.0.0', undefined, { excludeFromLatest: true });
    const ref = { gallery: 'g1', image: 'ubuntu', version: '1.0.0' };
    assert.equal((await f.svc.showVersion(ref)).lifecycle, 'active');
    assert.equal((await f.svc.resolveLatest('g1', 'ubuntu'))?.name, '1.0.0');
    f.advanceDays(1);
    await f.svc.updateVersion({ ...ref, version: '2.0.0' }, { excludeFromLatest: false });
    const v1 = await f.svc.showVersion(ref);
    assert.equal(v1.lifecycle, 'aged');
    assert.equal(v1.agedAt, f.now.toISOString());
    assert.equal((await f.svc.resolveLatest('g1', 'ubuntu'))?.name, '2.0.0');
  });

  it('bare gallery names resolve across resource groups unless ambiguous', async () => {
    const other = await f.svc.createGallery({ name: 'g1', resourceGroup: 'team-b', location: 'eastus' });
    await assert.rejects(f.svc.getGallery('g1'), { code: 'GALLERY_AMBIGUOUS' });
    assert.equal((await f.svc.getGallery(other.id)).location, 'eastus');
    assert.equal((await f.svc.getGallery(other.id.toUpperCase())).id, other.id, 'ids are case-insensitive as in Azure');
    await assert.rejects(f.svc.getGallery('nope'), { code: 'GALLERY_NOT_FOUND' });
  });

  it('writes an ARM-shaped version document with Azure property names', async () => {
    const v = await f.publish('1.0.0', [{ name: 'westeurope', replicaCount: 2 }, { name: 'eastus', replicaCount: 1, excludeFromLatest: true }], {
      endOfLifeDate: '2027-01-01',
      safetyProfile: { blockDeletionBeforeEndOfLife: true },
      buildRunId: 'run-1',
      metadata: { note: 'x' },
    });
    assert.equal(v.id, `${IMG}/versions/1.0.0`);
    const [row] = await store.query<{ type: string; subscription: string; doc: any }>(`SELECT type, subscription, doc FROM resources WHERE id = $1`, [v.id]);
    assert.equal(row!.type, 'microsoft.compute/galleries/images/versions');
    assert.equal(row!.subscription, '00000000-0000-0000-0000-000000000000');
    const p = row!.doc.properties;
    assert.deepEqual(p.publishingProfile.targetRegions, [
      { name: 'westeurope', regionalReplicaCount: 2, storageAccountType: 'Standard_LRS', excludeFromLatest: false },
      { name: 'eastus', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS', excludeFromLatest: true },
    ]);
    assert.equal(p.publishingProfile.endOfLifeDate, '2027-01-01T00:00:00.000Z');
    assert.equal(p.publishingProfile.publishedDate, f.now.toISOString());
    assert.equal(p.publishingProfile.excludeFromLatest, false);
    assert.equal(p.safetyProfile.blockDeletionBeforeEndOfLife, true);
    assert.equal(p.provisioningState, 'Succeeded');
    assert.equal(p.replicationStatus.aggregatedState, 'Completed');
    assert.deepEqual(p.goldsmith.tattoo, { IMAGE_VERSION: '1.0.0' });
    assert.equal(p.goldsmith.artifacts[0].digest, v.artifacts[0]!.digest);
    assert.equal(p.goldsmith.lifecycle, 'active');
    assert.ok(p.storageProfile.osDiskImage.sizeInGB >= 1);
  });

  it('refuses duplicates, unknown definitions and unreplicated regions, leaving nothing half-written', async () => {
    await f.publish('1.0.0');
    const count = async () => (await store.query<{ n: number }>(`SELECT (SELECT count(*) FROM gallery_versions) + (SELECT count(*) FROM resources) + (SELECT count(*) FROM change_events) AS n`))[0]!.n;
    const before = await count();
    await assert.rejects(f.publish('1.0.0'), { code: 'GALLERY_VERSION_EXISTS' });
    await assert.rejects(f.publish('2.0.0', undefined, { image: 'nope' }), { code: 'GALLERY_IMAGE_NOT_FOUND' });
    await assert.rejects(f.publish('2.0.0', undefined, { version: '2.0' }), { code: 'GALLERY_BAD_VERSION' });
    const art = await f.blob('unreplicated');
    await assert.rejects(
      f.svc.publishVersion({ gallery: 'g1', image: 'ubuntu', version: '2.0.0', targetRegions: [{ name: 'eastus', replicaCount: 1 }], artifacts: [art] }),
      { code: 'GALLERY_NOT_REPLICATED' },
    );
    // Inside a caller's transaction: the caller's own write rolls back together with the refusal.
    await assert.rejects(
      store.tx(async (tx) => {
        await tx.query(`INSERT INTO resources (id, id_lower, type, name, doc) VALUES ('/x', '/x', 't', 'x', '{}')`);
        await f.svc.publishVersion({ gallery: 'g1', image: 'ubuntu', version: '1.0.0', artifacts: [art] }, tx);
      }),
      { code: 'GALLERY_VERSION_EXISTS' },
    );
    assert.equal(await count(), before);
  });

  it('two publishes of the same number racing each other: one wins, the other gets the typed conflict', async () => {
    const [a, b] = [await f.blob('a'), await f.blob('b')];
    const results = await Promise.allSettled(
      [a, b].map((art) => f.svc.publishVersion({ gallery: 'g1', image: 'ubuntu', version: '3.0.0', artifacts: [art] })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal(lost.reason.code, 'GALLERY_VERSION_EXISTS');
    assert.equal((await store.query(`SELECT 1 FROM resources WHERE id LIKE '%/versions/3.0.0'`)).length, 1);
  });

  it('concurrent ensureGallery / ensureImageDefinition calls converge on one resource', async () => {
    const gs = await Promise.all([1, 2, 3].map(() => f.svc.ensureGallery({ name: 'race' })));
    assert.equal(new Set(gs.map((g) => g.id)).size, 1);
    const input = { gallery: 'race', name: 'img', identifier: { publisher: 'p', offer: 'o', sku: 's' } };
    const ds = await Promise.all([1, 2, 3].map(() => f.svc.ensureImageDefinition(input)));
    assert.equal(new Set(ds.map((d) => d.id)).size, 1);
    assert.equal((await f.svc.listImageDefinitions('race')).length, 1);
  });

  it("publishes inside the caller's transaction and commits with it", async () => {
    const art = await f.blob('in-tx');
    const seen: string[] = [];
    const off = store.onChange((e) => void seen.push(e.type));
    await store.tx(async (tx) => {
      await f.svc.publishVersion({ gallery: 'g1', image: 'ubuntu', version: '1.0.0', artifacts: [art] }, tx);
      tx.emit({ type: 'build.run.succeeded', subject: 'run-1' });
      assert.deepEqual(seen, []);
    });
    off();
    assert.deepEqual(seen, ['gallery.version.published', 'build.run.succeeded']);
    assert.equal((await f.svc.resolveLatest('g1', 'ubuntu', 'local'))?.name, '1.0.0');
  });

  it('replication copies artifacts into each region root and records per-region status', async () => {
    const art = await f.blob('rep');
    const progress: string[] = [];
    const res = await f.svc.replicateArtifacts([art.digest], 'local', [{ name: 'westeurope', replicaCount: 2 }, { name: 'eastus', replicaCount: 1 }], (p) =>
      progress.push(`${p.region}:${p.done}/${p.total}`),
    );
    assert.deepEqual(res.map((r) => [r.region, r.state, r.replicaCount, r.copied]), [
      ['westeurope', 'Completed', 2, 1],
      ['eastus', 'Completed', 1, 1],
    ]);
    assert.deepEqual(progress, ['westeurope:1/1', 'eastus:1/1']);
    assert.ok(await f.artifacts.has('westeurope', art.digest));
    assert.ok(await f.artifacts.has('eastus', art.digest));
    // A missing source is reported as data, per region.
    const missing = 'sha256:' + 'ab'.repeat(32);
    const bad = await f.svc.replicateArtifacts([missing], 'local', [{ name: 'northeurope', replicaCount: 1 }]);
    assert.equal(bad[0]!.state, 'Failed');
    assert.match(bad[0]!.details!, /not in region local/);
    await assert.rejects(
      f.svc.publishVersion({ gallery: 'g1', image: 'ubuntu', version: '1.0.0', targetRegions: [{ name: 'westeurope', replicaCount: 1 }], artifacts: [art], replication: [{ region: 'westeurope', state: 'Failed', details: 'disk full' }] }),
      { code: 'GALLERY_REPLICATION_FAILED' },
    );
  });

  it('update: exclusion global and per region, end of life, regions added (replicated) and removed', async () => {
    await f.publish('1.0.0', [{ name: 'westeurope', replicaCount: 1 }]);
    await f.publish('2.0.0', [{ name: 'westeurope', replicaCount: 1 }]);
    const ref = { gallery: 'g1', image: 'ubuntu', version: '2.0.0' };
    await f.svc.updateVersion(ref, { regionExcludeFromLatest: [{ region: 'westeurope', excludeFromLatest: true }] });
    assert.equal((await f.svc.resolveLatest('g1', 'ubuntu', 'westeurope'))?.name, '1.0.0');
    assert.equal((await f.svc.resolveLatest('g1', 'ubuntu'))?.name, '2.0.0');
    const { replication, version } = await f.svc.updateVersion(ref, { addRegions: [{ name: 'eastus', replicaCount: 3 }], endOfLifeDate: '2030-01-01' });
    assert.equal(replication[0]!.state, 'Completed');
    assert.ok(await f.artifacts.has('eastus', version.artifacts[0]!.digest));
    assert.equal((await f.svc.resolveLatest('g1', 'ubuntu', 'eastus'))?.name, '2.0.0');
    assert.equal(version.endOfLifeDate, '2030-01-01T00:00:00.000Z');
    await f.svc.updateVersion(ref, { excludeFromLatest: true, metadata: { exclusion: { reason: 'CVE-2026-0001' }, note: 'x' } });
    await f.svc.updateVersion(ref, { metadata: { note: null } });
    assert.deepEqual((await f.svc.showVersion(ref)).metadata, { boot: passingBoot(), exclusion: { reason: 'CVE-2026-0001' } });
    assert.equal((await f.svc.resolveLatest('g1', 'ubuntu'))?.name, '1.0.0');
    assert.equal((await f.svc.resolveLatest('g1', 'ubuntu', 'eastus')), undefined);
    const { version: v2 } = await f.svc.updateVersion(ref, { removeRegions: ['eastus'] });
    assert.deepEqual(v2.targetRegions.map((t) => t.name), ['westeurope']);
    assert.ok(!(await f.artifacts.has('eastus', v2.artifacts[0]!.digest)), 'replica no longer referenced is removed');
    await assert.rejects(f.svc.updateVersion(ref, { removeRegions: ['northeurope'] }), { code: 'GALLERY_REGION_NOT_TARGETED' });
    await assert.rejects(f.svc.updateVersion(ref, { endOfLifeDate: 'soon' }), { code: 'GALLERY_BAD_DATE' });
    const [row] = await store.query<{ doc: any }>(`SELECT doc FROM resources WHERE id = $1`, [v2.id]);
    assert.equal(row!.doc.properties.publishingProfile.excludeFromLatest, true);
    assert.deepEqual(row!.doc.properties.goldsmith.metadata, { boot: passingBoot(), exclusion: { reason: 'CVE-2026-0001' } });
    const events = await store.query<{ type: string }>(`SELECT type FROM change_events WHERE subject = $1 AND type = 'gallery.version.updated'`, [v2.id]);
    assert.equal(events.length, 5, 'one event per successful update, none for refused ones');
  });

  it('a region whose replication fails is recorded as Failed with details and never serves latest', async () => {
    const v = await f.publish('1.0.0');
    await f.artifacts.remove('local', v.artifacts[0]!.digest); // the source copy is gone: replication must fail
    const { replication, version } = await f.svc.updateVersion({ gallery: 'g1', image: 'ubuntu', version: '1.0.0' }, { addRegions: [{ name: 'eastus', replicaCount: 1 }] });
    assert.equal(replication[0]!.state, 'Failed');
    assert.deepEqual(version.replicationStatus.map((r) => [r.region, r.state]), [
      ['westeurope', 'Completed'],
      ['eastus', 'Failed'],
    ]);
    assert.match(version.replicationStatus[1]!.details!, /not in region local/);
    assert.equal(await f.svc.resolveLatest('g1', 'ubuntu', 'eastus'), undefined);
    assert.equal((await f.svc.resolveLatest('g1', 'ubuntu', 'westeurope'))?.name, '1.0.0');
    const [row] = await store.query<{ doc: any }>(`SELECT doc FROM resources WHERE id = $1`, [v.id]);
    assert.equal(row!.doc.properties.replicationStatus.aggregatedState, 'Failed');
  });

  it('soft delete → recover within retention; purge frees the number; purgeExpired drops expired ones and their blobs', async () => {
    await f.publish('1.0.0');
    const v2 = await f.publish('1.0.1');
    const ref = { gallery: 'g1', image: 'ubuntu', version: '1.0.1' };
    await f.svc.deleteVersion(ref);
    assert.equal((await f.svc.resolveLatest('g1', 'ubuntu', 'westeurope'))?.name, '1.0.0', 'soft-deleted is never latest');
    assert.equal((await store.query(`SELECT 1 FROM resources WHERE id = $1`, [v2.id])).length, 0);
    assert.equal(await f.svc.nextVersion('g1', 'ubuntu', 1), '1.0.2', 'a soft-deleted number is still held');
    await assert.rejects(f.publish('1.0.1'), { code: 'GALLERY_VERSION_EXISTS' });
    const shown = (await f.svc.listVersions('g1', 'ubuntu', { includeDeleted: true })).find((v) => v.name === '1.0.1');
    assert.equal(shown?.lifecycle, 'deleted');
    f.advanceDays(6);
    await f.svc.recoverVersion(ref);
    assert.equal((await f.svc.resolveLatest('g1', 'ubuntu', 'westeurope'))?.name, '1.0.1');
    assert.equal((await store.query(`SELECT 1 FROM resources WHERE id = $1`, [v2.id])).length, 1);

    await f.svc.deleteVersion(ref);
    f.advanceDays(7);
    await assert.rejects(f.svc.recoverVersion(ref), { code: 'GALLERY_RECOVERY_EXPIRED' });
    assert.ok(await f.artifacts.has('westeurope', v2.artifacts[0]!.digest));
    const res = await f.svc.purgeExpired();
    assert.deepEqual(res.purged, [v2.id]);
    assert.equal(res.blobsRemoved, 1);
    assert.ok(!(await f.artifacts.has('westeurope', v2.artifacts[0]!.digest)));
    assert.ok(await f.artifacts.has('local', v2.artifacts[0]!.digest), "the source region's copy is the producer's, kept");
    await assert.rejects(f.svc.showVersion(ref), { code: 'GALLERY_VERSION_NOT_FOUND' });
    await f.publish('1.0.1');

    await assert.rejects(f.svc.purgeVersion({ ...ref, version: '1.0.0' }), { code: 'GALLERY_VERSION_NOT_DELETED' });
    await f.svc.deleteVersion({ ...ref, version: '1.0.0' });
    assert.equal((await f.svc.purgeVersion({ ...ref, version: '1.0.0' })).purged.length, 1);
    const types = (await store.query<{ type: string }>(`SELECT type FROM change_events ORDER BY seq`)).map((r) => r.type);
    for (const t of ['gallery.version.deleted', 'gallery.version.recovered', 'gallery.version.purged']) assert.ok(types.includes(t), t);
  });

  it('a blob shared with a remaining version survives a purge', async () => {
    const art = await f.blob('shared');
    const regions = [{ name: 'westeurope', replicaCount: 1 }];
    await f.svc.replicateArtifacts([art.digest], 'local', regions);
    await f.svc.publishVersion({ gallery: 'g1', image: 'ubuntu', version: '1.0.0', location: 'local', targetRegions: regions, artifacts: [art] });
    await f.svc.publishVersion({ gallery: 'g1', image: 'ubuntu', version: '1.0.1', location: 'local', targetRegions: regions, artifacts: [art] });
    await f.svc.deleteVersion({ gallery: 'g1', image: 'ubuntu', version: '1.0.1' });
    assert.equal((await f.svc.purgeVersion({ gallery: 'g1', image: 'ubuntu', version: '1.0.1' })).blobsRemoved, 0);
    assert.ok(await f.artifacts.has('westeurope', art.digest));
  });

  it('blockDeletionBeforeEndOfLife refuses deletion until end of life', async () => {
    await f.publish('1.0.0', undefined, { endOfLifeDate: '2026-06-01', safetyProfile: { blockDeletionBeforeEndOfLife: true } });
    const ref = { gallery: 'g1', image: 'ubuntu', version: '1.0.0' };
    await assert.rejects(f.svc.deleteVersion(ref), (e: { code: string; message: string }) => {
      assert.equal(e.code, 'GALLERY_DELETION_BLOCKED');
      assert.match(e.message, /2026-06-01/);
      return true;
    });
    assert.equal((await f.svc.showVersion(ref)).lifecycle, 'active');
    f.now = new Date('2026-06-02T00:00:00Z');
    assert.equal((await f.svc.showVersion(ref)).lifecycle, 'end-of-life');
    await f.svc.deleteVersion(ref);
    assert.equal((await f.svc.showVersion(ref)).lifecycle, 'deleted');
  });

  it('deleting a definition with versions (even soft-deleted) is refused', async () => {
    await f.publish('1.0.0');
    await f.svc.deleteVersion({ gallery: 'g1', image: 'ubuntu', version: '1.0.0' });
    await assert.rejects(f.svc.deleteImageDefinition('g1', 'ubuntu'), { code: 'GALLERY_IMAGE_HAS_VERSIONS' });
    await f.svc.purgeVersion({ gallery: 'g1', image: 'ubuntu', version: '1.0.0' });
    await f.svc.deleteImageDefinition('g1', 'ubuntu');
    await assert.rejects(f.svc.getImageDefinition('g1', 'ubuntu'), { code: 'GALLERY_IMAGE_NOT_FOUND' });
    assert.equal((await store.query(`SELECT 1 FROM resources WHERE id = $1`, [IMG])).length, 0);
  });

  it('conformance cases (test/gallery/cases/latest.json) on the indexed resolver and the list view', async () => {
    for (const c of latestCases) {
      await store.query(`DELETE FROM gallery_version_regions; DELETE FROM gallery_versions;`);
      for (const v of c.versions) {
        const regions = v.regions.map(regionOf);
        await f.publish(v.version, regions.map((r) => ({ name: r.name, replicaCount: 1, excludeFromLatest: r.excludeFromLatest })), { excludeFromLatest: v.excludeFromLatest });
        for (const r of regions.filter((x) => x.state === 'Failed')) {
          await store.query(`UPDATE gallery_version_regions SET state = 'Failed' WHERE version_id LIKE $1 AND region = $2`, [`%/versions/${v.version}`, r.name]);
        }
        if (v.deleted) await f.svc.deleteVersion({ gallery: 'g1', image: 'ubuntu', version: v.version });
      }
      const list = await f.svc.listVersions('g1', 'ubuntu', { includeDeleted: true });
      for (const [region, want] of Object.entries(c.want)) {
        const r = region === '*' ? undefined : region;
        assert.equal((await f.svc.resolveLatest('g1', 'ubuntu', r))?.name ?? null, want, `${c.note} [${region}] indexed`);
        const viewed = list.find((v) => (r ? v.latestIn.includes(r) : v.isLatest));
        assert.equal(viewed?.name ?? null, want, `${c.note} [${region}] list view`);
        if (want) {
          const one = await f.svc.showVersion({ gallery: 'g1', image: 'ubuntu', version: want });
          assert.ok(r ? one.latestIn.includes(r) : one.isLatest, `${c.note} [${region}] single view`);
        }
      }
    }
  });

  it('getVersion by Azure id; the indexed resolver agrees with the pure one on mixed data', async () => {
    const versions = ['1.0.0', '1.10.0', '1.9.0', '2.0.0', '0.5.0'];
    for (const [i, v] of versions.entries()) {
      await f.publish(v, [{ name: 'westeurope', replicaCount: 1, excludeFromLatest: i === 3 }, { name: 'eastus', replicaCount: 1 }], { excludeFromLatest: i === 1 });
    }
    await f.svc.deleteVersion({ gallery: 'g1', image: 'ubuntu', version: '1.9.0' });
    const list = await f.svc.listVersions('g1', 'ubuntu');
    for (const region of [undefined, 'westeurope', 'eastus']) {
      const fast = await f.svc.resolveLatest('g1', 'ubuntu', region);
      const pure = region ? list.find((v) => v.latestIn.includes(region)) : list.find((v) => v.isLatest);
      assert.equal(fast?.name, pure?.name, `region ${region}`);
    }
    assert.equal((await f.svc.resolveLatest('g1', 'ubuntu', 'westeurope'))?.name, '1.0.0');
    assert.equal((await f.svc.resolveLatest('g1', 'ubuntu', 'eastus'))?.name, '2.0.0');
    const one = await f.svc.getVersion(`${IMG}/versions/2.0.0`);
    assert.deepEqual([one.name, one.isLatest, one.latestIn], ['2.0.0', true, ['eastus']]);
    await assert.rejects(f.svc.getVersion('/not/an/id'), { code: 'GALLERY_BAD_ID' });
  });
});
