import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { catalogRootfs, parsePurl, parseApkInstalled } from '../../src/sbom/index.js';
import { InputError } from '../../src/errors/index.js';
import { DEP5, makeRootfs, stanza } from './helpers.js';

const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n';

function debianRootfs(extra: Record<string, string | { symlink: string }> = {}) {
  return makeRootfs({
    '/etc/os-release': OS_RELEASE,
    '/etc/goldsmith/tattoo': 'GOLDSMITH_IMAGE=debian12-base\nGOLDSMITH_VERSION="1.2.0"\n',
    '/var/lib/dpkg/status': [
      stanza({ Package: 'libc6', Status: 'install ok installed', Architecture: 'amd64', Source: 'glibc', Version: '2.36-9+deb12u4' }),
      stanza({ Package: 'openssh-server', Status: 'install ok installed', Architecture: 'amd64', Source: 'openssh', Version: '1:9.2p1-2+deb12u3' }),
      stanza({ Package: 'libgcc-s1', Status: 'install ok installed', Architecture: 'amd64', Source: 'gcc-12 (12.2.0-14)', Version: '12.2.0-14' }),
      stanza({ Package: 'bash', Status: 'install ok installed', Architecture: 'amd64', Version: '5.2.15-2+b2', Source: 'bash (5.2.15-2)' }),
      stanza({ Package: 'removed-pkg', Status: 'deinstall ok config-files', Architecture: 'amd64', Version: '1.0' }),
      stanza({ Package: 'tzdata', Status: 'install ok installed', Architecture: 'all', Version: '2024a-0+deb12u1' }),
    ].join('\n'),
    // distroless style: one file per package, no Status field, md5sums beside
    '/var/lib/dpkg/status.d/base-files': stanza({ Package: 'base-files', Architecture: 'amd64', Version: '12.4+deb12u5' }),
    '/var/lib/dpkg/status.d/base-files.md5sums': 'd41d8cd98f00b204e9800998ecf8427e  etc/issue\n',
    '/usr/share/doc/libc6/copyright': DEP5('LGPL-2.1+', '\nFiles: debian/*\nCopyright: x\nLicense: GPL-2+\n'),
    '/usr/share/doc/openssh-server/copyright': 'Not machine-readable.\n',
    '/usr/share/doc/tzdata/copyright': DEP5('public-domain'),
    // a doc dir symlinked to another package's (relative), as Debian does
    '/usr/share/doc/gcc-12-base/copyright': DEP5('GPL-2+ with Autoconf exception'),
    '/usr/share/doc/libgcc-s1': { symlink: 'gcc-12-base' },
    ...extra,
  });
}

test('catalogRootfs lists installed Debian packages with source packages, licences and OS identity', async () => {
  const inv = await catalogRootfs(await debianRootfs());
  assert.deepEqual(inv.os, { id: 'debian', versionId: '12', versionCodename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
  assert.deepEqual(inv.tattoo, { GOLDSMITH_IMAGE: 'debian12-base', GOLDSMITH_VERSION: '1.2.0' });
  assert.deepEqual(
    inv.packages.map((p) => p.name),
    ['base-files', 'bash', 'libc6', 'libgcc-s1', 'openssh-server', 'tzdata'],
  );
  const by = Object.fromEntries(inv.packages.map((p) => [p.name, p]));
  assert.deepEqual(by['libc6']!.source, { name: 'glibc', version: '2.36-9+deb12u4' });
  assert.deepEqual(by['bash']!.source, { name: 'bash', version: '5.2.15-2' }, 'binNMU: source version differs');
  assert.deepEqual(by['base-files']!.source, { name: 'base-files', version: '12.4+deb12u5' }, 'no Source: field');
  assert.equal(by['libc6']!.license, 'GPL-2.0-or-later AND LGPL-2.1-or-later');
  assert.equal(by['openssh-server']!.license, 'NOASSERTION');
  assert.equal(by['tzdata']!.license, 'LicenseRef-public-domain');
  assert.equal(by['libgcc-s1']!.license, 'GPL-2.0-or-later WITH Autoconf-exception-2.0');
  assert.equal(by['bash']!.license, 'NOASSERTION', 'no copyright file');
  assert.deepEqual(parsePurl(by['libc6']!.purl), {
    type: 'deb',
    namespace: 'debian',
    name: 'libc6',
    version: '2.36-9+deb12u4',
    qualifiers: { arch: 'amd64', distro: 'debian-12' },
  });
  assert.equal(parsePurl(by['openssh-server']!.purl).version, '1:9.2p1-2+deb12u3');
  assert.deepEqual(inv.notes, []);
});

test('symlinks resolve inside the rootfs, never into the host', async () => {
  // An absolute link to /etc/os-release must read the IMAGE's file, and a link escaping with ../ stays inside.
  const root = await debianRootfs({
    '/usr/share/doc/bash': { symlink: '/usr/share/doc/tzdata' },
    '/usr/share/doc/libc6/copyright': { symlink: '../../../../../../../../etc/passwd-in-image' },
    '/etc/passwd-in-image': DEP5('MIT'),
    // a link to a device must not be read (in a real rootfs /dev/zero would never end)
    '/usr/share/doc/openssh-server/copyright': { symlink: '/dev/zero' },
  });
  await mkdir(join(root, 'dev'), { recursive: true });
  assert.equal(spawnSync('mkfifo', [join(root, 'dev/zero')]).status, 0);
  const inv = await catalogRootfs(root);
  const by = Object.fromEntries(inv.packages.map((p) => [p.name, p]));
  assert.equal(by['bash']!.license, 'LicenseRef-public-domain');
  assert.equal(by['libc6']!.license, 'MIT');
  assert.equal(by['openssh-server']!.license, 'NOASSERTION');
});

test('Alpine: /lib/apk/db/installed with origin and SPDX licences', async () => {
  const installed =
    'C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\nL:MIT\no:musl\nm:Someone\n\n' +
    'C:Q1def=\nP:libcrypto3\nV:3.1.4-r5\nA:x86_64\nL:Apache-2.0\no:openssl\n\n' +
    'P:oddlicense\nV:1.0-r0\nA:x86_64\nL:GPL2 or later\n';
  assert.equal(parseApkInstalled(installed).length, 3);
  const root = await makeRootfs({ '/etc/os-release': 'ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n', '/lib/apk/db/installed': installed });
  const inv = await catalogRootfs(root);
  const by = Object.fromEntries(inv.packages.map((p) => [p.name, p]));
  assert.deepEqual(by['libcrypto3']!.source, { name: 'openssl', version: '3.1.4-r5' });
  assert.equal(by['libcrypto3']!.license, 'Apache-2.0');
  assert.equal(by['oddlicense']!.license, 'LicenseRef-GPL2-or-later');
  assert.deepEqual(parsePurl(by['musl']!.purl), {
    type: 'apk',
    namespace: 'alpine',
    name: 'musl',
    version: '1.2.4_git20230717-r4',
    qualifiers: { arch: 'x86_64', distro: 'alpine-3.19.1' },
  });
});

test('empty or missing rootfs', async () => {
  const inv = await catalogRootfs(await makeRootfs({}));
  assert.deepEqual(inv.packages, []);
  assert.ok(inv.notes.some((n) => /no \/etc\/os-release/.test(n)));
  assert.ok(inv.notes.some((n) => /no package database/.test(n)));
  await assert.rejects(catalogRootfs('/nonexistent/rootfs'), (e: unknown) => e instanceof InputError && e.code === 'SBOM_ROOTFS_INVALID');
});
