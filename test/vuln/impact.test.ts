import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { App } from '../../src/app/index.js';
import type { Store } from '../../src/store/index.js';
import { affectedVersionsFor, findAdvisories, impact, importAdvisories, summarizeAdvisories } from '../../src/vuln/index.js';
import { describeEachBackend } from '../support/stores.js';
import { fixture, inventory, newApp, publishWith, putVm, type Pkg } from './helpers.js';

const glibc = (v: string): Pkg[] => [['libc6', v, 'glibc'], ['libc-bin', v, 'glibc'], ['bash', '5.2.15-2+b2', 'bash', '5.2.15-2']];

describeEachBackend('blast radius (impact)', (b) => {
  let store: Store;
  let app: App;
  const ids: Record<string, string> = {};
  before(async () => {
    store = await b.open();
    app = newApp(store);
    await importAdvisories(store, fixture('dsa-5673-1.osv.json'));
    await importAdvisories(store, fixture('dsa-5724-1.osv.json'));
    await importAdvisories(store, fixture('debian-tracker.json'));
    ids.web1 = await publishWith(app, { image: 'web', version: '1.0.0', regions: [{ name: 'local', replicaCount: 1 }, { name: 'westeurope', replicaCount: 1 }] }, inventory(glibc('2.36-9+deb12u4')));
    ids.web2 = await publishWith(app, { image: 'web', version: '1.0.1' }, inventory(glibc('2.36-9+deb12u6')));
    ids.db1 = await publishWith(app, { image: 'db', version: '2.0.0' }, inventory([...glibc('2.36-9+deb12u5'), ['openssh-server', '1:9.2p1-2+deb12u2', 'openssh'], ['openssh-client', '1:9.2p1-2+deb12u2', 'openssh']]));
    // A Debian 11 image with an old glibc matches only the bullseye entry.
    ids.old = await publishWith(app, { image: 'legacy', version: '1.0.0' }, inventory(glibc('2.31-13+deb11u8'), { id: 'debian', versionId: '11', versionCodename: 'bullseye' }));
    const imgDef = ids.web1!.replace(/\/versions\/.*$/, '');
    await putVm(store, 'web-a', { team: 'shop', role: 'cattle' }, { id: ids.web1! });
    await putVm(store, 'web-b', { team: 'shop', role: 'cattle' }, { id: imgDef, exactVersion: '1.0.0' });
    await putVm(store, 'web-c', { team: 'shop', role: 'cattle' }, { id: ids.web2! });
    await putVm(store, 'db-a', { team: 'data', role: 'pet' }, { id: ids.db1! });
    await putVm(store, 'stray', {}, { id: ids.db1!.toUpperCase() });
  });
  after(async () => store.close());

  it('finds affected versions by source package and dpkg ordering, with installed and fixed versions', async () => {
    const i = await impact(store, 'DSA-5673-1');
    assert.deepEqual(i.affectedVersions.map((v) => `${v.image}/${v.version}`), ['db/2.0.0', 'legacy/1.0.0', 'web/1.0.0']);
    const web = i.affectedVersions.find((v) => v.id === ids.web1)!;
    assert.deepEqual(web.packages.map((p) => [p.name, p.installed, p.fixed]), [['libc-bin', '2.36-9+deb12u4', '2.36-9+deb12u6'], ['libc6', '2.36-9+deb12u4', '2.36-9+deb12u6']]);
    assert.equal(i.affectedVersions.find((v) => v.id === ids.old)!.packages[0]!.fixed, '2.31-13+deb11u9', 'bullseye image gets the bullseye fix');
  });

  it('finds the VMs running them (direct and latest+exactVersion, ids case-insensitive), grouped by team and role', async () => {
    const i = await impact(store, 'CVE-2024-2961');
    assert.deepEqual(i.vms.map((v) => v.name).sort(), ['db-a', 'stray', 'web-a', 'web-b']);
    assert.equal(i.vmCount, 4);
    assert.deepEqual(i.byTeam, { data: { vms: 1, byRole: { pet: 1 } }, shop: { vms: 2, byRole: { cattle: 2 } }, '(no team)': { vms: 1, byRole: { '(no role)': 1 } } });
    assert.deepEqual(i.byRole, { cattle: 2, pet: 1, '(no role)': 1 });
    assert.equal(i.vms.find((v) => v.name === 'web-b')!.imageVersion, ids.web1);
  });

  it('looks advisories up by CVE alias and matches the tracker and DSA records together', async () => {
    const i = await impact(store, 'CVE-2024-6387');
    assert.equal(i.advisory.id, 'CVE-2024-6387');
    assert.deepEqual(i.related, ['DSA-5724-1']);
    assert.deepEqual(i.affectedVersions.map((v) => v.id), [ids.db1]);
    assert.deepEqual(i.affectedVersions[0]!.packages.map((p) => `${p.name} ${p.installed}→${p.fixed}`), ['openssh-client 1:9.2p1-2+deb12u2→1:9.2p1-2+deb12u3', 'openssh-server 1:9.2p1-2+deb12u2→1:9.2p1-2+deb12u3']);
  });

  it('reports soft-deleted versions apart, and still counts the VMs running them', async () => {
    const extra = await publishWith(app, { image: 'tmp', version: '1.0.0' }, inventory(glibc('2.36-9+deb12u1')));
    await putVm(store, 'tmp-vm', { team: 'tmp' }, { id: extra });
    const before = await impact(store, 'DSA-5673-1', { vmLimit: null });
    assert.ok(before.affectedVersions.some((v) => v.id === extra));
    assert.deepEqual(before.softDeletedVersions, []);
    await app.gallery.deleteVersion(extra);
    const after = await impact(store, 'DSA-5673-1', { vmLimit: null });
    assert.ok(!after.affectedVersions.some((v) => v.id === extra));
    assert.deepEqual(after.softDeletedVersions, [{ id: extra, imageId: extra.replace(/\/versions\/.*$/, ''), gallery: 'g1', image: 'tmp', version: '1.0.0' }]);
    assert.equal(after.vmCount, before.vmCount);
    assert.deepEqual(after.vms.find((v) => v.name === 'tmp-vm')?.imageVersion, extra);
    assert.ok(!(await affectedVersionsFor(store, await findAdvisories(store, 'DSA-5673-1'))).some((v) => v.id === extra), 'not offered for exclusion or rebuild');
    await store.query(`DELETE FROM resources WHERE name = 'tmp-vm'`);
  });

  it('cve list counts affected image versions per advisory', async () => {
    const list = await summarizeAdvisories(store);
    const by = Object.fromEntries(list.map((a) => [a.id, a]));
    assert.equal(by['DSA-5673-1']!.affectedVersions, 3);
    assert.equal(by['DSA-5724-1']!.affectedVersions, 1);
    assert.deepEqual(by['DSA-5724-1']!.fixed, ['Debian:12 openssh 1:9.2p1-2+deb12u3']);
    assert.deepEqual(by['DSA-5724-1']!.aliases, ['CVE-2024-6387']);
  });

  it('finds scale sets on latest + exactVersion, skips latest without a resolved version, orders VMs by team, role, name', async () => {
    const imgDef = ids.web1!.replace(/\/versions\/.*$/, '');
    const ss = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/apps/providers/Microsoft.Compute/virtualMachineScaleSets/web-ss';
    const doc = { id: ss, name: 'web-ss', tags: { team: 'shop', role: 'cattle' }, properties: { virtualMachineProfile: { storageProfile: { imageReference: { id: imgDef.toUpperCase(), exactVersion: '1.0.0' } } } } };
    await store.query(`INSERT INTO resources (id, id_lower, type, subscription, resource_group, name, doc) VALUES ($1, lower($1), 'microsoft.compute/virtualmachinescalesets', 's', 'apps', 'web-ss', $2)`, [ss, doc]);
    await putVm(store, 'web-latest', { team: 'shop', role: 'cattle' }, { id: imgDef });
    const i = await impact(store, 'CVE-2024-2961');
    assert.deepEqual(i.vms.map((v) => v.name), ['db-a', 'web-a', 'web-b', 'web-ss', 'stray'], 'team, then role, then name; no team last; unresolved latest skipped');
    const s = i.vms.find((v) => v.name === 'web-ss')!;
    assert.equal(s.type, 'microsoft.compute/virtualmachinescalesets');
    assert.equal(s.imageVersion, ids.web1, 'the canonical version id, whatever the case of the reference');
    assert.deepEqual(i.byTeam.shop, { vms: 3, byRole: { cattle: 3 } });
  });

  it('lists the first VMs by team, role, name but counts every one; reads tags as Azure does (names case-insensitive)', async () => {
    await putVm(store, 'z-ops', { Team: 'ops', ROLE: 'Pet' }, { id: ids.db1! });
    const all = await impact(store, 'CVE-2024-2961', { vmLimit: null });
    const page = await impact(store, 'CVE-2024-2961', { vmLimit: 2 });
    assert.ok(all.vms.length > 2);
    assert.equal(page.vmCount, all.vms.length);
    assert.deepEqual(page.vms.map((v) => v.name), all.vms.slice(0, 2).map((v) => v.name));
    assert.deepEqual(page.byTeam, all.byTeam);
    const ops = all.vms.find((v) => v.name === 'z-ops')!;
    assert.deepEqual([ops.team, ops.role], ['ops', 'pet']);
    assert.deepEqual(all.byTeam.ops, { vms: 1, byRole: { pet: 1 } });
    assert.equal(Object.keys(all.byTeam).at(-1), '(no team)', 'untagged last');
  });

  it('orders versions by number within an image definition, whatever order they were published in', async () => {
    for (const version of ['3.0.10', '3.0.9', '3.0.100']) await publishWith(app, { image: 'order', version }, inventory(glibc('2.36-9+deb12u1')));
    const i = await impact(store, 'DSA-5673-1', { vmLimit: 0 });
    assert.deepEqual(i.affectedVersions.filter((v) => v.image === 'order').map((v) => v.version), ['3.0.9', '3.0.10', '3.0.100']);
    assert.deepEqual(i.vms, [], 'vmLimit 0 lists none');
  });

  it('unknown advisory → not found', async () => {
    await assert.rejects(impact(store, 'CVE-1999-0001'), (e: Error & { code?: string }) => e.code === 'VULN_ADVISORY_NOT_FOUND');
  });
});
