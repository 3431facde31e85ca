import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { rmSync } from 'node:fs';
import { packRootfs, unpackRootfs } from '../../src/image/index.js';
import { HAS_SETCAP, makeFakeRootfs } from './fake-rootfs.js';
import { sandboxRootIds } from '../../src/sandbox/index.js';

const EPOCH = 1700000000;
const root = mkdtempSync(join(tmpdir(), 'gs-image-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('packRootfs', () => {
  test('two packs of identical trees are byte-identical, whatever the mtimes and creation order', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    makeFakeRootfs(a);
    makeFakeRootfs(b, { reverse: true });
    // Different mtimes/atimes on the second tree: the archive must not see them.
    utimesSync(join(b, 'etc/os-release'), new Date('2030-01-01'), new Date('2031-05-05'));
    utimesSync(join(b, 'bin'), 5, 5);
    const pa = await packRootfs(a, join(root, 'a.tar.zst'), { sourceDateEpoch: EPOCH });
    const pb = await packRootfs(b, join(root, 'b.tar.zst'), { sourceDateEpoch: EPOCH });
    assert.equal(pa.digest, pb.digest);
    assert.equal(pa.size, statSync(join(root, 'a.tar.zst')).size);
    assert.deepEqual(readFileSync(join(root, 'a.tar.zst')), readFileSync(join(root, 'b.tar.zst')));
    // Touch a file and pack again: still the same bytes.
    utimesSync(join(a, 'bin/busybox'), new Date(), new Date());
    const again = await packRootfs(a, join(root, 'a2.tar.zst'), { sourceDateEpoch: EPOCH });
    assert.equal(again.digest, pa.digest);
  });

  test('content, mode and epoch changes change the archive', async () => {
    const d = join(root, 'c');
    makeFakeRootfs(d);
    const base = await packRootfs(d, join(root, 'c0.tar.zst'), { sourceDateEpoch: EPOCH });
    const otherEpoch = await packRootfs(d, join(root, 'c1.tar.zst'), { sourceDateEpoch: EPOCH + 1 });
    assert.notEqual(otherEpoch.digest, base.digest);
    execFileSync('chmod', ['0700', join(d, 'home/app/.profile')]);
    const mode = await packRootfs(d, join(root, 'c2.tar.zst'), { sourceDateEpoch: EPOCH });
    assert.notEqual(mode.digest, base.digest);
    writeFileSync(join(d, 'etc/motd'), 'hi');
    const content = await packRootfs(d, join(root, 'c3.tar.zst'), { sourceDateEpoch: EPOCH });
    assert.notEqual(content.digest, mode.digest);
  });

  test('entries are sorted, owners numeric, and no pax header carries a pid, atime or ctime', async () => {
    const d = join(root, 'd');
    makeFakeRootfs(d);
    await packRootfs(d, join(root, 'd.tar.zst'), { sourceDateEpoch: EPOCH });
    const tar = execFileSync('zstd', ['-dc', join(root, 'd.tar.zst')]);
    const listing = execFileSync('tar', ['-tv', '--numeric-owner', '--full-time'], { input: tar, encoding: 'utf8' }).trim().split('\n');
    const names = execFileSync('tar', ['-t'], { input: tar, encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(names, [...names].sort((x, y) => (Buffer.from(x) < Buffer.from(y) ? -1 : 1)));
    assert.ok(listing.every((l) => l.includes('2023-11-14 22:13:20')), 'every mtime is the epoch');
    assert.ok(listing.some((l) => /1234\/5678/.test(l)));
    const text = tar.toString('latin1');
    assert.ok(!/atime=|ctime=/.test(text));
    assert.ok(!/PaxHeaders\.\d+/.test(text), 'pax header names carry no pid');
  });

  test('bad input changes nothing', async () => {
    await assert.rejects(packRootfs(join(root, 'nope'), join(root, 'x.tar.zst'), { sourceDateEpoch: EPOCH }), { code: 'IMAGE_NOT_A_DIRECTORY' });
    await assert.rejects(packRootfs(root, join(root, 'x.tar.zst'), { sourceDateEpoch: -1 }), { code: 'IMAGE_BAD_EPOCH' });
    assert.throws(() => statSync(join(root, 'x.tar.zst')));
  });
});

describe('unpackRootfs', () => {
  test('round trip keeps modes, owners, symlinks, hard links, device nodes and capabilities', async () => {
    const src = join(root, 'rt-src');
    makeFakeRootfs(src);
    await packRootfs(src, join(root, 'rt.tar.zst'), { sourceDateEpoch: EPOCH });
    const out = join(root, 'rt-out');
    await unpackRootfs(join(root, 'rt.tar.zst'), out);
    assert.equal(statSync(join(out, 'bin/busybox')).mode & 0o7777, 0o4755);
    assert.equal(statSync(join(out, 'tmp')).mode & 0o7777, 0o1777);
    const prof = statSync(join(out, 'home/app/.profile'));
    // An unpacked tree belongs to the sandbox's id range: 1234 inside is start + 1234 outside.
    const ids = sandboxRootIds();
    assert.deepEqual([prof.uid - ids.uid, prof.gid - ids.gid], [1234, 5678]);
    assert.equal(readlinkSync(join(out, 'bin/sh')), 'busybox');
    assert.equal(statSync(join(out, 'bin/ash')).ino, statSync(join(out, 'bin/busybox')).ino);
    const dev = lstatSync(join(out, 'dev/null'));
    assert.ok(dev.isCharacterDevice());
    assert.equal(dev.rdev, statSync('/dev/null').rdev);
    assert.equal(Math.floor(statSync(join(out, 'etc/os-release')).mtimeMs / 1000), EPOCH);
    if (HAS_SETCAP) assert.match(execFileSync('getcap', [join(out, 'usr/bin/ping')], { encoding: 'utf8' }), /cap_net_raw[=+]ep/);
    // Repacking the unpacked tree gives the same archive: what the pipeline relies on.
    const again = await packRootfs(out, join(root, 'rt2.tar.zst'), { sourceDateEpoch: EPOCH });
    assert.deepEqual(readFileSync(join(root, 'rt2.tar.zst')), readFileSync(join(root, 'rt.tar.zst')));
    assert.ok(again.size > 0);
  });

  test('a missing or corrupt archive is a clear error', async () => {
    await assert.rejects(unpackRootfs(join(root, 'missing.tar'), join(root, 'm')), { code: 'IMAGE_ARCHIVE_NOT_FOUND' });
    writeFileSync(join(root, 'junk.tar.zst'), 'not an archive at all');
    await assert.rejects(unpackRootfs(join(root, 'junk.tar.zst'), join(root, 'j')), { code: 'IMAGE_TOOL_FAILED' });
  });
});
