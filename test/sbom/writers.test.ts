import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogRootfs, normalizePurl, parsePurl, serialiseSbom, toCycloneDx, toSpdx, type Inventory } from '../../src/sbom/index.js';
import { InputError } from '../../src/errors/index.js';
import { cycloneDxValidator, DEP5, makeRootfs, spdxValidator, stanza } from './helpers.js';

const D1 = 'sha256:' + 'a'.repeat(64);
const D2 = 'sha256:' + 'b'.repeat(64);
const opts = { name: 'debian12-base 1.2.0', digest: D1, created: '2024-05-01T12:00:00Z', creator: 'Organization: Contoso' };

async function inventory(): Promise<Inventory> {
  return catalogRootfs(
    await makeRootfs({
      '/etc/os-release': 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
      '/etc/goldsmith/tattoo': 'GOLDSMITH_IMAGE=debian12-base\n',
      '/var/lib/dpkg/status': [
        stanza({ Package: 'libc6', Status: 'install ok installed', Architecture: 'amd64', Source: 'glibc', Version: '2.36-9+deb12u4' }),
        stanza({ Package: 'libc-bin', Status: 'install ok installed', Architecture: 'amd64', Source: 'glibc', Version: '2.36-9+deb12u4' }),
        stanza({ Package: 'tzdata', Status: 'install ok installed', Architecture: 'all', Version: '2024a-0+deb12u1' }),
        stanza({ Package: 'libstdc++6', Status: 'install ok installed', Architecture: 'amd64', Source: 'gcc-12', Version: '12.2.0-14' }),
      ].join('\n'),
      '/usr/share/doc/libc6/copyright': DEP5('LGPL-2.1+ or GPL-2+'),
      '/usr/share/doc/tzdata/copyright': DEP5('public-domain'),
      '/usr/share/doc/libstdc++6/copyright': DEP5('GPL-3+'),
    }),
  );
}

type Pkg = { SPDXID: string; name: string; versionInfo?: string; externalRefs?: Array<{ referenceLocator: string }> };
type Rel = { spdxElementId: string; relationshipType: string; relatedSpdxElement: string };

test('SPDX 2.3 output validates against the official schema and models source packages', async () => {
  const doc = toSpdx(await inventory(), opts) as { packages: Pkg[]; relationships: Rel[]; documentNamespace: string; hasExtractedLicensingInfos: unknown[] };
  const validate = await spdxValidator();
  if (validate) assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 5)));
  const byId = new Map(doc.packages.map((p) => [p.SPDXID, p]));
  const libc = doc.packages.find((p) => p.name === 'libc6')!;
  assert.equal(normalizePurl(libc.externalRefs![0]!.referenceLocator), normalizePurl('pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12'));
  const gen = doc.relationships.filter((r) => r.relationshipType === 'GENERATED_FROM');
  assert.equal(gen.length, 4, 'every binary is GENERATED_FROM its source');
  const glibc = byId.get(gen.find((r) => r.spdxElementId === libc.SPDXID)!.relatedSpdxElement)!;
  assert.equal(glibc.name, 'glibc');
  assert.deepEqual(parsePurl(glibc.externalRefs![0]!.referenceLocator).qualifiers, { arch: 'source', distro: 'debian-12' });
  // libc6 and libc-bin share one glibc source package
  assert.equal(new Set(gen.filter((r) => byId.get(r.relatedSpdxElement)!.name === 'glibc').map((r) => r.relatedSpdxElement)).size, 1);
  assert.equal(doc.packages.filter((p) => p.name === 'glibc').length, 1);
  // every relationship points at a package in the document
  for (const r of doc.relationships) {
    assert.ok(r.spdxElementId === 'SPDXRef-DOCUMENT' || byId.has(r.spdxElementId), r.spdxElementId);
    assert.ok(byId.has(r.relatedSpdxElement), r.relatedSpdxElement);
  }
  // LicenseRefs used are declared
  assert.deepEqual(doc.hasExtractedLicensingInfos.map((x) => (x as { licenseId: string }).licenseId), ['LicenseRef-public-domain']);
});

test('what the SPDX schema forgets: documentNamespace present, URI, unique per image, stable per image', async () => {
  const inv = await inventory();
  const a = toSpdx(inv, opts)['documentNamespace'] as string;
  const b = toSpdx(inv, { ...opts, digest: D2 })['documentNamespace'] as string;
  const a2 = toSpdx(inv, { ...opts, created: '2030-01-01T00:00:00Z' })['documentNamespace'] as string;
  assert.ok(a && b);
  assert.ok(new URL(a).protocol.startsWith('http') && !a.includes('#'));
  assert.notEqual(a, b, 'two images → two namespaces');
  assert.equal(a, a2, 'the namespace depends on the image, not the clock');
  const spdx = await spdxValidator();
  const broken = toSpdx(inv, opts);
  delete broken['documentNamespace'];
  // The official schema accepts a document without documentNamespace, which is why parseSpdx checks it.
  if (spdx) assert.equal(spdx(broken), true);
});

test('CycloneDX 1.6 output validates against the official schema, with source packages as pedigree ancestors', async () => {
  const bom = toCycloneDx(await inventory(), opts) as {
    serialNumber: string;
    components: Array<{ name: string; purl?: string; pedigree?: { ancestors: Array<{ name: string; purl: string }> }; licenses?: unknown[] }>;
  };
  const validate = await cycloneDxValidator();
  assert.ok(validate(bom), JSON.stringify(validate.errors?.slice(0, 5)));
  const libc = bom.components.find((c) => c.name === 'libc6')!;
  assert.equal(libc.pedigree!.ancestors[0]!.name, 'glibc');
  assert.deepEqual(parsePurl(libc.pedigree!.ancestors[0]!.purl).qualifiers?.['arch'], 'source');
  assert.deepEqual(libc.licenses, [{ expression: 'LGPL-2.1-or-later OR GPL-2.0-or-later' }]);
  assert.notEqual(bom.serialNumber, (toCycloneDx(await inventory(), { ...opts, digest: D2 }) as { serialNumber: string }).serialNumber);
  // the validator is not a rubber stamp
  assert.equal(validate({ ...bom, specVersion: 1.6 }), false);
});

test('reproducible: the same rootfs and inputs give byte-identical SPDX and CycloneDX', async () => {
  const [x, y] = [await inventory(), await inventory()];
  assert.equal(serialiseSbom(toSpdx(x, opts)), serialiseSbom(toSpdx(y, opts)));
  assert.equal(serialiseSbom(toCycloneDx(x, opts)), serialiseSbom(toCycloneDx(y, opts)));
  // order of discovery must not matter either
  const shuffled = { ...y, packages: [...y.packages].reverse() };
  assert.notEqual(serialiseSbom(toSpdx(x, opts)), serialiseSbom(toSpdx(x, { ...opts, created: '2024-05-02T00:00:00Z' })));
  assert.deepEqual(
    (toSpdx(shuffled, opts)['packages'] as Pkg[]).map((p) => p.SPDXID).sort(),
    (toSpdx(x, opts)['packages'] as Pkg[]).map((p) => p.SPDXID).sort(),
  );
});

test('bad writer options are InputErrors', async () => {
  const inv = await inventory();
  assert.throws(() => toSpdx(inv, { ...opts, digest: 'sha256:xyz' }), (e: unknown) => e instanceof InputError && e.code === 'SBOM_DIGEST_INVALID');
  assert.throws(() => toCycloneDx(inv, { ...opts, created: 'yesterday' }), (e: unknown) => e instanceof InputError && e.code === 'SBOM_CREATED_INVALID');
  // SOURCE_DATE_EPOCH seconds and the ISO date are the same instant, so the same bytes
  assert.equal(serialiseSbom(toSpdx(inv, { ...opts, created: 1714564800 })), serialiseSbom(toSpdx(inv, opts)));
});
