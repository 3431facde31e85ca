import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import { imageFactsFor, loadGalleryIndex, type AdmissionReviewer } from '../../src/fleet/index.js';
import { cattleRunCurrentImage, compileDefinition, evaluate, restrictImagesToGallery } from '../../src/policy/index.js';
import type { Store } from '../../src/store/index.js';
import { describeEachBackend } from '../support/stores.js';
import { FleetFixture, resetTables, SUB } from './fixtures.js';

// Read from the source tree: tsc does not copy JSON fixtures into dist/.
const root = fileURLToPath(new URL(/\/dist\//.test(import.meta.url) ? '../../../' : '../../', import.meta.url));
const AZ = readFileSync(join(root, 'test/fleet/fixtures/az-vm-list.json'), 'utf8');
const PAY_SUB = '7d4c2a9e-1b3f-4c8d-9e0a-2f6b8c1d3e5f';
const total = async (store: Store) => (await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM resources`))[0]!.n;

describeEachBackend('fleet import and image facts', (b) => {
  let store: Store;
  let f: FleetFixture;
  before(async () => {
    store = await b.open();
  });
  after(async () => store.close());
  beforeEach(async () => {
    await resetTables(store);
    f = new FleetFixture(store);
    await f.standardGallery();
  });
  afterEach(() => f.cleanup());

  it('imports az vm list output (flattened properties), creating the missing scopes', async () => {
    const r = await f.fleet.importVms(AZ, 'az-vm-list.json');
    assert.deepEqual([r.imported, r.created, r.updated], [3, 3, 0]);
    assert.deepEqual(r.scopesCreated.sort(), [
      `/subscriptions/${PAY_SUB}`,
      `/subscriptions/${PAY_SUB}/resourceGroups/PAYMENTS-PROD`,
      '/subscriptions/c0ffee00-1234-4abc-8def-0123456789ab',
      '/subscriptions/c0ffee00-1234-4abc-8def-0123456789ab/resourceGroups/web-dev',
    ]);
    const db = await f.fleet.getVm('pay-db-01');
    assert.equal((db.properties.hardwareProfile as { vmSize: string }).vmSize, 'Standard_E4s_v5');
    assert.equal('resourceGroup' in db, false);
    assert.equal(((db.identity as { type: string }).type), 'SystemAssigned', 'envelope keys stay at the top level');
    assert.deepEqual((await f.fleet.listVms({ resourceGroup: 'payments-prod', role: 'pet' })).map((v) => v.name), ['pay-db-01']);
    assert.equal((await f.fleet.resolveScope(`/subscriptions/${PAY_SUB}/resourceGroups/payments-prod`)).exists, true);
    // Importing again updates in place.
    const again = await f.fleet.importVms(AZ);
    assert.deepEqual([again.created, again.updated, again.scopesCreated.length], [0, 3, 0]);
  });

  it('import is all-or-nothing: every bad entry is reported with its index and path', async () => {
    const before = await total(store);
    const entries = JSON.parse(AZ) as Array<Record<string, any>>;
    delete entries[0]!.hardwareProfile;
    entries[2]!.tags = { role: 'sheep' };
    entries.push({ ...entries[1] }, { ...entries[2], tags: {}, resourceGroup: 'elsewhere' });
    await assert.rejects(f.fleet.importVms(JSON.stringify(entries), 'fleet.json'), (e: Error & { code: string; data: { problems: Array<{ path: string }> } }) => {
      assert.equal(e.code, 'FLEET_BAD_IMPORT');
      assert.deepEqual(e.data.problems.map((p) => p.path), ['/0/hardwareProfile/vmSize', '/2/tags/role', '/3/id', '/4/resourceGroup']);
      assert.match(e.message, /4 of 5 entries in fleet\.json are invalid; nothing was imported/);
      return true;
    });
    await assert.rejects(f.fleet.importVms('{"not": "an array"}'), { code: 'FLEET_BAD_IMPORT' });
    await assert.rejects(f.fleet.importVms('[{'), { code: 'FLEET_BAD_IMPORT' });
    assert.equal(await total(store), before);

    const denyDb: AdmissionReviewer = {
      async review(resource) {
        const deny = resource.name === 'pay-db-01';
        return { allowed: !deny, resource, denials: deny ? [{ assignmentId: 'a1', assignmentName: 'gallery-only', message: 'use a Goldsmith image' }] : [] };
      },
    };
    await assert.rejects(f.withAdmission(denyDb).importVms(AZ), (e: Error & { code: string }) => {
      assert.equal(e.code, 'FLEET_DENIED_BY_POLICY');
      assert.match(e.message, /\[1\] .*pay-db-01: policy assignment 'gallery-only' \(a1\): use a Goldsmith image/);
      return true;
    });
    assert.equal(await total(store), before, 'a denied entry stops the whole import');
  });

  it('computes image facts: latest, aged, excluded, end-of-life, marketplace and foreign galleries', async () => {
    await f.fleet.createVm({ name: 'latest', image: 'g1/ubuntu', role: 'cattle', team: 'web' });
    await f.fleet.createVm({ name: 'aged', image: 'g1/ubuntu/1.0.0', role: 'cattle', team: 'web' });
    await f.fleet.createVm({ name: 'excluded', image: 'g1/ubuntu/1.2.0', role: 'pet', team: 'data' });
    await f.fleet.createVm({ name: 'eol', image: 'g1/legacy/2.0.0', role: 'pet', team: 'data' });
    await f.fleet.createVm({ name: 'market', image: 'Canonical:ubuntu-24_04-lts:server:24.04.202410010', location: 'westeurope', role: 'cattle', team: 'web' });
    await f.fleet.importVms(AZ);

    const facts = async (name: string) => (await f.fleet.showVm(name)).image;
    const latest = await facts('latest');
    assert.deepEqual(
      [latest.fromGallery, latest.version, latest.isLatest, latest.isExcluded, latest.lifecycle, latest.ageDays, latest.galleryName],
      [true, '1.1.0', true, false, 'active', 20, 'g1'],
    );
    assert.equal((latest.tattoo as Record<string, string>).BUILD_ID, 'b-1.1.0');
    const aged = await facts('aged');
    assert.deepEqual([aged.isLatest, aged.lifecycle, aged.ageDays, aged.latestVersion], [false, 'aged', 30, '1.1.0']);
    const excluded = await facts('excluded');
    assert.deepEqual([excluded.isLatest, excluded.isExcluded, excluded.lifecycle], [false, true, 'active']);
    const eol = await facts('eol');
    assert.deepEqual([eol.lifecycle, eol.isLatest, eol.endOfLifeDate?.slice(0, 10)], ['end-of-life', true, '2026-03-26']);
    assert.deepEqual(await facts('market'), { fromGallery: false });
    assert.deepEqual(await facts('pay-db-01'), { fromGallery: false }, 'a gallery Goldsmith does not hold is not "from the gallery"');

    // Later: a new latest ages 1.1.0, and the VM that took `latest` keeps running what it got.
    f.at(40);
    await f.publish('g1', 'ubuntu', '1.3.0');
    const after = await facts('latest');
    assert.deepEqual([after.version, after.isLatest, after.lifecycle, after.latestVersion], ['1.1.0', false, 'aged', '1.3.0']);

    // Fleet questions.
    const outdated = await f.fleet.outdated();
    assert.deepEqual(
      outdated.map((o) => [o.name, o.reasons.join(',')]),
      [
        ['aged', 'not-latest,aged'],
        ['eol', 'end-of-life'],
        ['excluded', 'not-latest,aged,excluded'],
        ['latest', 'not-latest,aged'],
      ],
    );
    const byTeam = await f.fleet.imageUsage({ groupBy: 'team' });
    const web = byTeam.filter((r) => r.group === 'web');
    assert.deepEqual(web.map((r) => [r.image, r.version, r.vms]), [
      ['Canonical:ubuntu-24_04-lts:server', '24.04.202410010', 1],
      ['g1/ubuntu', '1.0.0', 1],
      ['g1/ubuntu', '1.1.0', 1],
    ]);
    const byVersion = await f.fleet.imageUsage({ groupBy: 'version' });
    assert.equal(byVersion.find((r) => r.group === 'g1/ubuntu/1.1.0')?.vms, 1);
    const roles = await f.fleet.roles();
    assert.deepEqual(roles.map((r) => [r.role, r.vms, r.fromGallery, r.outdated]), [
      ['(untagged)', 1, 0, 0],
      ['cattle', 4, 2, 2],
      ['pet', 3, 2, 2],
    ]);

    // The facts are what the policy engine's Goldsmith aliases read: the built-ins judge these VMs.
    const gid = `/subscriptions/${SUB}/resourceGroups/goldsmith/providers/Microsoft.Compute/galleries/g1`;
    const restrict = compileDefinition(restrictImagesToGallery, { galleryIds: { value: [gid] } });
    const cattle = compileDefinition(cattleRunCurrentImage);
    const judge = async (name: string) => {
      const { resource, image } = await f.fleet.showVm(name);
      const ctx = { now: f.now, computed: { image } };
      return [evaluate(restrict, resource, ctx).complianceState, evaluate(cattle, resource, ctx).complianceState];
    };
    assert.deepEqual(await judge('latest'), ['Compliant', 'NonCompliant'], 'cattle on a version aged by 1.3.0');
    assert.deepEqual(await judge('market'), ['NonCompliant', 'NonCompliant']);
    assert.deepEqual(await judge('pay-db-01'), ['NonCompliant', 'Compliant'], 'a pet is not judged by the cattle rule');
    await f.fleet.updateVm('latest', { image: 'g1/ubuntu' });
    assert.deepEqual(await judge('latest'), ['Compliant', 'Compliant'], 'back on latest');

    // Pure and fast: the whole fleet's facts from one index.
    const index = await loadGalleryIndex(store);
    const docs = await f.fleet.listVms();
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) imageFactsFor(docs[i % docs.length]!, index, f.now);
    assert.ok(performance.now() - t0 < 1000);
    void SUB;
  });
});
