import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AliasRegistry, defaultAliases, GOLDSMITH_IMAGE_FIELDS } from '../../src/policy/index.js';

const pathFor = (alias: string, type: string) => {
  const r = defaultAliases.resolve(alias);
  assert.ok(r, `${alias} should resolve`);
  const p = r.generic ?? r.byType?.get(type.toLowerCase());
  return p ? `${p.root === 'computed' ? '@computed.' : ''}${p.segs.join('.').replace(/\.\*/g, '[*]')}` : undefined;
};

describe('alias table', () => {
  it('maps Azure alias names to ARM property paths per type', () => {
    assert.equal(pathFor('Microsoft.Compute/virtualMachines/sku.name', 'Microsoft.Compute/virtualMachines'), 'properties.hardwareProfile.vmSize');
    assert.equal(pathFor('Microsoft.Compute/imagePublisher', 'Microsoft.Compute/virtualMachines'), 'properties.storageProfile.imageReference.publisher');
    assert.equal(pathFor('microsoft.compute/IMAGESKU', 'Microsoft.Compute/virtualMachineScaleSets'), 'properties.virtualMachineProfile.storageProfile.imageReference.sku');
    assert.equal(pathFor('Microsoft.Compute/virtualMachines/osDisk.uri', 'Microsoft.Compute/virtualMachines'), 'properties.storageProfile.osDisk.vhd.uri');
    assert.equal(pathFor('Microsoft.Compute/virtualMachines/networkInterfaces[*].id', 'Microsoft.Compute/virtualMachines'), 'properties.networkProfile.networkInterfaces[*].id');
    assert.equal(pathFor('Microsoft.Compute/galleries/images/versions/publishingProfile.targetRegions[*].name', 'Microsoft.Compute/galleries/images/versions'), 'properties.publishingProfile.targetRegions[*].name');
    assert.equal(pathFor('Microsoft.Compute/virtualMachines/extensions/type', 'Microsoft.Compute/virtualMachines/extensions'), 'properties.type');
    assert.equal(pathFor('Microsoft.GuestConfiguration/guestConfigurationAssignments/parameterHash', 'Microsoft.GuestConfiguration/guestConfigurationAssignments'), 'properties.parameterHash');
  });

  it('gives an alias no path on types it does not belong to', () => {
    assert.equal(pathFor('Microsoft.Compute/imagePublisher', 'Microsoft.Compute/disks'), undefined);
    assert.equal(pathFor('Microsoft.Compute/virtualMachines/securityProfile.securityType', 'Microsoft.Compute/virtualMachineScaleSets'), undefined);
  });

  it('resolves the generic fields, including every tag syntax', () => {
    assert.equal(pathFor("tags['Cost.Center']", 'any'), 'tags.Cost.Center');
    assert.deepEqual(defaultAliases.resolve("tags['''quoted''']")?.generic?.segs, ['tags', "'quoted'"]);
    assert.deepEqual(defaultAliases.resolve('tags[env]')?.generic?.segs, ['tags', 'env']);
    assert.deepEqual(defaultAliases.resolve('tags.env')?.generic?.segs, ['tags', 'env']);
    assert.equal(defaultAliases.resolve('fullName')?.generic?.root, 'fullName');
  });

  it('refuses names outside the table and the open roots', () => {
    assert.equal(defaultAliases.resolve('Microsoft.Compute/virtualMachines/storageProfil.osDisk'), undefined);
    assert.equal(defaultAliases.resolve('Microsoft.Compute/widgets/x'), undefined);
    assert.equal(defaultAliases.resolve('properties.storageProfile'), undefined);
    assert.equal(defaultAliases.resolve('Goldsmith.Compute/virtualMachines/image.colour'), undefined);
  });

  it('exposes every Goldsmith image fact, reading the computed context', () => {
    for (const f of Object.keys(GOLDSMITH_IMAGE_FIELDS))
      assert.equal(pathFor(`Goldsmith.Compute/virtualMachines/image.${f}`, 'Microsoft.Compute/virtualMachines'), `@computed.image.${f}`);
    assert.equal(pathFor('Goldsmith.Compute/virtualMachines/image.tattoo.buildId', 'Microsoft.Compute/virtualMachines'), '@computed.image.tattoo.buildId');
  });

  it('can be extended with a custom table', () => {
    const reg = new AliasRegistry([{ aliases: [{ name: 'Contoso.Widgets/widgets/colour', paths: { 'Contoso.Widgets/widgets': 'properties.colour' } }], open: [] }]);
    assert.ok(reg.resolve('contoso.widgets/widgets/COLOUR'));
    assert.equal(reg.resolve('Microsoft.Compute/imagePublisher'), undefined);
  });
});
