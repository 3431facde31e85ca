import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FsArtifactStore, sha256File } from '../../src/artifacts/index.js';
import { CatalogService, type CatalogRef, type MmdebstrapRecipe } from '../../src/catalog/index.js';
import type { Store } from '../../src/store/index.js';
import { makeFakeRootfs } from '../image/fake-rootfs.js';
import { describeEachBackend } from '../support/stores.js';

const minbase: MmdebstrapRecipe = { kind: 'mmdebstrap', suite: 'bookworm', variant: 'minbase', mirror: 'http://deb.debian.org/debian' };
const ref = (version: string, sku = '12-minbase'): CatalogRef => ({ publisher: 'Debian', offer: 'debian-12', sku, version });

describeEachBackend('catalog service', (b) => {
  let store: Store;
  let home: string;
  let catalog: CatalogService;
  before(async () => {
    store = await b.open();
    home = mkdtempSync(join(tmpdir(), 'gs-cat-'));
    catalog = new CatalogService(store, new FsArtifactStore(join(home, 'artifacts')), { home, architecture: 'amd64' });
  });
  after(async () => {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('add, list, show and resolve latest by number, not by insertion or text order', async () => {
    const events: string[] = [];
    const off = store.onChange((e) => void events.push(`${e.type} ${e.subject}`));
    for (const v of ['12.0.9', '12.0.10', '12.0.2']) await catalog.add({ ...ref(v), recipe: { ...minbase, packages: ['zstd'] } });
    off();
    assert.deepEqual(events, ['12.0.9', '12.0.10', '12.0.2'].map((v) => `catalog.entry.added catalog:Debian:debian-12:12-minbase:${v}`));
    const latest = await catalog.resolve(ref('latest'));
    assert.equal(latest.version, '12.0.10');
    assert.equal(latest.kind, 'mmdebstrap');
    assert.equal(latest.recipe?.sourceDateEpoch, 1704067200, 'the default epoch is recorded in the entry');
    assert.equal(latest.recipe?.architecture, 'amd64');
    assert.equal(latest.bootable, false, 'a minbase recipe is a root filesystem only');
    assert.match(latest.recipeDigest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal((await catalog.show({ ...ref('12.0.2'), publisher: 'debian' })).version, '12.0.2', 'names are case-insensitive');
    const listed = await catalog.list({ publisher: 'Debian' });
    assert.deepEqual(listed.map((e) => e.version), ['12.0.2', '12.0.9', '12.0.10']);
    assert.equal(typeof listed[0]!.createdAt, 'string');
  });

  test('a duplicate is refused and changes nothing', async () => {
    await assert.rejects(catalog.add({ ...ref('12.0.9'), recipe: { ...minbase, variant: 'apt' } }), { code: 'CATALOG_DUPLICATE', kind: 'conflict' });
    assert.equal((await catalog.show(ref('12.0.9'))).recipe?.variant, 'minbase');
  });

  test('unknown references name what exists at the level that did not match', async () => {
    await assert.rejects(catalog.resolve({ ...ref('latest'), publisher: 'Canonical' }), (e: Error & { code: string }) => {
      assert.equal(e.code, 'CATALOG_NOT_FOUND');
      assert.match(e.message, /no catalog publisher "Canonical".*Debian/);
      return true;
    });
    await assert.rejects(catalog.resolve({ ...ref('latest'), offer: 'debian-13' }), /no offer "debian-13"; offers: debian-12/);
    await assert.rejects(catalog.resolve(ref('latest', '12-full')), /no sku "12-full"; skus: 12-minbase/);
    await assert.rejects(catalog.resolve(ref('11.0.0')), /no version "11.0.0"; versions: 12.0.2, 12.0.9, 12.0.10/);
  });

  test('bad input is refused with the field named', async () => {
    await assert.rejects(catalog.add({ ...ref('not a version'), recipe: minbase }), { code: 'CATALOG_BAD_VERSION', where: 'version' });
    await assert.rejects(catalog.add({ ...ref('1.0.0'), offer: 'bad offer', recipe: minbase }), { code: 'CATALOG_BAD_NAME', where: 'offer' });
    await assert.rejects(catalog.add({ ...ref('1.0.0'), recipe: { ...minbase, variant: 'huge' } }), { code: 'CATALOG_BAD_RECIPE', where: 'recipe.variant' });
    await assert.rejects(catalog.resolve(ref('latest!')), { code: 'CATALOG_BAD_VERSION' });
    assert.equal((await catalog.list()).length, 3);
  });

  test('a bootable recipe makes a bootable entry, with the kernel flavour recorded', async () => {
    const e = await catalog.add({ ...ref('12.0.0', '12-gen2'), recipe: { ...minbase, bootable: true } });
    assert.equal(e.bootable, true);
    assert.equal(e.recipe?.kernel, 'cloud');
    assert.equal((await catalog.resolve(ref('latest', '12-gen2'))).bootable, true);
    await assert.rejects(catalog.add({ ...ref('12.0.1', '12-gen2'), recipe: { ...minbase, bootable: true, architecture: 'arm64' } }), { code: 'CATALOG_BAD_RECIPE', where: 'recipe.bootable' });
  });

  test('import: a tree with kernel, systemd init, shim and signed GRUB is recorded bootable', async () => {
    const tree = join(home, 'debboot');
    const file = (p: string, text = 'x') => {
      mkdirSync(join(tree, p, '..'), { recursive: true });
      writeFileSync(join(tree, p), text);
    };
    file('etc/os-release', 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\n');
    for (const p of ['usr/lib/shim/shimx64.efi.signed', 'usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed', 'boot/vmlinuz-6.1.0-cloud-amd64', 'boot/initrd.img-6.1.0-cloud-amd64', 'usr/lib/systemd/systemd']) file(p);
    symlinkSync('boot/vmlinuz-6.1.0-cloud-amd64', join(tree, 'vmlinuz'));
    symlinkSync('boot/initrd.img-6.1.0-cloud-amd64', join(tree, 'initrd.img'));
    symlinkSync('usr/lib', join(tree, 'lib'));
    mkdirSync(join(tree, 'sbin'));
    symlinkSync('/lib/systemd/systemd', join(tree, 'sbin/init'));
    execFileSync('tar', ['-cf', join(home, 'debboot.tar'), '-C', tree, '.']);
    const boot = await catalog.importTarball(join(home, 'debboot.tar'), { publisher: 'Contoso', offer: 'debian-12', sku: 'gen2', version: '1.0.0' });
    assert.equal(boot.bootable, true);
    assert.equal(boot.source?.bootable, true);
    // Without the signed shim it is a root filesystem only.
    rmSync(join(tree, 'usr/lib/shim'), { recursive: true });
    execFileSync('tar', ['-cf', join(home, 'debroot.tar'), '-C', tree, '.']);
    const plain = await catalog.importTarball(join(home, 'debroot.tar'), { publisher: 'Contoso', offer: 'debian-12', sku: 'rootfs', version: '1.0.0' });
    assert.equal(plain.bootable, false);
  });

  test('import: any compression, the OS is detected, and the repacked base is reproducible', async () => {
    const tree = join(home, 'alpine');
    makeFakeRootfs(tree);
    // The tree's setuid busybox belongs to no package yet: refused before anything is extracted.
    execFileSync('tar', ['-czf', join(home, 'unowned.tar.gz'), '-C', tree, '.']);
    await assert.rejects(catalog.importTarball(join(home, 'unowned.tar.gz'), { publisher: 'Alpine', offer: 'alpine', sku: '3', version: '3.20.0' }), {
      code: 'CATALOG_UNSAFE_FILES',
      message: /setuid: mode 4755.*owned by no installed package.*--allow-unowned-setuid/,
    });
    mkdirSync(join(tree, 'lib/apk/db'), { recursive: true });
    writeFileSync(join(tree, 'lib/apk/db/installed'), 'P:busybox\nV:1.36.1-r29\nA:x86_64\nF:bin\nR:busybox\n\n');
    execFileSync('tar', ['-czf', join(home, 'alpine.tar.gz'), '-C', tree, '.']);
    execFileSync('touch', ['-d', '2031-01-01', join(tree, 'etc/os-release')]);
    execFileSync('tar', ['-cJf', join(home, 'alpine.tar.xz'), '-C', tree, 'etc', 'bin', 'dev', 'home', 'lib', 'tmp', 'usr']);
    const a = await catalog.importTarball(join(home, 'alpine.tar.gz'), { publisher: 'Alpine', offer: 'alpine', sku: '3', version: '3.20.1' });
    assert.equal(a.kind, 'import');
    assert.equal(a.bootable, false, 'no kernel, no systemd');
    // Accepted by the defaults, and recorded: the standard /dev/null and the package's setuid busybox.
    assert.deepEqual(
      a.source?.specialFiles?.map((f) => [f.kind, f.allowed]).sort(),
      [
        ['device', true],
        ['setuid', true],
      ],
    );
    assert.deepEqual(a.os, { id: 'alpine', prettyName: 'Alpine Linux v3.20', versionId: '3.20.1' });
    assert.equal(a.source?.digest, await sha256File(join(home, 'alpine.tar.gz')));
    const x = await catalog.importTarball(join(home, 'alpine.tar.xz'), { publisher: 'Alpine', offer: 'alpine', sku: '3', version: '3.20.2' });
    assert.equal(x.artifact?.digest, a.artifact?.digest, 'same tree, different archive and mtimes: same base bytes');
    const got = await catalog.ensureArtifact({ publisher: 'Alpine', offer: 'alpine', sku: '3', version: 'latest' });
    assert.deepEqual([got.cached, got.digest, got.entry.version], [true, a.artifact!.digest, '3.20.2']);
    assert.equal(await sha256File(got.path), got.digest);
  });

  test('import refuses non-rootfs and unreadable tarballs, and duplicates before unpacking', async () => {
    const notRoot = join(home, 'notroot');
    mkdirSync(join(notRoot, 'data'), { recursive: true });
    writeFileSync(join(notRoot, 'data/x'), 'x');
    execFileSync('tar', ['-cf', join(home, 'notroot.tar'), '-C', notRoot, '.']);
    const r = { publisher: 'Alpine', offer: 'alpine', sku: '3', version: '9.9.9' };
    await assert.rejects(catalog.importTarball(join(home, 'notroot.tar'), r), { code: 'CATALOG_NOT_A_ROOTFS' });
    writeFileSync(join(home, 'junk.tar.zst'), 'junk');
    await assert.rejects(catalog.importTarball(join(home, 'junk.tar.zst'), r), { code: 'CATALOG_BAD_TARBALL' });
    await assert.rejects(catalog.importTarball(join(home, 'nope.tar'), r), { code: 'CATALOG_IMPORT_NOT_FOUND' });
    await assert.rejects(catalog.importTarball(join(home, 'junk.tar.zst'), { ...r, version: '3.20.1' }), { code: 'CATALOG_DUPLICATE' });
    await assert.rejects(catalog.resolve(r), { code: 'CATALOG_NOT_FOUND' });
  });

  test('an imported base whose blob is gone cannot be rebuilt: clear error', async () => {
    const e = await catalog.resolve({ publisher: 'Alpine', offer: 'alpine', sku: '3', version: '3.20.1' });
    const arts = new FsArtifactStore(join(home, 'artifacts'));
    const keep = join(home, 'keep.tar.zst');
    copyFileSync(arts.path('local', e.artifact!.digest), keep);
    await arts.remove('local', e.artifact!.digest);
    await assert.rejects(catalog.ensureArtifact(e), { code: 'CATALOG_ARTIFACT_MISSING' });
    await arts.putFile('local', keep);
  });

  test('adoptArtifact and baseCacheDir reuse a prebuilt base and record its OS', async () => {
    const tree = join(home, 'deb');
    makeFakeRootfs(tree);
    writeFileSync(join(tree, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
    execFileSync('sh', ['-c', `tar -C ${tree} -cf - . | zstd -q > ${join(home, 'deb.tar.zst')}`]);
    const adopted = await catalog.adoptArtifact(ref('12.0.2'), join(home, 'deb.tar.zst'));
    assert.equal(adopted.entry.os?.prettyName, 'Debian GNU/Linux 12 (bookworm)');
    assert.equal(adopted.entry.os?.versionId, '12');
    await assert.rejects(catalog.adoptArtifact(ref('12.0.9'), join(home, 'notroot.tar')), { code: 'CATALOG_NOT_A_ROOTFS' });
    // 12.0.9 and 12.0.10 share the recipe of 12.0.2: the recorded build serves them without building.
    const again = await catalog.ensureArtifact(ref('12.0.9'));
    assert.deepEqual([again.cached, again.digest], [true, adopted.digest]);
    assert.equal((await catalog.show(ref('12.0.9'))).artifact?.digest, adopted.digest);
    // A base cache dir keyed by recipe digest is adopted when nothing is recorded yet.
    const cacheDir = join(home, 'base-cache');
    mkdirSync(cacheDir);
    const other = { ...ref('13.0.0', 'apt'), recipe: { ...minbase, variant: 'apt' } };
    const e = await catalog.add(other);
    symlinkSync(join(home, 'deb.tar.zst'), join(cacheDir, `base-${e.recipeDigest!.slice(7)}.tar.zst`));
    const withCache = new CatalogService(store, new FsArtifactStore(join(home, 'artifacts')), { home, baseCacheDir: cacheDir, builder: () => assert.fail('must not build') });
    const hit = await withCache.ensureArtifact(ref('latest', 'apt'));
    assert.deepEqual([hit.cached, hit.digest], [true, adopted.digest]);
  });
});
