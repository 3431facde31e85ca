import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffInventories, parseSpdx, serialiseSbom, toSpdx, type Inventory, type InventoryPackage } from '../../src/sbom/index.js';
import { debPurl } from '../../src/sbom/index.js';
import { InputError } from '../../src/errors/index.js';

const os = { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' };
const deb = (name: string, version: string, source?: [string, string], license = 'MIT'): InventoryPackage => ({
  ecosystem: 'deb',
  name,
  version,
  arch: 'amd64',
  source: source ? { name: source[0], version: source[1] } : { name, version },
  license,
  purl: debPurl(name, version, 'amd64', os),
});
const opts = { name: 'img 1.0.0', digest: 'sha256:' + 'c'.repeat(64), created: '2024-05-01T00:00:00Z' };

const before: Inventory = {
  os,
  tattoo: { GOLDSMITH_IMAGE: 'img', OOB: 'false' },
  packages: [deb('libc6', '2.36-9+deb12u4', ['glibc', '2.36-9+deb12u4'], 'LGPL-2.1-or-later'), deb('openssh-server', '1:9.2p1-2+deb12u2', ['openssh', '1:9.2p1-2+deb12u2']), deb('vim-tiny', '2:9.0.1378-2')],
  notes: ['rpm database found at /var/lib/rpm/rpmdb.sqlite but not readable: needs …'],
};

test('parseSpdx reads back what toSpdx wrote (packages, sources, OS, tattoo, notes)', () => {
  const back = parseSpdx(serialiseSbom(toSpdx(before, opts)));
  assert.deepEqual(back, before);
});

test('diffInventories: added, removed and changed (name, from, to)', () => {
  const after: Inventory = {
    ...before,
    packages: [deb('curl', '7.88.1-10+deb12u5', ['curl', '7.88.1-10+deb12u5']), deb('libc6', '2.36-9+deb12u6', ['glibc', '2.36-9+deb12u6'], 'LGPL-2.1-or-later'), deb('openssh-server', '1:9.2p1-2+deb12u3', ['openssh', '1:9.2p1-2+deb12u3'])],
  };
  const d = diffInventories(before, after);
  assert.deepEqual(d.added.map((p) => p.name), ['curl']);
  assert.deepEqual(d.removed.map((p) => p.name), ['vim-tiny']);
  assert.deepEqual(d.changed, [
    { ecosystem: 'deb', name: 'libc6', arch: 'amd64', from: '2.36-9+deb12u4', to: '2.36-9+deb12u6' },
    { ecosystem: 'deb', name: 'openssh-server', arch: 'amd64', from: '1:9.2p1-2+deb12u2', to: '1:9.2p1-2+deb12u3' },
  ]);
  assert.deepEqual(diffInventories(after, after), { added: [], removed: [], changed: [] });
});

test('a corrupted SBOM is InputError SBOM_INVALID naming the path', () => {
  const good = toSpdx(before, opts);
  const mutate = (f: (d: Record<string, any>) => void): string => {
    const d = JSON.parse(JSON.stringify(good));
    f(d);
    return JSON.stringify(d);
  };
  const cases: Array<[string, string]> = [
    ['{"spdxVersion": "SPDX-2.3", ', '/'],
    [mutate((d) => (d.spdxVersion = 'SPDX-2.2')), '/spdxVersion'],
    [mutate((d) => delete d.documentNamespace), '/documentNamespace'],
    [mutate((d) => (d.documentNamespace = 'not a uri')), '/documentNamespace'],
    [mutate((d) => delete d.packages[2].SPDXID), '/packages/2/SPDXID'],
    [mutate((d) => (d.packages[3].SPDXID = d.packages[2].SPDXID)), '/packages/3/SPDXID'],
    [mutate((d) => (d.relationships[1].relatedSpdxElement = 'SPDXRef-gone')), '/relationships/1/relatedSpdxElement'],
    [mutate((d) => (d.packages.find((p: any) => p.name === 'libc6').externalRefs[0].referenceLocator = 'deb/libc6')), '/packages/'],
    [mutate((d) => (d.packages = {})), '/packages'],
  ];
  for (const [text, where] of cases) {
    assert.throws(
      () => parseSpdx(text),
      (e: unknown) => e instanceof InputError && (e.code === 'SBOM_INVALID' || e.code === 'SBOM_PURL_INVALID') && String(e.where).startsWith(where),
      where,
    );
  }
});
