import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import { loadHierarchy, scopeContains, type AdmissionReviewer, type ArmResource } from '../../src/fleet/index.js';
import type { Resource } from '../../src/policy/index.js';
import type { Store } from '../../src/store/index.js';
import { describeEachBackend } from '../support/stores.js';
import { FleetFixture, resetTables, SUB } from './fixtures.js';

const RG = `/subscriptions/${SUB}/resourceGroups/goldsmith`;
const IMG = `${RG}/providers/Microsoft.Compute/galleries/g1/images/ubuntu`;
const count = async (store: Store, type = 'microsoft.compute/virtualmachines') =>
  (await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM resources WHERE type = $1`, [type]))[0]!.n;

describeEachBackend('fleet service', (b) => {
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

  it('has the default hierarchy and resolves scopes, known and unknown', async () => {
    const sub = await f.fleet.resolveScope(`/subscriptions/${SUB}`);
    assert.deepEqual([sub.kind, sub.exists], ['subscription', true]);
    assert.equal((await f.fleet.resolveScope(`${RG}`)).exists, true);
    assert.equal((await f.fleet.resolveScope(`/subscriptions/${SUB}/resourceGroups/nope`)).exists, false);
    assert.equal((await f.fleet.resolveScope('/providers/Microsoft.Management/managementGroups/root')).exists, true);
    await assert.rejects(f.fleet.resolveScope('/subscriptions/x/resourceGroups'), { code: 'FLEET_BAD_SCOPE' });

    await f.fleet.scopes.createManagementGroup('platform', { displayName: 'Platform' });
    await f.fleet.scopes.createManagementGroup('prod', { parent: 'platform' });
    const other = '11111111-1111-1111-1111-111111111111';
    await f.fleet.scopes.createSubscription(other, { managementGroup: 'prod', displayName: 'Prod 1' });
    await f.fleet.scopes.createResourceGroup('web', { subscription: other, location: 'westeurope' });
    await assert.rejects(f.fleet.scopes.createResourceGroup('web', { subscription: other }), { code: 'FLEET_EXISTS' });
    await assert.rejects(f.fleet.scopes.createSubscription('22222222-1111-1111-1111-111111111111', { managementGroup: 'ghost' }), { code: 'FLEET_SCOPE_NOT_FOUND' });
    const h = await loadHierarchy(store);
    const vm = `/subscriptions/${other}/resourceGroups/web/providers/Microsoft.Compute/virtualMachines/a`;
    assert.ok(scopeContains('/providers/Microsoft.Management/managementGroups/platform', vm, h));
    assert.ok(!scopeContains('/providers/Microsoft.Management/managementGroups/platform', `${RG}/providers/Microsoft.Compute/virtualMachines/a`, h));
    const kinds = (await f.fleet.scopes.list()).map((s) => s.kind);
    assert.deepEqual([...new Set(kinds)], ['managementGroup', 'subscription', 'resourceGroup']);
    // Management groups list their children the way compliance reads them.
    const [platform] = await store.query<{ doc: ArmResource }>(`SELECT doc FROM resources WHERE id_lower = '/providers/microsoft.management/managementgroups/prod'`);
    assert.deepEqual((platform!.doc.properties.children as Array<{ id: string }>).map((c) => c.id), [`/subscriptions/${other}`]);
  });

  it('creates, lists, updates and deletes VMs with change events', async () => {
    const events: string[] = [];
    store.onChange((e) => void events.push(`${e.type} ${e.subject.split('/').pop()}`));
    const vm = await f.fleet.createVm({ name: 'web1', image: 'g1/ubuntu', team: 'web', application: 'shop', role: 'cattle', securityType: 'TrustedLaunch' });
    const ref = vm.properties.storageProfile as { imageReference: { id: string; exactVersion: string } };
    assert.deepEqual(ref.imageReference, { id: IMG, exactVersion: '1.1.0' }, 'latest keeps the definition id; exactVersion records the resolution');
    assert.equal(vm.location, 'westeurope', 'a VM is created where its image is');
    assert.deepEqual(vm.properties.securityProfile, { securityType: 'TrustedLaunch', uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } });
    await f.fleet.createVm({ name: 'db1', image: 'g1/ubuntu/1.0.0', team: 'data', role: 'pet' });
    await f.fleet.createVm({ name: 'ext1', image: 'Canonical:ubuntu-24_04-lts:server:latest', location: 'westeurope', team: 'web', role: 'pet' });
    await assert.rejects(f.fleet.createVm({ name: 'web1', image: 'g1/ubuntu' }), { code: 'FLEET_EXISTS' });
    await assert.rejects(f.fleet.createVm({ name: 'x', image: 'g1/ubuntu', role: 'horse' }), { code: 'FLEET_BAD_TAG' });
    await assert.rejects(f.fleet.createVm({ name: 'x', image: 'g1/ubuntu', resourceGroup: 'missing' }), { code: 'FLEET_SCOPE_NOT_FOUND' });
    await assert.rejects(f.fleet.createVm({ name: 'x', image: 'g1/ubuntu/1.0.0', location: 'eastus' }), { code: 'FLEET_IMAGE_NOT_IN_REGION' });
    await assert.rejects(f.fleet.createVm({ name: 'x', image: 'g1/nothing' }), { code: 'GALLERY_IMAGE_NOT_FOUND' });

    assert.deepEqual((await f.fleet.listVms({ team: 'WEB' })).map((v) => v.name), ['ext1', 'web1']);
    assert.deepEqual((await f.fleet.listVms({ role: 'pet' })).map((v) => v.name), ['db1', 'ext1']);
    assert.deepEqual((await f.fleet.listVms({ image: 'g1/ubuntu/1.1.0' })).map((v) => v.name), ['web1']);
    assert.deepEqual((await f.fleet.listVms({ image: 'g1/ubuntu' })).map((v) => v.name), ['db1', 'web1']);
    assert.deepEqual((await f.fleet.listVms({ image: 'canonical:ubuntu-24_04-lts:server:latest' })).map((v) => v.name), ['ext1']);
    assert.deepEqual((await f.fleet.listVms({ resourceGroup: 'GOLDSMITH', application: 'shop' })).map((v) => v.name), ['web1']);

    const updated = await f.fleet.updateVm('db1', { image: 'g1/ubuntu/1.1.0', tags: { owner: 'ana' }, size: 'Standard_E2s_v5' });
    assert.equal((updated.properties.storageProfile as { imageReference: { id: string } }).imageReference.id, `${IMG}/versions/1.1.0`);
    assert.deepEqual(updated.tags, { team: 'data', role: 'pet', owner: 'ana' });
    assert.equal((await f.fleet.getVm('db1')).properties.vmId, updated.properties.vmId);

    await f.fleet.putResource({
      id: `${vm.id}/extensions/AADSSHLogin`,
      name: 'AADSSHLogin',
      type: 'Microsoft.Compute/virtualMachines/extensions',
      location: 'westeurope',
      properties: { publisher: 'Microsoft.Azure.ActiveDirectory', type: 'AADSSHLoginForLinux', typeHandlerVersion: '1.0' },
    });
    await f.fleet.putResource({
      id: `${vm.id}/providers/Microsoft.GuestConfiguration/guestConfigurationAssignments/AzureLinuxBaseline`,
      name: 'AzureLinuxBaseline',
      type: 'Microsoft.GuestConfiguration/guestConfigurationAssignments',
      properties: { guestConfiguration: { name: 'AzureLinuxBaseline', version: '1.*' }, complianceStatus: 'Compliant' },
    });
    const gone = await f.fleet.deleteVm('web1');
    assert.equal(gone.length, 3, 'deleting a VM deletes its extensions and guest assignments');
    await assert.rejects(f.fleet.getVm('web1'), { code: 'FLEET_VM_NOT_FOUND' });
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(events.includes('resource.written web1'));
    assert.ok(events.includes('resource.deleted AADSSHLogin'));
    assert.ok(events.includes('resource.deleted web1'));
  });

  it('refuses documents with the wrong shape, naming the JSON path, and writes nothing', async () => {
    const before = await count(store, 'microsoft.compute/virtualmachines/extensions');
    await assert.rejects(
      f.fleet.putResource({ id: `${RG}/providers/Microsoft.Compute/virtualMachines/ghost/extensions/e`, name: 'e', type: 'Microsoft.Compute/virtualMachines/extensions', properties: { publisher: 'p', type: 't' } }),
      { code: 'FLEET_PARENT_NOT_FOUND' },
    );
    await assert.rejects(
      f.fleet.putResource({ id: `${RG}/providers/Microsoft.Compute/virtualMachines/v`, name: 'w', type: 'Microsoft.Compute/virtualMachines', location: 'westeurope', properties: { hardwareProfile: { vmSize: 7 } } }),
      (e: { code: string; data: { problems: Array<{ path: string }> } }) => {
        assert.equal(e.code, 'FLEET_BAD_DOCUMENT');
        assert.deepEqual(e.data.problems.map((p) => p.path), ['/name', '/properties/hardwareProfile/vmSize']);
        return true;
      },
    );
    await assert.rejects(f.fleet.putResource({ id: `${IMG}/versions/9.9.9`, name: '9.9.9', type: 'Microsoft.Compute/galleries/images/versions', location: 'x' }), { code: 'FLEET_BAD_DOCUMENT' });
    assert.equal(await count(store, 'microsoft.compute/virtualmachines/extensions'), before);
    assert.equal(await count(store), 0);

    // Scale sets and disks go through the same generic path.
    await f.fleet.putResource({
      id: `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/web`,
      name: 'web',
      type: 'Microsoft.Compute/virtualMachineScaleSets',
      location: 'westeurope',
      sku: { name: 'Standard_D2s_v5', capacity: 3 },
      tags: { role: 'cattle' },
      properties: { virtualMachineProfile: { storageProfile: { imageReference: { id: `${IMG}/versions/1.0.0` } } }, orchestrationMode: 'Uniform' },
    });
    await f.fleet.putResource({ id: `${RG}/providers/Microsoft.Compute/disks/data1`, name: 'data1', type: 'Microsoft.Compute/disks', location: 'westeurope', sku: { name: 'Premium_LRS' }, properties: { diskSizeGB: 128 } });
    await assert.rejects(
      f.fleet.putResource({ id: `${RG}/providers/Microsoft.Compute/disks/data2`, name: 'data2', type: 'Microsoft.Compute/disks', location: 'westeurope', properties: { diskSizeGB: -1 } }),
      { code: 'FLEET_BAD_DOCUMENT', where: '/properties/diskSizeGB' },
    );
    assert.deepEqual((await f.fleet.listResources({ resourceGroup: 'goldsmith' })).map((d) => d.type), ['Microsoft.Compute/disks', 'Microsoft.Compute/virtualMachineScaleSets']);
    const vmss = await f.fleet.getResource(`${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/web`);
    await assert.rejects(f.fleet.deleteResource(RG), { code: 'FLEET_NOT_FLEET_RESOURCE' }, 'scopes are not deleted with everything in them');
    await assert.rejects(f.fleet.deleteResource(IMG), { code: 'FLEET_NOT_FLEET_RESOURCE' });
    assert.deepEqual([(await f.fleet.imageFacts(vmss)).version, (await f.fleet.imageFacts(vmss)).lifecycle], ['1.0.0', 'aged'], 'scale sets get image facts too');
  });

  it('admission: a deny writes nothing and names the assignment; modify is what gets stored; denyAction blocks deletes', async () => {
    const seen: Array<{ action: string; role?: string }> = [];
    const reviewer: AdmissionReviewer = {
      async review(resource: Resource, { action }) {
        seen.push({ action, role: resource.tags?.role });
        if (action === 'delete' && resource.tags?.protected === 'yes') {
          return { allowed: false, resource, denials: [{ assignmentId: '/providers/Microsoft.Authorization/policyAssignments/no-delete', message: 'protected VMs stay' }] };
        }
        if (resource.tags?.role === 'pet') {
          return {
            allowed: false,
            resource,
            denials: [{ assignmentId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyAssignments/no-pets`, assignmentName: 'no-pets', message: 'Pets need an exception ticket' }],
          };
        }
        return { allowed: true, resource: { ...resource, tags: { ...resource.tags, costCenter: 'cc-1' } }, denials: [] };
      },
    };
    const fleet = f.withAdmission(reviewer);
    await assert.rejects(fleet.createVm({ name: 'pet1', image: 'g1/ubuntu', role: 'pet' }), (e: Error & { code: string; kind: string }) => {
      assert.equal(e.code, 'FLEET_DENIED_BY_POLICY');
      assert.equal(e.kind, 'conflict');
      assert.match(e.message, /'no-pets'/);
      assert.match(e.message, /Pets need an exception ticket/);
      return true;
    });
    assert.equal(await count(store), 0, 'a denied request writes nothing');
    const vm = await fleet.createVm({ name: 'c1', image: 'g1/ubuntu', role: 'cattle', tags: { protected: 'yes' } });
    assert.equal(vm.tags.costCenter, 'cc-1');
    assert.equal((await f.fleet.getVm('c1')).tags.costCenter, 'cc-1', 'the modified document is what is stored');
    await assert.rejects(fleet.updateVm('c1', { role: 'pet' }), { code: 'FLEET_DENIED_BY_POLICY' });
    assert.equal((await f.fleet.getVm('c1')).tags.role, 'cattle');
    await assert.rejects(fleet.deleteVm('c1'), /protected VMs stay/);
    assert.equal(await count(store), 1);
    assert.deepEqual(seen.map((s) => s.action), ['write', 'write', 'write', 'delete']);
  });
});
