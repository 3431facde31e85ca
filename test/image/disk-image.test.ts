import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { autoSizeMiB, derivedUuid, inspectDiskImage, makeDiskImage, packRootfs, unpackRootfs, usedInodes } from '../../src/image/index.js';
import { makeFakeRootfs } from './fake-rootfs.js';

const EPOCH = 1700000000;
const root = mkdtempSync(join(tmpdir(), 'gs-disk-'));
after(() => rmSync(root, { recursive: true, force: true }));
const tree = join(root, 'rootfs');
makeFakeRootfs(tree);

function debugfs(image: string, cmd: string): string {
  return execFileSync('debugfs', ['-R', cmd, image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

describe('makeDiskImage', () => {
  test('raw ext4: readable without mounting, fixed UUID and label, same bytes when rebuilt', async () => {
    const img = join(root, 'disk.raw');
    const r = await makeDiskImage(tree, img, { format: 'raw', sizeMiB: 32, sourceDateEpoch: EPOCH, label: 'gold' });
    const info = await inspectDiskImage(img);
    assert.deepEqual(info, { format: 'raw', virtualSize: 32 * 1024 * 1024 });
    assert.match(debugfs(img, 'cat /etc/os-release'), /PRETTY_NAME="Alpine Linux v3.20"/);
    const header = execFileSync('dumpe2fs', ['-h', img], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.match(header, new RegExp(`Filesystem UUID:\\s+${r.uuid}`));
    assert.match(header, /Filesystem volume name:\s+gold/);
    assert.match(debugfs(img, 'stat /bin/busybox'), /Mode:\s+04755/);
    // Two fresh unpacks of one archive, a second apart: other ctimes and atimes, same image bytes.
    await packRootfs(tree, join(root, 'tree.tar.zst'), { sourceDateEpoch: EPOCH });
    const images = [];
    for (const n of [1, 2]) {
      await unpackRootfs(join(root, 'tree.tar.zst'), join(root, `unpacked${n}`));
      images.push(await makeDiskImage(join(root, `unpacked${n}`), join(root, `u${n}.raw`), { format: 'raw', sizeMiB: 32, sourceDateEpoch: EPOCH, label: 'gold' }));
      await new Promise((res) => setTimeout(res, 1100));
    }
    assert.ok(readFileSync(images[0]!.path).equals(readFileSync(images[1]!.path)));
    const again = images[1]!;
    assert.equal(again.uuid, r.uuid);
  });

  test('qcow2 and fixed VHD are recognised with the same virtual size', async () => {
    const q = await makeDiskImage(tree, join(root, 'disk.qcow2'), { format: 'qcow2', sizeMiB: 32, sourceDateEpoch: EPOCH });
    assert.deepEqual(await inspectDiskImage(q.path), { format: 'qcow2', virtualSize: 32 * 1024 * 1024 });
    const v = await makeDiskImage(tree, join(root, 'disk.vhd'), { format: 'vhd', sizeMiB: 32, sourceDateEpoch: EPOCH });
    assert.deepEqual(await inspectDiskImage(v.path, 'vpc'), { format: 'vpc', virtualSize: 32 * 1024 * 1024 });
    // A fixed VHD is the raw disk plus a 512-byte footer that starts with the "conectix" cookie.
    assert.equal(statSync(v.path).size, 32 * 1024 * 1024 + 512);
    const fd = openSync(v.path, 'r');
    const footer = Buffer.alloc(8);
    readSync(fd, footer, 0, 8, statSync(v.path).size - 512);
    closeSync(fd);
    assert.equal(footer.toString('latin1'), 'conectix');
    assert.ok(!existsSync(`${v.path}.raw.tmp`), 'the intermediate raw image is removed');
    // Rebuilt later: qcow2 and VHD (whose footer qemu-img stamps with time and a random id) are byte-identical.
    await new Promise((r) => setTimeout(r, 1100));
    const v2 = await makeDiskImage(tree, join(root, 'disk2.vhd'), { format: 'vhd', sizeMiB: 32, sourceDateEpoch: EPOCH });
    const q2 = await makeDiskImage(tree, join(root, 'disk2.qcow2'), { format: 'qcow2', sizeMiB: 32, sourceDateEpoch: EPOCH });
    assert.ok(readFileSync(v2.path).equals(readFileSync(v.path)));
    assert.ok(readFileSync(q2.path).equals(readFileSync(q.path)));
    // and the patched footer still checks out for qemu-img
    assert.equal(JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-f', 'vpc', v2.path], { encoding: 'utf8' })).format, 'vpc');
  });

  test('auto size leaves headroom over the content', async () => {
    const r = await makeDiskImage(tree, join(root, 'auto.raw'), { format: 'raw', sourceDateEpoch: EPOCH });
    assert.equal(r.sizeMiB, autoSizeMiB(Number(execFileSync('du', ['-s', '-k', '-x', tree], { encoding: 'utf8' }).split(/\s/)[0])));
    assert.ok(r.sizeMiB >= 64 && r.sizeMiB % 16 === 0);
    assert.equal(autoSizeMiB(100 * 1024), Math.ceil((130 + 64) / 16) * 16);
  });

  test('bad options are refused before anything is written', async () => {
    const out = join(root, 'bad.img');
    await assert.rejects(makeDiskImage(tree, out, { format: 'vmdk' as 'raw', sourceDateEpoch: EPOCH }), { code: 'IMAGE_BAD_FORMAT' });
    await assert.rejects(makeDiskImage(tree, out, { format: 'raw', sourceDateEpoch: EPOCH, label: 'x'.repeat(17) }), { code: 'IMAGE_BAD_LABEL' });
    await assert.rejects(makeDiskImage(tree, out, { format: 'raw', sourceDateEpoch: EPOCH, sizeMiB: 1 }), { code: 'IMAGE_BAD_SIZE' });
    await assert.rejects(makeDiskImage(join(root, 'none'), out, { format: 'raw', sourceDateEpoch: EPOCH }), { code: 'IMAGE_NOT_A_DIRECTORY' });
    // Too small for the content: mke2fs fails and neither the image nor its raw intermediate is left behind.
    const big = join(root, 'big');
    makeFakeRootfs(big);
    writeFileSync(join(big, 'blob'), Buffer.alloc(12 * 1024 * 1024, 1));
    await assert.rejects(makeDiskImage(big, out, { format: 'qcow2', sourceDateEpoch: EPOCH, sizeMiB: 8 }), { code: 'IMAGE_TOOL_FAILED' });
    assert.ok(!existsSync(`${out}.raw.tmp`));
    assert.ok(!existsSync(out));
  });

  test('usedInodes reads dumpe2fs free ranges per group', () => {
    const text = 'Inodes per group:         8\nGroup 0: (Blocks 0-7)\n  Free inodes: 5-6\nGroup 1: (Blocks 8-15)\n  Free inodes: \nGroup 2: (Blocks 16-23)\n  Free inodes: 17, 20-24\n';
    assert.deepEqual(usedInodes(text), [1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19]);
  });

  test('derived UUIDs are stable, RFC 4122 shaped and input-dependent', () => {
    assert.equal(derivedUuid('a'), derivedUuid('a'));
    assert.notEqual(derivedUuid('a'), derivedUuid('b'));
    assert.match(derivedUuid('a'), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
