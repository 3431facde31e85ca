import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeArmDocument, parseId, parseImageSpec, parseScope, scopeContains, scopeMatcher, type ScopeHierarchy } from '../../src/fleet/index.js';

const SUB = '11111111-2222-3333-4444-555555555555';
const VM = `/subscriptions/${SUB}/resourceGroups/Prod-RG/providers/Microsoft.Compute/virtualMachines/web1`;

describe('resource ids', () => {
  it('parses every level of the hierarchy with Azure types and parents', () => {
    assert.equal(parseId('/providers/Microsoft.Management/managementGroups/platform')?.kind, 'managementGroup');
    assert.deepEqual(parseId(`/subscriptions/${SUB}`), { kind: 'subscription', id: `/subscriptions/${SUB}`, subscription: SUB, type: 'Microsoft.Resources/subscriptions', name: SUB });
    assert.equal(parseId(`/subscriptions/${SUB}/resourceGroups/rg/`)?.type, 'Microsoft.Resources/subscriptions/resourceGroups');
    const vm = parseId(VM)!;
    assert.equal(vm.type, 'Microsoft.Compute/virtualMachines');
    assert.equal(vm.parentId, undefined);
    const ext = parseId(`${VM}/extensions/AADSSHLogin`)!;
    assert.equal(ext.type, 'Microsoft.Compute/virtualMachines/extensions');
    assert.equal(ext.name, 'AADSSHLogin');
    assert.equal(ext.parentId, VM);
    const gca = parseId(`${VM}/providers/Microsoft.GuestConfiguration/guestConfigurationAssignments/AzureLinuxBaseline`)!;
    assert.equal(gca.type, 'Microsoft.GuestConfiguration/guestConfigurationAssignments');
    assert.equal(gca.parentId, VM);
    for (const bad of ['', 'subscriptions/x', '/subscriptions', `/subscriptions/${SUB}/resourceGroups`, `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines`, '/providers/Other/x/y']) {
      assert.equal(parseId(bad), undefined, bad);
    }
    assert.throws(() => parseScope('/subscriptions/a b'), { code: 'FLEET_BAD_SCOPE' });
  });
});

describe('scopeContains', () => {
  const h: ScopeHierarchy = {
    managementGroupParent: new Map([['platform', 'root'], ['prod', 'platform']]),
    subscriptionParent: new Map([[SUB, 'prod']]),
  };
  it('matches by id prefix, case-insensitively and on segment boundaries', () => {
    assert.ok(scopeContains(`/subscriptions/${SUB}`, VM));
    assert.ok(scopeContains(`/subscriptions/${SUB.toUpperCase()}/resourcegroups/prod-rg`, VM));
    assert.ok(!scopeContains(`/subscriptions/${SUB}/resourceGroups/Prod`, VM), 'Prod is not Prod-RG');
    assert.ok(scopeContains(VM, `${VM}/extensions/x`));
    assert.ok(!scopeContains(`${VM}/extensions/x`, VM));
  });
  it('follows management group membership', () => {
    assert.ok(scopeContains('/providers/Microsoft.Management/managementGroups/platform', VM, h));
    assert.ok(scopeContains('/providers/Microsoft.Management/managementGroups/prod', `/subscriptions/${SUB}`, h));
    assert.ok(scopeContains('/providers/Microsoft.Management/managementGroups/platform', '/providers/Microsoft.Management/managementGroups/prod', h));
    assert.ok(!scopeContains('/providers/Microsoft.Management/managementGroups/prod', '/providers/Microsoft.Management/managementGroups/platform', h));
    const other = VM.replace(SUB, '99999999-2222-3333-4444-555555555555');
    assert.ok(!scopeContains('/providers/Microsoft.Management/managementGroups/platform', other, h), 'unlisted subscriptions sit under root only');
    assert.ok(scopeMatcher('/providers/Microsoft.Management/managementGroups/root', h)(other));
  });
});

describe('ARM document shape', () => {
  it('moves az-flattened properties under properties and reports problems where the user wrote them', () => {
    const r = normalizeArmDocument({
      id: VM,
      name: 'web1',
      type: 'Microsoft.Compute/virtualMachines',
      location: 'westeurope',
      resourceGroup: 'PROD-RG',
      tags: null,
      hardwareProfile: { vmSize: 'Standard_B2s' },
      storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest', exactVersion: '24.04.202409120' } },
      zones: null,
    });
    assert.deepEqual(r.problems, []);
    assert.equal((r.doc!.properties.hardwareProfile as { vmSize: string }).vmSize, 'Standard_B2s');
    assert.equal('hardwareProfile' in r.doc!, false);
    assert.equal('resourceGroup' in r.doc!, false);
    assert.deepEqual(r.doc!.tags, {});

    const bad = normalizeArmDocument(
      { id: VM, name: 'web2', type: 'Microsoft.Compute/virtualMachines', tags: { role: 'dog', n: 3 }, securityProfile: { securityType: 'Fancy' }, properties: undefined },
      '/4',
    );
    assert.deepEqual(
      bad.problems.map((p) => p.path).sort(),
      ['/4/hardwareProfile/vmSize', '/4/location', '/4/name', '/4/securityProfile/securityType', '/4/tags/n', '/4/tags/role'].sort(),
    );
    const wrongType = normalizeArmDocument({ id: VM, name: 'web1', type: 'Microsoft.Compute/disks', location: 'x', properties: {} });
    assert.match(wrongType.problems[0]!.message, /does not match the id/);
  });
});

describe('image arguments', () => {
  it('reads gallery, latest, marketplace and id forms', () => {
    assert.deepEqual(parseImageSpec('g1/ubuntu'), { kind: 'gallery', gallery: 'g1', image: 'ubuntu', version: 'latest' });
    assert.deepEqual(parseImageSpec('g1/ubuntu/1.2.0'), { kind: 'gallery', gallery: 'g1', image: 'ubuntu', version: '1.2.0' });
    assert.equal(parseImageSpec('Canonical:ubuntu-24_04-lts:server:latest').kind, 'marketplace');
    const def = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i`;
    assert.deepEqual(parseImageSpec(def), { kind: 'gallery-id', id: def, definitionId: def, version: 'latest' });
    assert.equal((parseImageSpec(`${def}/versions/1.0.0`) as { version: string }).version, '1.0.0');
    assert.throws(() => parseImageSpec('a:b:c'), { code: 'FLEET_BAD_IMAGE' });
    assert.throws(() => parseImageSpec('/subscriptions/x/whatever'), { code: 'FLEET_BAD_IMAGE' });
  });
});
