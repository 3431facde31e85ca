import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  canonicalJson,
  DEFAULT_SOURCE_DATE_EPOCH,
  formatCatalogRef,
  mirrorForSuite,
  mmdebstrapArgs,
  normalizeRecipe,
  parseCatalogRef,
  parseDeb822Sources,
  readAptSources,
  recipeDigest,
  type AptSource,
} from '../../src/catalog/index.js';

const DEB822 = `Types: deb
# snapshot comment
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: trixie
Components: main

Types: deb
Enabled: no
URIs: http://disabled.example/debian
Suites: trixie
Components: main
`;

test('apt sources: deb822 and one-line files; the mirror is the source listing the suite itself', async () => {
  const s = parseDeb822Sources(DEB822, 'x.sources');
  assert.deepEqual(s.map((x) => x.uri), ['http://deb.debian.org/debian', 'http://deb.debian.org/debian-security']);
  assert.equal(mirrorForSuite(s, 'bookworm'), 'http://deb.debian.org/debian');
  assert.equal(mirrorForSuite(s, 'bookworm-security'), 'http://deb.debian.org/debian-security');
  assert.equal(mirrorForSuite(s, 'trixie'), undefined, 'deb-src and disabled stanzas do not count');
  const dir = mkdtempSync(join(tmpdir(), 'gs-apt-'));
  try {
    mkdirSync(join(dir, 'sources.list.d'));
    writeFileSync(join(dir, 'sources.list'), '# old style\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian trixie main contrib\n');
    writeFileSync(join(dir, 'sources.list.d/debian.sources'), DEB822);
    writeFileSync(join(dir, 'sources.list.d/off.sources.disabled'), DEB822.replace(/deb\.debian\.org/g, 'nope'));
    const all = await readAptSources(dir);
    assert.equal(mirrorForSuite(all, 'trixie'), 'http://mirror.example/debian');
    assert.deepEqual(all[0]!.components, ['main', 'contrib']);
    assert.equal(all.length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const defaults = { aptSources: [{ uri: 'http://local.mirror/debian/', suites: ['bookworm'], components: ['main'], file: 'f' }] as AptSource[], architecture: 'amd64' };

test('normalizeRecipe fills every default and the digest ignores package order', () => {
  const r = normalizeRecipe({ kind: 'mmdebstrap', suite: 'bookworm', variant: 'minbase', packages: ['zstd', 'curl=7.88.1-10+deb12u5'] }, defaults);
  assert.deepEqual(r, {
    kind: 'mmdebstrap',
    suite: 'bookworm',
    variant: 'minbase',
    mirror: 'http://local.mirror/debian',
    packages: ['curl=7.88.1-10+deb12u5', 'zstd'],
    components: ['main'],
    sourceDateEpoch: DEFAULT_SOURCE_DATE_EPOCH,
    architecture: 'amd64',
    updates: true,
    securityMirror: 'http://deb.debian.org/debian-security',
  });
  const same = normalizeRecipe({ kind: 'mmdebstrap', suite: 'bookworm', variant: 'minbase', packages: ['curl=7.88.1-10+deb12u5', 'zstd'] }, defaults);
  assert.equal(recipeDigest(same), recipeDigest(r));
  const other = normalizeRecipe({ kind: 'mmdebstrap', suite: 'bookworm', variant: 'apt' }, defaults);
  assert.notEqual(recipeDigest(other), recipeDigest(r));
  assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
  // An unknown suite falls back to deb.debian.org.
  assert.equal(normalizeRecipe({ kind: 'mmdebstrap', suite: 'trixie', variant: 'minbase' }, defaults).mirror, 'http://deb.debian.org/debian');
  const args = mmdebstrapArgs(r, '/tmp/t');
  // Stable bases carry the security archive and -updates, so a golden image starts patched.
  assert.deepEqual(args.slice(-5), [
    'bookworm',
    '/tmp/t',
    'http://local.mirror/debian',
    'deb http://local.mirror/debian bookworm-updates main',
    'deb http://deb.debian.org/debian-security bookworm-security main',
  ]);
  assert.equal(normalizeRecipe({ kind: 'mmdebstrap', suite: 'sid', variant: 'minbase' }, defaults).updates, false);
  assert.deepEqual(mmdebstrapArgs({ ...r, updates: false }, '/tmp/t').slice(-3), ['bookworm', '/tmp/t', 'http://local.mirror/debian']);
  assert.ok(args.includes('--variant=minbase') && args.includes('--include=curl=7.88.1-10+deb12u5,zstd'));
});

test('normalizeRecipe rejects bad fields naming the field', () => {
  const bad: Array<[unknown, string]> = [
    [{ kind: 'docker', suite: 'bookworm' }, 'recipe.kind'],
    [{ kind: 'mmdebstrap', suite: 'Bookworm!' }, 'recipe.suite'],
    [{ kind: 'mmdebstrap', suite: 'bookworm', variant: 'tiny' }, 'recipe.variant'],
    [{ kind: 'mmdebstrap', suite: 'bookworm', mirror: 'ftp://x' }, 'recipe.mirror'],
    [{ kind: 'mmdebstrap', suite: 'bookworm', securityMirror: 'nope' }, 'recipe.securityMirror'],
    [{ kind: 'mmdebstrap', suite: 'bookworm', packages: ['ok', 'bad pkg'] }, 'recipe.packages[1]'],
    [{ kind: 'mmdebstrap', suite: 'bookworm', components: [] }, 'recipe.components'],
    [{ kind: 'mmdebstrap', suite: 'bookworm', sourceDateEpoch: 1.5 }, 'recipe.sourceDateEpoch'],
  ];
  for (const [recipe, where] of bad) {
    assert.throws(() => normalizeRecipe(recipe as never, defaults), { code: 'CATALOG_BAD_RECIPE', where }, where);
  }
});

test('bootable recipes: part of the digest, absent when false (old digests unchanged), amd64 only', () => {
  const plain = { kind: 'mmdebstrap', suite: 'bookworm', variant: 'minbase' } as const;
  const r = normalizeRecipe(plain, defaults);
  assert.ok(!('bootable' in r) && !('kernel' in r), 'a recipe that is not bootable has no boot fields');
  // The digest this recipe had before bootable existed: entries already in catalogs keep their cached bases.
  assert.equal(recipeDigest(r), 'sha256:57cf4ed380a583bf70fdc0686ee5e24cb822d37bedc463d2cc82173d44e49d22');
  assert.equal(recipeDigest(normalizeRecipe({ ...plain, bootable: false }, defaults)), recipeDigest(r));
  const boot = normalizeRecipe({ ...plain, bootable: true }, defaults);
  assert.equal(boot.bootable, true);
  assert.equal(boot.kernel, 'cloud');
  assert.notEqual(recipeDigest(boot), recipeDigest(r));
  const generic = normalizeRecipe({ ...plain, bootable: true, kernel: 'generic' }, defaults);
  assert.notEqual(recipeDigest(generic), recipeDigest(boot));
  assert.equal(recipeDigest(normalizeRecipe({ ...plain, bootable: true, kernel: 'cloud' }, defaults)), recipeDigest(boot), 'the default kernel is spelled out');
  const refused: Array<[unknown, string, RegExp]> = [
    [{ ...plain, bootable: true, architecture: 'arm64' }, 'recipe.bootable', /amd64 only/],
    [{ ...plain, bootable: true, variant: 'extract' }, 'recipe.bootable', /configures packages/],
    [{ ...plain, bootable: 'yes' }, 'recipe.bootable', /true or false/],
    [{ ...plain, bootable: true, kernel: 'rt' }, 'recipe.kernel', /cloud, generic/],
    [{ ...plain, kernel: 'generic' }, 'recipe.kernel', /only to a bootable recipe/],
  ];
  for (const [recipe, where, message] of refused) {
    assert.throws(() => normalizeRecipe(recipe as never, defaults), { code: 'CATALOG_BAD_RECIPE', where, message }, JSON.stringify(recipe));
  }
});

test('mmdebstrapArgs of a bootable recipe: kernel, init, Secure Boot loaders, network, SSH and first-boot hooks', () => {
  const plain = normalizeRecipe({ kind: 'mmdebstrap', suite: 'bookworm', variant: 'minbase', packages: ['openssh-server=1:9.2p1-2+deb12u5'] }, defaults);
  const boot = normalizeRecipe({ kind: 'mmdebstrap', suite: 'bookworm', variant: 'minbase', packages: ['openssh-server=1:9.2p1-2+deb12u5'], bootable: true }, defaults);
  const include = (args: string[]) => args.find((a) => a.startsWith('--include='))!.slice(10).split(',');
  const hooks = (args: string[]) => args.filter((a) => a.startsWith('--customize-hook=')).map((a) => a.slice(17));
  const plainArgs = mmdebstrapArgs(plain, '/t');
  assert.deepEqual(include(plainArgs), ['openssh-server=1:9.2p1-2+deb12u5']);
  assert.ok(!plainArgs.includes('--skip=chroot/mount/sys'));
  const args = mmdebstrapArgs(boot, '/t');
  const pkgs = include(args);
  for (const p of ['linux-image-cloud-amd64', 'systemd-sysv', 'shim-signed', 'grub-efi-amd64-signed', 'initramfs-tools', 'udev', 'dbus', 'systemd-resolved']) {
    assert.ok(pkgs.includes(p), p);
  }
  assert.deepEqual(pkgs.filter((p) => p.startsWith('openssh-server')), ['openssh-server=1:9.2p1-2+deb12u5'], 'a pinned package is not added again unpinned');
  assert.ok(include(mmdebstrapArgs({ ...boot, kernel: 'generic' }, '/t')).includes('linux-image-amd64'));
  // The chroot never sees the host's /sys (EFI variables), so no postinst can run grub-install or efibootmgr.
  assert.ok(args.includes('--skip=chroot/mount/sys'));
  const h = hooks(args).join('\n');
  assert.match(h, /: > "\$1"\/etc\/machine-id/);
  assert.match(h, /rm -f "\$1"\/var\/lib\/dbus\/machine-id/);
  assert.match(h, /rm -f "\$1"\/etc\/ssh\/ssh_host_\*_key /);
  assert.match(h, /ssh-keygen -A/);
  assert.match(h, /multi-user\.target\.wants\/goldsmith-ssh-hostkeys\.service/);
  assert.match(h, /DHCP=yes/);
  assert.match(h, /rm -f "\$1"\/etc\/\.resolv\.conf\.systemd-resolved\.bak/);
  // The boot hooks come after the generic one that drops the host's resolv.conf, which they replace with resolved's stub.
  const all = hooks(args);
  assert.ok(all.findIndex((x) => x.includes('rm -f "$1"/etc/hostname "$1"/etc/resolv.conf')) < all.findIndex((x) => x.includes('stub-resolv.conf')));
});

test('catalog refs are publisher:offer:sku:version URNs', () => {
  const ref = parseCatalogRef('Debian:debian-12:12-minbase:latest');
  assert.deepEqual(ref, { publisher: 'Debian', offer: 'debian-12', sku: '12-minbase', version: 'latest' });
  assert.equal(formatCatalogRef(ref), 'Debian:debian-12:12-minbase:latest');
  for (const bad of ['a:b:c', 'a:b:c:d:e', 'a::c:d', '']) assert.throws(() => parseCatalogRef(bad), { code: 'CATALOG_BAD_REF' });
});
