import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  bootableTreeProblems,
  bootConfig,
  bootLayout,
  inspectDiskImage,
  installBootConfig,
  makeBootableDisk,
  mergeFstab,
  unpackRootfs,
  vfatUuid,
  type BootLayout,
} from '../../src/image/index.js';
import { cachedBootableBase } from '../support/base-image.js';

const EPOCH = 1700000000;
const MiB = 1024 * 1024;
const root = mkdtempSync(join(tmpdir(), 'gs-bootdisk-'));
after(() => rmSync(root, { recursive: true, force: true }));

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The files bootableTreeProblems looks for, as empty stand-ins, in a small synthetic tree. */
function fakeBootTree(dir: string, skip: string[] = []): void {
  for (const f of ['usr/lib/shim/shimx64.efi.signed', 'usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed', 'boot/vmlinuz-6', 'boot/initrd.img-6', 'usr/lib/systemd/systemd']) {
    if (skip.includes(f)) continue;
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), 'x');
  }
  symlinkSync('boot/vmlinuz-6', join(dir, 'vmlinuz'));
  symlinkSync('boot/initrd.img-6', join(dir, 'initrd.img'));
  mkdirSync(join(dir, 'usr/sbin'), { recursive: true });
  symlinkSync('usr/sbin', join(dir, 'sbin'));
  symlinkSync('../lib/systemd/systemd', join(dir, 'usr/sbin/init'));
}

describe('boot layout and configuration', () => {
  test('every identifier comes from the seed: same seed, same layout; another seed, other ids', () => {
    const a = bootLayout('img/1.0.0');
    assert.deepEqual(bootLayout('img/1.0.0'), a);
    const b = bootLayout('img/1.0.1');
    const ids = (l: BootLayout) => [l.diskGuid, l.esp.partUuid, l.root.partUuid, l.root.fsUuid, l.esp.volumeId];
    assert.equal(new Set(ids(a)).size, 5, 'the five identifiers differ from each other');
    for (const [i, id] of ids(a).entries()) assert.notEqual(id, ids(b)[i]);
    assert.match(a.esp.volumeId, /^[0-9A-F]{8}$/);
    assert.equal(a.esp.type, 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
    assert.equal(a.root.type, '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709');
    assert.throws(() => bootLayout(''), { code: 'IMAGE_BAD_LAYOUT', where: 'seed' });
  });

  test('config names the layout: root by ext4 UUID, ESP by vfat id, serial console', () => {
    const l = bootLayout('cfg');
    const c = bootConfig(l);
    assert.deepEqual(c.fstabLines, [
      `UUID=${l.root.fsUuid} / ext4 defaults,discard,errors=remount-ro 0 1`,
      `UUID=${l.esp.volumeId.slice(0, 4)}-${l.esp.volumeId.slice(4)} /boot/efi vfat umask=0077 0 1`,
    ]);
    assert.match(c.grubCfg, new RegExp(`linux /vmlinuz root=UUID=${l.root.fsUuid} ro console=tty0 console=ttyS0,115200n8\n\tinitrd /initrd.img`));
    assert.match(c.grubCfg, /^serial --unit=0 --speed=115200/m);
    assert.match(c.espGrubCfg, new RegExp(`^search.fs_uuid ${l.root.fsUuid} root\nset prefix=\\(\\$root\\)'/boot/grub'\nconfigfile \\$prefix/grub.cfg\n$`));
    assert.match(bootConfig(l, { timeoutSeconds: 5, kernelArgs: ['quiet', 'net.ifnames=0'] }).grubCfg, /set timeout=5\n[\s\S]*ttyS0,115200n8 quiet net.ifnames=0\n/);
    assert.throws(() => bootConfig(l, { kernelArgs: ['quiet\n}\nmenuentry evil {'] }), { code: 'IMAGE_BAD_BOOT_CONFIG', where: 'kernelArgs/0' });
    assert.throws(() => bootConfig({ ...l, root: { ...l.root, fsUuid: 'x; rm -rf /' } }), { code: 'IMAGE_BAD_LAYOUT', where: 'layout.root.fsUuid' });
    assert.throws(() => bootConfig({ ...l, diskGuid: bootLayout('other').diskGuid }), { code: 'IMAGE_BAD_LAYOUT', where: 'layout.diskGuid' });
    assert.throws(() => bootConfig({ ...l, seed: 7 } as unknown as BootLayout), { code: 'IMAGE_BAD_LAYOUT', where: 'layout.seed' });
  });

  test('fstab merge replaces / and /boot/efi, keeps the user\'s own mounts and comments', () => {
    const old = '# comment\nUUID=old / ext4 defaults 0 1\n/dev/sdb1   /data  xfs defaults 0 2\nLABEL=E /boot/efi/ vfat defaults 0 1\n\n';
    const merged = mergeFstab(old, ['NEW-ROOT', 'NEW-ESP']);
    assert.equal(merged, '# comment\n/dev/sdb1   /data  xfs defaults 0 2\nNEW-ROOT\nNEW-ESP\n');
  });

  test('installBootConfig writes inside the tree, never through a symlink that points at the host', async () => {
    const host = join(root, 'host');
    mkdirSync(host);
    writeFileSync(join(host, 'fstab'), 'HOST FSTAB\n');
    const tree = join(root, 'cfg-tree');
    mkdirSync(join(tree, 'etc'), { recursive: true });
    symlinkSync(join(host, 'fstab'), join(tree, 'etc/fstab')); // absolute: resolves to <tree><host>/fstab, which is missing
    symlinkSync(host, join(tree, 'boot')); // /boot -> the host directory, taken inside the tree
    const l = bootLayout('confined');
    const cfg = await installBootConfig(tree, l);
    assert.equal(readFileSync(join(host, 'fstab'), 'utf8'), 'HOST FSTAB\n');
    assert.deepEqual(readdirSync(host), ['fstab'], 'nothing was created in the host directory');
    assert.equal(readFileSync(join(tree, 'etc/fstab'), 'utf8'), cfg.fstabLines.join('\n') + '\n');
    assert.equal(readFileSync(join(tree, host, 'grub/grub.cfg'), 'utf8'), cfg.grubCfg);
    assert.ok(statSync(join(tree, host, 'efi')).isDirectory());
  });

  test('bootableTreeProblems lists what is missing', async () => {
    const none = join(root, 'empty-tree');
    mkdirSync(none);
    const all = await bootableTreeProblems(none);
    for (const what of ['shimx64.efi.signed', 'grubx64.efi.signed', '/vmlinuz', '/initrd.img', '/sbin/init']) assert.ok(all.some((p) => p.includes(what)), what);
    const noShim = join(root, 'no-shim');
    fakeBootTree(noShim, ['usr/lib/shim/shimx64.efi.signed']);
    const problems = await bootableTreeProblems(noShim);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /shim.*\/usr\/lib\/shim\/shimx64.efi.signed is missing/);
    const l = bootLayout('fake');
    assert.equal((await bootableTreeProblems(noShim, l)).length, 4, 'and, with a layout, fstab (2) and grub.cfg');
    await assert.rejects(makeBootableDisk(noShim, join(root, 'out/noshim.raw'), { format: 'raw', sourceDateEpoch: EPOCH, layout: l }), (e: { code: string; data: { problems: string[] } }) => {
      assert.equal(e.code, 'IMAGE_NOT_BOOTABLE');
      assert.ok(e.data.problems.some((p) => p.includes('shimx64')));
      return true;
    });
    const sysv = join(root, 'not-systemd');
    fakeBootTree(sysv, ['usr/lib/systemd/systemd']);
    writeFileSync(join(sysv, 'usr/sbin/busybox'), 'x');
    rmSync(join(sysv, 'usr/sbin/init'));
    symlinkSync('busybox', join(sysv, 'usr/sbin/init'));
    assert.deepEqual(await bootableTreeProblems(sysv), ['init: /sbin/init is /usr/sbin/busybox, not systemd (package systemd-sysv)']);
  });
});

describe('makeBootableDisk on a Debian tree with shim, grub and a kernel', () => {
  const tree = join(root, 'rootfs');
  const out = join(root, 'out');
  const layout = bootLayout('test-image/1.0.0');
  before(async () => {
    await unpackRootfs(await cachedBootableBase(), tree);
    await installBootConfig(tree, layout);
  });

  test('raw: GPT layout, both filesystems check clean, ESP has shim and grub, root has the config; rebuilt byte-identical', async () => {
    const t0 = performance.now();
    const d = await makeBootableDisk(tree, join(out, 'a.raw'), { format: 'raw', sourceDateEpoch: EPOCH, layout });
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(statSync(d.path).size, d.sizeMiB * MiB);
    assert.ok(statSync(d.path).blocks * 512 < statSync(d.path).size, 'the disk file is sparse');
    const pt = JSON.parse(sh('sfdisk', ['-J', d.path])).partitiontable;
    assert.equal(pt.label, 'gpt');
    assert.equal(pt.id.toLowerCase(), layout.diskGuid);
    const [esp, rootPart] = pt.partitions;
    assert.deepEqual(
      { start: esp.start * 512, size: esp.size * 512, type: esp.type, uuid: esp.uuid.toLowerCase(), name: esp.name },
      { start: MiB, size: 64 * MiB, type: layout.esp.type, uuid: layout.esp.partUuid, name: 'EFI' },
    );
    assert.deepEqual(
      { start: rootPart.start * 512, size: rootPart.size * 512, type: rootPart.type, uuid: rootPart.uuid.toLowerCase(), name: rootPart.name },
      { start: d.partitions.root.offset, size: d.partitions.root.size, type: layout.root.type, uuid: layout.root.partUuid, name: 'rootfs' },
    );
    assert.equal(d.partitions.root.offset + d.partitions.root.size, (d.sizeMiB - 1) * MiB, 'the root partition ends 1 MiB before the end (backup GPT)');

    // Root: checks clean in place, and holds the layout's fstab and grub.cfg.
    const ext4 = `${d.path}?offset=${d.partitions.root.offset}`;
    sh('e2fsck', ['-fn', ext4]);
    assert.match(sh('dumpe2fs', ['-h', ext4]), new RegExp(`Filesystem UUID:\\s+${layout.root.fsUuid}`));
    const cfg = bootConfig(layout);
    const fstab = sh('debugfs', ['-R', 'cat /etc/fstab', ext4]);
    for (const line of cfg.fstabLines) assert.ok(fstab.includes(line), line);
    assert.equal(sh('debugfs', ['-R', 'cat /boot/grub/grub.cfg', ext4]), cfg.grubCfg);

    // ESP: fsck.vfat has no offset option, so check a copy of the partition.
    const espFile = join(root, 'esp.img');
    sh('dd', [`if=${d.path}`, `of=${espFile}`, 'bs=1M', 'skip=1', 'count=64', 'status=none']);
    sh('fsck.vfat', ['-n', espFile]);
    assert.match(sh('blkid', ['-p', espFile]), new RegExp(`UUID="${vfatUuid(layout.esp.volumeId)}".*TYPE="vfat"`));
    const shimOut = join(root, 'BOOTX64.EFI');
    sh('mcopy', ['-i', espFile, '-n', '::/EFI/BOOT/BOOTX64.EFI', shimOut]);
    assert.ok(readFileSync(shimOut).equals(readFileSync(join(tree, 'usr/lib/shim/shimx64.efi.signed'))));
    const listing = sh('mdir', ['-i', espFile, '-b', '-/', '::/']);
    assert.match(listing, /EFI\/BOOT\/grubx64.efi/);
    assert.doesNotMatch(listing, /fbx64/i, 'no fallback loader that would write boot entries');
    for (const dir of ['BOOT', 'debian']) assert.equal(sh('mtype', ['-i', espFile, `::/EFI/${dir}/grub.cfg`]), cfg.espGrubCfg);

    await new Promise((r) => setTimeout(r, 1100));
    const again = await makeBootableDisk(tree, join(out, 'b.raw'), { format: 'raw', sourceDateEpoch: EPOCH, layout });
    assert.equal(sha256(again.path), sha256(d.path));
    console.log(`bootable raw disk: ${d.sizeMiB} MiB (${Math.round((statSync(d.path).blocks * 512) / MiB)} MiB allocated) in ${seconds.toFixed(1)} s`);
    rmSync(again.path);
  });

  test('qcow2 and fixed VHD hold the same disk at the requested size', async () => {
    const raw = await makeBootableDisk(tree, join(out, 's.raw'), { format: 'raw', sourceDateEpoch: EPOCH, layout, sizeMiB: 800 });
    const q = await makeBootableDisk(tree, join(out, 's.qcow2'), { format: 'qcow2', sourceDateEpoch: EPOCH, layout, sizeMiB: 800 });
    assert.deepEqual(await inspectDiskImage(q.path), { format: 'qcow2', virtualSize: 800 * MiB });
    sh('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', raw.path, q.path]);
    rmSync(q.path);
    const v = await makeBootableDisk(tree, join(out, 's.vhd'), { format: 'vhd', sourceDateEpoch: EPOCH, layout, sizeMiB: 800 });
    assert.deepEqual(await inspectDiskImage(v.path, 'vpc'), { format: 'vpc', virtualSize: 800 * MiB });
    assert.equal(statSync(v.path).size, 800 * MiB + 512);
    sh('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', raw.path, v.path]);
    rmSync(v.path);
    rmSync(raw.path);
  });

  test('bad options are refused naming the field; a failed build leaves nothing behind', async () => {
    const o = join(out, 'bad.raw');
    const base = { format: 'raw' as const, sourceDateEpoch: EPOCH, layout };
    await assert.rejects(makeBootableDisk(tree, o, { ...base, format: 'vmdk' as 'raw' }), { code: 'IMAGE_BAD_FORMAT', where: 'format' });
    await assert.rejects(makeBootableDisk(tree, o, { ...base, sourceDateEpoch: -1 }), { where: 'sourceDateEpoch' });
    await assert.rejects(makeBootableDisk(tree, o, { ...base, sizeMiB: 70 }), { code: 'IMAGE_BAD_SIZE', where: 'sizeMiB' });
    await assert.rejects(makeBootableDisk(tree, o, { ...base, layout: { ...layout, esp: { ...layout.esp, sizeMiB: 1 } } }), { code: 'IMAGE_BAD_LAYOUT', where: 'layout.esp.sizeMiB' });
    await assert.rejects(makeBootableDisk(tree, o, { ...base, layout: bootLayout('another') }), { code: 'IMAGE_NOT_BOOTABLE' }, 'the tree is configured for another layout');
    await assert.rejects(makeBootableDisk(join(root, 'none'), o, base), { code: 'IMAGE_NOT_A_DIRECTORY' });
    // Too small for the tree: mke2fs fails after the ESP and partition table were made.
    const dir = join(root, 'fail');
    await assert.rejects(makeBootableDisk(tree, join(dir, 'small.raw'), { ...base, sizeMiB: 100 }), { code: 'IMAGE_TOOL_FAILED' });
    assert.deepEqual(readdirSync(dir), []);
  });
});
