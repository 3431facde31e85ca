import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Store } from '../../src/store/index.js';
import { affectedVersionsFor, findAdvisories, impact, importAdvisories } from '../../src/vuln/index.js';
import { describeEachBackend } from '../support/stores.js';
import { fixture, putVm } from './helpers.js';

/**
 * An advisory that hits thousands of versions takes the other path (whole indexes into hash joins
 * instead of one probe per version): the same answers, seeded with set-based SQL as the bench does.
 */
const G = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/many';
const IMAGE = `${G}/images/base`;
const VERSIONS = 2100;

describeEachBackend('blast radius over thousands of versions', (b) => {
  let store: Store;
  before(async () => {
    store = await b.open();
    await store.query(`INSERT INTO gallery_galleries (id, id_lower, subscription, resource_group, name, location, created_at) VALUES ($1, lower($1), 's', 'rg', 'many', 'local', now())`, [G]);
    await store.query(
      `INSERT INTO gallery_images (id, id_lower, gallery_id, name, publisher, offer, sku, os_type, os_state, hyper_v_generation, created_at)
       VALUES ($1, lower($1), $2, 'base', 'P', 'O', 'S', 'Linux', 'Generalized', 'V2', now())`,
      [IMAGE, G],
    );
    // Published newest first, so stored order is not version order.
    await store.query(
      `INSERT INTO gallery_versions (id, id_lower, image_id, name, major, minor, patch, location, published_date, exclude_from_latest, deleted_at)
       SELECT $1 || '/versions/1.0.' || p, lower($1 || '/versions/1.0.' || p), $1, '1.0.' || p, 1, 0, p, 'local', now(), p = 7, CASE WHEN p = 8 THEN now() END
       FROM generate_series($2 - 1, 0, -1) AS p`,
      [IMAGE, VERSIONS],
    );
    await store.query(`INSERT INTO package_rows (ecosystem, package, version, source, source_version, arch) VALUES ('Debian:12', 'libc6', '2.36-9+deb12u4', 'glibc', '2.36-9+deb12u4', 'amd64')`);
    await store.query(`INSERT INTO version_packages (row_id, version_seq) SELECT r.id, v.seq FROM package_rows r, gallery_versions v WHERE v.image_id = $1`, [IMAGE]);
    await importAdvisories(store, fixture('dsa-5673-1.osv.json'));
    await putVm(store, 'vm-b', { team: 'shop', role: 'cattle' }, { id: `${IMAGE}/versions/1.0.5` });
    await putVm(store, 'vm-a', { team: 'shop', role: 'pet' }, { id: IMAGE, exactVersion: '1.0.2000' });
    await putVm(store, 'vm-c', {}, { id: `${IMAGE}/versions/1.0.8` }); // on the soft-deleted version
  });
  after(async () => store.close());

  it('finds every live version in version order, with exclusion flags', async () => {
    const list = await affectedVersionsFor(store, await findAdvisories(store, 'DSA-5673-1'));
    assert.equal(list.length, VERSIONS - 1, 'the soft-deleted version is not reported');
    assert.deepEqual(list.slice(0, 10).map((v) => v.version), ['1.0.0', '1.0.1', '1.0.2', '1.0.3', '1.0.4', '1.0.5', '1.0.6', '1.0.7', '1.0.9', '1.0.10']);
    assert.equal(list.at(-1)!.version, `1.0.${VERSIONS - 1}`);
    assert.deepEqual(list.filter((v) => v.excludeFromLatest).map((v) => v.version), ['1.0.7']);
    assert.deepEqual(list[0]!.packages.map((p) => [p.name, p.installed, p.fixed]), [['libc6', '2.36-9+deb12u4', '2.36-9+deb12u6']]);
  });

  it('counts and lists the VMs on them, those on the soft-deleted version too', async () => {
    const i = await impact(store, 'CVE-2024-2961', { vmLimit: 1 });
    assert.equal(i.vmCount, 3);
    assert.deepEqual(i.byTeam, { shop: { vms: 2, byRole: { cattle: 1, pet: 1 } }, '(no team)': { vms: 1, byRole: { '(no role)': 1 } } });
    assert.deepEqual(i.softDeletedVersions.map((v) => v.version), ['1.0.8']);
    assert.ok(!i.affectedVersions.some((v) => v.version === '1.0.8'));
    assert.deepEqual(i.vms.map((v) => [v.name, v.imageVersion]), [['vm-b', `${IMAGE}/versions/1.0.5`]], 'cattle before pet, one listed');
  });

  it('a page of any size is the head of the full list, whichever (team, role) groups it reaches into', async () => {
    const teams = ['ops', 'shop', undefined];
    const roles = ['pet', 'cattle', undefined];
    for (let n = 0; n < 27; n++) {
      const tags: Record<string, string> = {};
      if (teams[n % 3]) tags.team = teams[n % 3]!;
      if (roles[Math.floor(n / 3) % 3]) tags.role = roles[Math.floor(n / 3) % 3]!;
      await putVm(store, `p-${String(n).padStart(2, '0')}`, tags, n % 2 ? { id: `${IMAGE}/versions/1.0.${n * 70}` } : { id: IMAGE, exactVersion: `1.0.${n * 70}` });
    }
    const all = await impact(store, 'CVE-2024-2961', { vmLimit: null });
    assert.equal(all.vmCount, 30);
    assert.equal(all.vms.length, 30);
    assert.equal(all.vms.find((v) => v.name === 'vm-c')?.imageVersion, `${IMAGE}/versions/1.0.8`, 'the VM on the soft-deleted version, its id as the gallery spells it');
    const key = (v: { team: string | null; role: string | null; name: string }) => [v.team ?? '\uffff', v.role ?? '\uffff', v.name];
    const sorted = [...all.vms].sort((a, b) => (JSON.stringify(key(a)) < JSON.stringify(key(b)) ? -1 : 1));
    assert.deepEqual(all.vms.map((v) => v.name), sorted.map((v) => v.name), 'team, role, name; untagged last');
    for (const limit of [0, 1, 2, 3, 4, 10, 29, 30, 100]) {
      const page = await impact(store, 'CVE-2024-2961', { vmLimit: limit });
      assert.deepEqual(page.vms, all.vms.slice(0, limit), `limit ${limit}`);
      assert.deepEqual([page.vmCount, page.byTeam, page.byRole], [all.vmCount, all.byTeam, all.byRole]);
    }
  });
});
