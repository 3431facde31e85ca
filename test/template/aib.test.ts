import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { loadTemplate } from '../../src/template/index.js';
import { loadError, problemsOf, ROOT, scratch, sha256 } from './support.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SCRIPT = '#!/bin/sh\nsudo true\n';

/** A bare imageTemplates resource (not wrapped in a deployment) that translates cleanly. */
function resource(): Json {
  return {
    type: 'Microsoft.VirtualMachineImages/imageTemplates',
    apiVersion: '2022-07-01',
    name: 'Web Base',
    location: 'westeurope',
    identity: { type: 'UserAssigned', userAssignedIdentities: { '/subscriptions/x/id': {} } },
    properties: {
      buildTimeoutInMinutes: 80,
      vmProfile: { vmSize: 'Standard_D2s_v5' },
      source: { type: 'PlatformImage', publisher: 'debian', offer: 'debian-12', sku: 'minbase', version: '12.20240101.0' },
      customize: [
        { type: 'Shell', name: 'setup', scriptUri: 'setup.sh', sha256Checksum: sha256(SCRIPT) },
        { type: 'Shell', name: 'inline', inline: ['sudo apt-get update', 'echo ok'] },
      ],
      distribute: [
        {
          type: 'SharedImage',
          galleryImageId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/contoso/images/web',
          runOutputName: 'web',
          replicationRegions: ['westeurope', 'eastus'],
        },
      ],
    },
  };
}

async function write(doc: Json): Promise<string> {
  const dir = await scratch({ 'setup.sh': SCRIPT });
  const file = join(dir, 'aib.json');
  await writeFile(file, JSON.stringify(doc, null, 2));
  return file;
}

async function problemsFor(mutate: (r: Json) => void) {
  const r = resource();
  mutate(r);
  const e = await loadError(await write(r));
  return { e, ps: problemsOf(e) };
}

describe('Azure VM Image Builder translation', () => {
  it('translates the realistic example deployment template', async () => {
    const l = await loadTemplate(join(ROOT, 'examples', 'aib-template.json'));
    assert.equal(l.format, 'azure-image-builder');
    const t = l.template;
    assert.equal(t.name, 'debian12-hardened-aib'); // from [parameters('imageTemplateName')]'s defaultValue
    assert.deepEqual(t.source, { publisher: 'debian', offer: 'debian-12', sku: 'minbase', version: 'latest' });
    assert.deepEqual(t.customize.map((s) => [s.type, s.name]), [['shell', 'install-openssh'], ['file', 'ssh-hardening'], ['shell', 'baseline-hardening']]);
    const first = t.customize[0]!;
    assert.ok(first.type === 'shell' && first.inline?.[0] === 'apt-get update', 'sudo is dropped: customize runs as root');
    const file = t.customize[1]!;
    assert.ok(file.type === 'file' && file.destination === '/etc/ssh/sshd_config.d/50-hardening.conf');
    assert.equal(t.validate.checks[0]!.type, 'command');
    assert.deepEqual(t.distribute.targetRegions, [{ name: 'westeurope', replicaCount: 2 }, { name: 'northeurope', replicaCount: 1 }]);
    assert.equal(t.distribute.gallery, 'contoso');
    assert.equal(t.distribute.image, 'debian12-hardened');
    assert.equal(t.distribute.excludeFromLatest, false);
    assert.deepEqual(t.distribute.versioning, { scheme: 'latest', major: 1 });
  });

  it('translates a bare resource: legacy replicationRegions, local script, default versioning', async () => {
    const l = await loadTemplate(await write(resource()));
    assert.equal(l.template.name, 'web-base');
    assert.deepEqual(l.template.distribute.targetRegions, [{ name: 'westeurope', replicaCount: 1 }, { name: 'eastus', replicaCount: 1 }]);
    assert.deepEqual(l.template.distribute.versioning, { scheme: 'latest' });
    const s = l.template.customize[0]!;
    assert.ok(s.type === 'shell' && s.script === 'setup.sh' && s.sha256 === sha256(SCRIPT));
  });

  it('maps versioning: Latest major -1 is unset, Source, and a version in galleryImageId is explicit', async () => {
    const latest = resource();
    latest.properties.distribute[0].versioning = { scheme: 'Latest', major: -1 };
    assert.deepEqual((await loadTemplate(await write(latest))).template.distribute.versioning, { scheme: 'latest' });
    const source = resource();
    source.properties.distribute[0].versioning = { scheme: 'Source' };
    assert.deepEqual((await loadTemplate(await write(source))).template.distribute.versioning, { scheme: 'source' });
    const explicit = resource();
    explicit.properties.distribute[0].galleryImageId += '/versions/2.1.0';
    assert.deepEqual((await loadTemplate(await write(explicit))).template.distribute.versioning, { scheme: 'explicit', version: '2.1.0' });
  });

  it('defaults target regions to the resource location, and accepts file:// URIs', async () => {
    const r = resource();
    delete r.properties.distribute[0].replicationRegions;
    const file = await write(r);
    const withUri = JSON.parse(await readFile(file, 'utf8')) as Json;
    withUri.properties.customize[0].scriptUri = pathToFileURL(join(file, '..', 'setup.sh')).href;
    await writeFile(file, JSON.stringify(withUri));
    const t = (await loadTemplate(file)).template;
    assert.deepEqual(t.distribute.targetRegions, [{ name: 'westeurope', replicaCount: 1 }]);
    const s = t.customize[0]!;
    assert.ok(s.type === 'shell' && s.script === join(file, '..', 'setup.sh'));
  });

  const unsupported: Array<[string, (r: Json) => void, string]> = [
    ['ManagedImage source', (r) => (r.properties.source = { type: 'ManagedImage', imageId: '/subscriptions/x' }), '/properties/source/type'],
    ['SharedImageVersion source', (r) => (r.properties.source = { type: 'SharedImageVersion', imageVersionId: '/x' }), '/properties/source/type'],
    ['PowerShell customizer', (r) => r.properties.customize.push({ type: 'PowerShell', inline: ['Get-Date'] }), '/properties/customize/2/type'],
    ['WindowsRestart customizer', (r) => r.properties.customize.unshift({ type: 'WindowsRestart' }), '/properties/customize/0/type'],
    ['WindowsUpdate customizer', (r) => r.properties.customize.push({ type: 'WindowsUpdate' }), '/properties/customize/2/type'],
    ['https scriptUri', (r) => (r.properties.customize[0].scriptUri = 'https://example.com/setup.sh'), '/properties/customize/0/scriptUri'],
    ['https File sourceUri', (r) => r.properties.customize.push({ type: 'File', sourceUri: 'https://example.com/a', destination: '/a', sha256Checksum: sha256('a') }), '/properties/customize/2/sourceUri'],
    ['script without sha256Checksum', (r) => delete r.properties.customize[0].sha256Checksum, '/properties/customize/0'],
    ['VHD distributor', (r) => r.properties.distribute.push({ type: 'VHD', runOutputName: 'vhd' }), '/properties/distribute/1/type'],
    ['ManagedImage distributor', (r) => (r.properties.distribute = [{ type: 'ManagedImage', imageId: '/x', location: 'westeurope' }]), '/properties/distribute/0/type'],
    ['vmProfile.vnetConfig', (r) => (r.properties.vmProfile.vnetConfig = { subnetId: '/x' }), '/properties/vmProfile/vnetConfig'],
    ['vmProfile.userAssignedIdentities', (r) => (r.properties.vmProfile.userAssignedIdentities = ['/x']), '/properties/vmProfile/userAssignedIdentities'],
    ['PowerShell validation', (r) => (r.properties.validate = { inVMValidations: [{ type: 'PowerShell', inline: ['x'] }] }), '/properties/validate/inVMValidations/0/type'],
    ['continueDistributeOnFailure', (r) => (r.properties.validate = { continueDistributeOnFailure: true }), '/properties/validate/continueDistributeOnFailure'],
    ['optimize.vmBoot', (r) => (r.properties.optimize = { vmBoot: { state: 'Enabled' } }), '/properties/optimize'],
    ['unevaluated ARM expression', (r) => (r.properties.distribute[0].galleryImageId = "[resourceId('Microsoft.Compute/galleries/images', 'g', 'i')]"), '/properties/distribute/0/galleryImageId'],
  ];
  for (const [what, mutate, pointer] of unsupported) {
    it(`rejects ${what} as TEMPLATE_AIB_UNSUPPORTED at ${pointer}`, async () => {
      const { e, ps } = await problemsFor(mutate);
      assert.equal(e.code, 'TEMPLATE_AIB_UNSUPPORTED', e.message);
      assert.equal(ps.length, 1, e.message);
      assert.equal(ps[0]!.pointer, pointer);
      assert.match(ps[0]!.where, new RegExp(`aib\\.json:\\d+:\\d+ \\(${pointer.replace(/\//g, '\\/')}\\)$`));
    });
  }

  it('reports every unsupported part together', async () => {
    const { e, ps } = await problemsFor((r) => {
      r.properties.source.type = 'ManagedImage';
      r.properties.customize.push({ type: 'PowerShell', inline: ['x'] });
      r.properties.distribute.push({ type: 'VHD', runOutputName: 'v' });
    });
    assert.equal(e.code, 'TEMPLATE_PROBLEMS');
    assert.deepEqual(ps.map((p) => p.pointer), ['/properties/source/type', '/properties/customize/2/type', '/properties/distribute/1/type']);
  });

  it('locates problems found after translation in the AIB file', async () => {
    const r = resource();
    r.properties.customize[0].sha256Checksum = sha256('something else');
    const file = await write(r);
    const e = await loadError(file);
    assert.equal(e.code, 'TEMPLATE_CHECKSUM_MISMATCH');
    const line = (await readFile(file, 'utf8')).split('\n').findIndex((l) => l.includes('"sha256Checksum"')) + 1;
    assert.match(problemsOf(e)[0]!.where, new RegExp(`aib\\.json:${line}:\\d+ \\(/properties/customize/0/sha256Checksum\\)$`));
  });
});
