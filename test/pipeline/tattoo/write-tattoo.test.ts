import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseOsRelease } from '../../../src/image/os-release.js';
import { parseTattoo, readOsVersion, writeTattoo } from '../../../src/pipeline/tattoo/index.js';
import { DEBIAN_OS_RELEASE, makeRootfs } from '../checks/rootfs-fixture.js';
import { sample } from './sample-tattoo.js';

test('writes the tattoo 0644 and updates os-release through Debian\'s relative symlink', async () => {
  const fx = makeRootfs();
  try {
    fx.file('/usr/lib/os-release', DEBIAN_OS_RELEASE, 0o644);
    fx.link('/etc/os-release', '../usr/lib/os-release');
    const t = sample({ osVersion: await readOsVersion(fx.root) });
    const w = await writeTattoo(fx.root, t);
    assert.equal(w.osReleasePath, '/usr/lib/os-release');
    const tattooFile = join(fx.root, 'etc/goldsmith/tattoo');
    assert.equal(statSync(tattooFile).mode & 0o777, 0o644);
    assert.deepEqual(parseTattoo(readFileSync(tattooFile, 'utf8')), t);
    assert.equal(t.osVersion, 'Debian GNU/Linux 12 (bookworm)');
    assert.ok(lstatSync(join(fx.root, 'etc/os-release')).isSymbolicLink(), 'the link stays a link');
    assert.equal(readlinkSync(join(fx.root, 'etc/os-release')), '../usr/lib/os-release');
    const osr = parseOsRelease(readFileSync(join(fx.root, 'usr/lib/os-release'), 'utf8'));
    assert.equal(osr.IMAGE_VERSION, '1.2.3');
    assert.equal(osr.IMAGE_ID, 'hardened-web');
    assert.equal(osr.ID, 'debian');
    // Rewriting for the next version replaces, not appends.
    await writeTattoo(fx.root, sample({ imageVersion: '1.2.4' }));
    const again = readFileSync(join(fx.root, 'usr/lib/os-release'), 'utf8');
    assert.equal(again.match(/IMAGE_VERSION/g)?.length, 1);
    assert.equal(parseOsRelease(again).IMAGE_VERSION, '1.2.4');
  } finally {
    fx.cleanup();
  }
});

test('an absolute os-release link is followed inside the rootfs, never to the host', async () => {
  const fx = makeRootfs();
  try {
    fx.file('/usr/lib/os-release', DEBIAN_OS_RELEASE);
    fx.link('/etc/os-release', '/usr/lib/os-release'); // on the host this would be the host's own file
    const hostBefore = existsSync('/usr/lib/os-release') ? readFileSync('/usr/lib/os-release', 'utf8') : undefined;
    await writeTattoo(fx.root, sample());
    assert.equal(parseOsRelease(readFileSync(join(fx.root, 'usr/lib/os-release'), 'utf8')).IMAGE_VERSION, '1.2.3');
    if (hostBefore !== undefined) assert.equal(readFileSync('/usr/lib/os-release', 'utf8'), hostBefore);
  } finally {
    fx.cleanup();
  }
});

test('a ../../ link that climbs out of the rootfs stays inside it', async () => {
  const fx = makeRootfs();
  try {
    // fx.host is the rootfs' sibling: ../../host/os-release from /etc would reach it on the host.
    const hostFile = join(fx.host, 'os-release');
    writeFileSync(hostFile, 'ID=host\n');
    fx.link('/etc/os-release', '../../../../../../../../host/os-release');
    fx.file('/host/os-release', DEBIAN_OS_RELEASE);
    const w = await writeTattoo(fx.root, sample());
    assert.equal(w.osReleasePath, '/host/os-release');
    assert.equal(readFileSync(hostFile, 'utf8'), 'ID=host\n', 'the host file is untouched');
    assert.equal(parseOsRelease(readFileSync(join(fx.root, 'host/os-release'), 'utf8')).IMAGE_VERSION, '1.2.3');
  } finally {
    fx.cleanup();
  }
});

test('an incomplete tattoo is refused before anything is written', async () => {
  const fx = makeRootfs();
  try {
    fx.file('/etc/os-release', DEBIAN_OS_RELEASE);
    await assert.rejects(writeTattoo(fx.root, sample({ oob: true })), (e: Error & { code: string }) => {
      assert.equal(e.code, 'TATTOO_INCOMPLETE');
      assert.match(e.message, /CVE_IDS is missing; PATCH_DATE is missing/);
      return true;
    });
    assert.ok(!existsSync(join(fx.root, 'etc/goldsmith')));
    assert.equal(readFileSync(join(fx.root, 'etc/os-release'), 'utf8'), DEBIAN_OS_RELEASE);
  } finally {
    fx.cleanup();
  }
});

test('an image without os-release gets a minimal /etc/os-release', async () => {
  const fx = makeRootfs();
  try {
    await writeTattoo(fx.root, sample());
    assert.equal(readFileSync(join(fx.root, 'etc/os-release'), 'utf8'), 'IMAGE_ID=hardened-web\nIMAGE_VERSION=1.2.3\n');
  } finally {
    fx.cleanup();
  }
});

test('a link planted at the tattoo path is replaced, not written through', async () => {
  const fx = makeRootfs();
  try {
    fx.file('/etc/os-release', DEBIAN_OS_RELEASE);
    fx.file('/etc/passwd', 'root:x:0:0::/root:/bin/sh\n');
    fx.link('/etc/goldsmith/tattoo', '/etc/passwd');
    await writeTattoo(fx.root, sample());
    assert.equal(readFileSync(join(fx.root, 'etc/passwd'), 'utf8'), 'root:x:0:0::/root:/bin/sh\n');
    assert.ok(lstatSync(join(fx.root, 'etc/goldsmith/tattoo')).isFile());
    assert.equal(statSync(join(fx.root, 'etc/goldsmith/tattoo')).mode & 0o777, 0o644);
  } finally {
    fx.cleanup();
  }
});
