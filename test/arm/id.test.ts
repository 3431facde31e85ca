import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatId, idKey, MAX_ID_LENGTH, parentScope, parseId, resourceGroupId, resourceId, sameId, subscriptionId, trimId } from '../../src/arm/index.js';

const SUB = '11111111-2222-3333-4444-555555555555';
const RG = `/subscriptions/${SUB}/resourceGroups/Prod-RG`;
const VM = `${RG}/providers/Microsoft.Compute/virtualMachines/web1`;
const EXT = `${VM}/extensions/AADSSHLogin`;
const GCA = `${VM}/providers/Microsoft.GuestConfiguration/guestConfigurationAssignments/AzureLinuxBaseline`;

describe('ARM ids: parse', () => {
  it('splits a resource into provider, types and names, and a child into its full type path', () => {
    const vm = parseId(VM)!;
    assert.deepEqual([vm.kind, vm.subscription, vm.resourceGroup, vm.type, vm.name], ['resource', SUB, 'Prod-RG', 'Microsoft.Compute/virtualMachines', 'web1']);
    assert.deepEqual(vm.path, { scope: RG, provider: 'Microsoft.Compute', types: ['virtualMachines'], names: ['web1'] });
    const ext = parseId(EXT)!;
    assert.deepEqual(ext.path, { scope: RG, provider: 'Microsoft.Compute', types: ['virtualMachines', 'extensions'], names: ['web1', 'AADSSHLogin'] });
    assert.equal(ext.parentId, VM);
  });

  it('hangs an extension resource off the resource it extends, typed by the innermost provider', () => {
    const gca = parseId(GCA)!;
    assert.equal(gca.type, 'Microsoft.GuestConfiguration/guestConfigurationAssignments');
    assert.equal(gca.path!.scope, VM);
    assert.deepEqual(gca.path!.names, ['AzureLinuxBaseline']);
    assert.equal(gca.parentId, VM);
    assert.equal(gca.subscription, SUB);
  });

  it('accepts any casing of the fixed segments and keeps the casing of names', () => {
    const p = parseId(`/SUBSCRIPTIONS/${SUB}/RESOURCEGROUPS/Prod-RG/PROVIDERS/microsoft.compute/VIRTUALMACHINES/Web1`)!;
    assert.equal(p.kind, 'resource');
    assert.equal(p.resourceGroup, 'Prod-RG');
    assert.equal(p.name, 'Web1');
    assert.ok(sameId(p.id, VM.replace('web1', 'WEB1')));
    assert.equal(parseId('/providers/MICROSOFT.MANAGEMENT/managementgroups/Platform')?.managementGroup, 'Platform');
  });

  it('refuses hostile and malformed ids instead of guessing', () => {
    const bad = [
      '',
      '/',
      '//',
      'subscriptions/x',
      `//subscriptions/${SUB}`,
      `/subscriptions//resourceGroups/rg`,
      `/subscriptions/${SUB}//resourceGroups/rg`,
      `${RG}/providers//virtualMachines/x`,
      `${RG}/providers/Microsoft.Compute/virtualMachines//x`,
      `${RG}/providers/Microsoft.Compute/virtualMachines`,
      `${RG}/providers/Microsoft.Compute/virtualMachines/x/extensions`,
      `${RG}/providers/Microsoft.Compute/virtualMachines/x/providers`,
      `${RG}/providers/Microsoft.Compute/virtualMachines/x/providers/Microsoft.GuestConfiguration`,
      `${RG}/providers/Micro soft/virtualMachines/x`,
      `${RG}/providers/Microsoft.Compute/virtual-machines/x`,
      `${RG}/resources/x`,
      `${RG}/providers/Microsoft.Compute/virtualMachines/x?y=1`,
      `${RG}/providers/Microsoft.Compute/virtualMachines/a#b`,
      `${RG}/providers/Microsoft.Compute/virtualMachines/ lead`,
      `/subscriptions/a b`,
      `/subscriptions/${SUB}/resourceGroups/ends-with-dot.`,
      '/providers/Other/x/y',
      '/providers/Microsoft.Management/managementGroups/a/b',
      `/subscriptions/${SUB}/resourceGroups/${'r'.repeat(91)}`,
    ];
    for (const id of bad) assert.equal(parseId(id), undefined, JSON.stringify(id));
    for (const notString of [undefined, null, 42, {}, ['/subscriptions/x']]) assert.equal(parseId(notString as unknown as string), undefined);
  });

  it('tolerates surrounding whitespace and trailing slashes, nothing else', () => {
    assert.equal(parseId(`  ${VM}///  `)?.id, VM);
    assert.equal(trimId(' /a/b// '), '/a/b');
    assert.equal(idKey(`${VM.toUpperCase()}/`), VM.toLowerCase());
  });

  it('refuses very long ids at once, and stays linear on long runs of slashes', () => {
    const long = `${RG}/providers/Microsoft.Compute/virtualMachines/${'a'.repeat(MAX_ID_LENGTH)}`;
    assert.equal(parseId(long), undefined);
    const deep = `${VM}${'/extensions/x'.repeat(300)}`;
    assert.ok(deep.length <= MAX_ID_LENGTH);
    assert.equal(parseId(deep)?.path?.types.length, 301);
    const slashes = '/'.repeat(200_000) + 'x';
    const t0 = performance.now();
    assert.equal(trimId(slashes), slashes);
    assert.equal(parseId(slashes), undefined);
    assert.equal(idKey(slashes + '/'.repeat(200_000)), slashes);
    assert.ok(performance.now() - t0 < 500, 'trailing-slash handling must not be quadratic');
  });
});

describe('ARM ids: format, parent scope, compare', () => {
  it('formats every parse back to the same id', () => {
    const ids = [
      '/providers/Microsoft.Management/managementGroups/platform',
      subscriptionId(SUB),
      RG,
      VM,
      EXT,
      GCA,
      `${GCA}/reports/r1`,
      resourceId(SUB, 'rg', 'Microsoft.Compute/galleries/images/versions', ['g', 'i', '1.0.0']),
    ];
    for (const id of ids) assert.equal(formatId(parseId(id)!), id);
    // Builders and parser agree on the canonical casing of the fixed segments.
    assert.equal(formatId(parseId(`/SUBSCRIPTIONS/${SUB}/RESOURCEGROUPS/rg`)!), resourceGroupId(SUB, 'rg'));
  });

  it('walks up: extension → its resource, child → parent, resource → group → subscription → (ids end)', () => {
    assert.equal(parentScope(GCA), VM);
    assert.equal(parentScope(EXT), VM);
    assert.equal(parentScope(VM), RG);
    assert.equal(parentScope(RG), subscriptionId(SUB));
    assert.equal(parentScope(subscriptionId(SUB)), undefined);
    assert.equal(parentScope('/providers/Microsoft.Management/managementGroups/x'), undefined);
    assert.equal(parentScope('not an id'), undefined);
  });

  it('compares case-insensitively, ignoring trailing slashes, and never equates different ids', () => {
    assert.ok(sameId(VM, VM.toUpperCase() + '/'));
    assert.ok(!sameId(VM, VM + '0'));
    assert.ok(!sameId(`${RG}/providers/Microsoft.Compute/virtualMachines/a`, `${RG}/providers/Microsoft.Compute/disks/a`));
  });
});
