/**
 * Bootable GPT disk images built without loop devices or mounts: the root ext4 is made by
 * `mke2fs -d` into a partition-sized file, the ESP by `mkfs.vfat -C` plus mtools, the partition
 * table by `sfdisk` on the disk file, and the two filesystems are written into the disk at their
 * offsets. Every identifier comes from the layout and every clock is pinned, so the same tree and
 * layout give the same bytes.
 */
import { mkdir, mkdtemp, open, rename, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InputError } from '../errors/index.js';
import { assertBootLayout, bootConfig, bootableTreeProblems, BOOT_FILES, type BootLayout } from './boot-config.js';
import { assertDiskFormat, autoSizeMiB, convertRawDisk, makeExt4, statTree, treeKiB, type DiskFormat } from './disk-image.js';
import { readFileInRoot } from './root-fs.js';
import { assertEpoch } from './rootfs-archive.js';
import { runTool, type OutputListener } from './run-tool.js';

const MiB = 1024 * 1024;
const SECTOR = 512;
/** Partitions before the root one plus the MiB at the end that holds the backup GPT. */
const OVERHEAD_MIB = 1 + 64 + 1;
const MIN_ROOT_MIB = 16;
/** shim and grub are a few MB; anything far larger is not what the packages ship. */
const MAX_EFI_BINARY = 32 * MiB;

export interface BootableDiskOptions {
  format: DiskFormat;
  sourceDateEpoch: number;
  layout: BootLayout;
  /** Whole disk size; by default the root filesystem's automatic size plus the ESP and GPT. */
  sizeMiB?: number;
  onOutput?: OutputListener;
}

export interface PartitionExtent {
  /** Byte offset in the disk. */
  offset: number;
  /** Bytes. */
  size: number;
}

export interface BootableDisk {
  path: string;
  format: DiskFormat;
  sizeMiB: number;
  layout: BootLayout;
  partitions: { esp: PartitionExtent; root: PartitionExtent };
}

function assertOptions(opts: BootableDiskOptions): void {
  assertDiskFormat(opts.format);
  assertEpoch(opts.sourceDateEpoch, 'sourceDateEpoch');
  assertBootLayout(opts.layout);
  const min = OVERHEAD_MIB + MIN_ROOT_MIB;
  if (opts.sizeMiB !== undefined && (!Number.isSafeInteger(opts.sizeMiB) || opts.sizeMiB < min)) {
    throw new InputError('IMAGE_BAD_SIZE', `sizeMiB must be a whole number of MiB of at least ${min}, got ${opts.sizeMiB}`, { where: 'sizeMiB' });
  }
}

/** Where the partitions go on a disk of `sizeMiB`: the ESP, then the root filesystem up to the last MiB. */
export function partitionExtents(layout: BootLayout, sizeMiB: number): { esp: PartitionExtent; root: PartitionExtent } {
  return {
    esp: { offset: layout.esp.startMiB * MiB, size: layout.esp.sizeMiB * MiB },
    root: { offset: layout.root.startMiB * MiB, size: (sizeMiB - layout.root.startMiB - 1) * MiB },
  };
}

/** The sfdisk script of the layout (pure): GPT with fixed GUIDs, types, names, starts and sizes. */
export function sfdiskScript(layout: BootLayout, sizeMiB: number): string {
  const p = partitionExtents(layout, sizeMiB);
  const line = (e: PartitionExtent, type: string, uuid: string, name: string) =>
    `start=${e.offset / SECTOR}, size=${e.size / SECTOR}, type=${type}, uuid=${uuid.toUpperCase()}, name="${name}"`;
  return [
    'label: gpt',
    `label-id: ${layout.diskGuid.toUpperCase()}`,
    'unit: sectors',
    `sector-size: ${SECTOR}`,
    '',
    line(p.esp, layout.esp.type, layout.esp.partUuid, layout.esp.label),
    line(p.root, layout.root.type, layout.root.partUuid, layout.root.label),
    '',
  ].join('\n');
}

/** Copy an EFI binary out of the image (confined, size-limited) into the staging directory with a fixed mtime. */
async function stageFromImage(rootfs: string, imagePath: string, to: string, epoch: number): Promise<void> {
  const f = await readFileInRoot(rootfs, imagePath, { maxBytes: MAX_EFI_BINARY });
  if (!f) throw new InputError('IMAGE_NOT_BOOTABLE', `${imagePath} is missing from the image`, { where: imagePath });
  await writeFile(to, f.bytes, { mode: 0o600 });
  await utimes(to, epoch, epoch);
}

/**
 * The ESP as a file: FAT32 with the layout's volume id, shim as the removable-media loader
 * EFI/BOOT/BOOTX64.EFI, Debian's signed grub next to it (shim loads grubx64.efi from its own
 * directory), and the ESP grub.cfg both there and in EFI/debian, the prefix Debian's signed grub
 * is built with. fbx64.efi is left out: shim would run it to write boot entries to NVRAM.
 * Files go in one by one in a fixed order (a recursive copy would follow the host's readdir order),
 * with mtools' clock pinned by SOURCE_DATE_EPOCH.
 */
async function makeEsp(rootfs: string, work: string, out: string, layout: BootLayout, epoch: number, onOutput?: OutputListener): Promise<void> {
  const stage = join(work, 'esp-stage');
  await mkdir(stage);
  await stageFromImage(rootfs, BOOT_FILES.shim, join(stage, 'shim'), epoch);
  await stageFromImage(rootfs, BOOT_FILES.grub, join(stage, 'grub'), epoch);
  await writeFile(join(stage, 'grub.cfg'), bootConfig(layout).espGrubCfg, { mode: 0o600 });
  await utimes(join(stage, 'grub.cfg'), epoch, epoch);
  const kib = layout.esp.sizeMiB * 1024;
  const hidden = String((layout.esp.startMiB * MiB) / SECTOR);
  // 512-byte sectors and clusters keep 64 MiB above FAT32's minimum cluster count.
  await runTool('mkfs.vfat', ['-C', '--invariant', '-F', '32', '-S', '512', '-s', '1', '-h', hidden, '-i', layout.esp.volumeId, '-n', layout.esp.label, out, String(kib)], {
    onOutput,
  });
  const env = { ...process.env, SOURCE_DATE_EPOCH: String(epoch), MTOOLS_SKIP_CHECK: '1', MTOOLSRC: '/dev/null', LC_ALL: 'C' };
  await runTool('mmd', ['-i', out, '::/EFI', '::/EFI/BOOT', '::/EFI/debian'], { env, onOutput });
  for (const [from, to] of [
    ['shim', '::/EFI/BOOT/BOOTX64.EFI'],
    ['grub', '::/EFI/BOOT/grubx64.efi'],
    ['grub.cfg', '::/EFI/BOOT/grub.cfg'],
    ['grub.cfg', '::/EFI/debian/grub.cfg'],
  ]) {
    await runTool('mcopy', ['-i', out, '-m', '-o', join(stage, from!), to!], { env, onOutput });
  }
}

const CHUNK = 4 * MiB;

/** Write `src` into `dst` at `offset`, skipping all-zero chunks so the disk file stays sparse. */
async function writeAt(src: string, dst: string, offset: number): Promise<void> {
  const [from, to] = [await open(src, 'r'), await open(dst, 'r+')];
  try {
    const buf = Buffer.alloc(CHUNK);
    const zero = Buffer.alloc(CHUNK);
    for (let pos = 0; ; pos += CHUNK) {
      const { bytesRead } = await from.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      if (!buf.subarray(0, bytesRead).equals(zero.subarray(0, bytesRead))) await to.write(buf, 0, bytesRead, offset + pos);
    }
  } finally {
    await from.close();
    await to.close();
  }
}

/** A sparse disk file with the layout's partition table (sfdisk reads its script on stdin). */
async function makePartitionedFile(file: string, layout: BootLayout, sizeMiB: number, work: string, onOutput?: OutputListener): Promise<void> {
  await writeFile(file, '');
  await truncate(file, sizeMiB * MiB);
  const script = join(work, 'layout.sfdisk');
  await writeFile(script, sfdiskScript(layout, sizeMiB));
  const fh = await open(script, 'r');
  try {
    await runTool('sfdisk', ['-q', '--no-reread', '--no-tell-kernel', '--wipe', 'never', file], { env: { ...process.env, LC_ALL: 'C' }, stdinFd: fh.fd, onOutput });
  } finally {
    await fh.close();
  }
}

/**
 * Build a GPT disk that boots the tree under UEFI (with Secure Boot: shim and grub are the signed
 * ones from the tree): partition 1 the ESP, partition 2 the root ext4. The tree must already hold
 * the layout's boot configuration (installBootConfig); what it lacks is refused as IMAGE_NOT_BOOTABLE
 * before anything is built. raw, qcow2 or fixed VHD (a whole number of MiB, as Azure requires).
 */
export async function makeBootableDisk(rootfsDir: string, outFile: string, opts: BootableDiskOptions): Promise<BootableDisk> {
  assertOptions(opts);
  await statTree(rootfsDir);
  const { layout, sourceDateEpoch: epoch, onOutput } = opts;
  const problems = await bootableTreeProblems(rootfsDir, layout);
  if (problems.length > 0) {
    throw new InputError('IMAGE_NOT_BOOTABLE', `the tree cannot boot: ${problems.join('; ')}`, { where: rootfsDir, data: { problems } });
  }
  const sizeMiB = opts.sizeMiB ?? autoSizeMiB(await treeKiB(rootfsDir)) + OVERHEAD_MIB;
  const partitions = partitionExtents(layout, sizeMiB);
  await mkdir(dirname(outFile), { recursive: true });
  await rm(outFile, { force: true });
  const work = await mkdtemp(join(dirname(outFile), '.bootdisk-'));
  try {
    const disk = join(work, 'disk.raw');
    await makePartitionedFile(disk, layout, sizeMiB, work, onOutput);
    const esp = join(work, 'esp.vfat');
    await makeEsp(rootfsDir, work, esp, layout, epoch, onOutput);
    await writeAt(esp, disk, partitions.esp.offset);
    await rm(esp);
    const root = join(work, 'root.ext4');
    await makeExt4(rootfsDir, root, { sizeMiB: partitions.root.size / MiB, sourceDateEpoch: epoch, label: layout.root.label, uuid: layout.root.fsUuid, onOutput });
    await writeAt(root, disk, partitions.root.offset);
    await rm(root);
    if (opts.format === 'raw') await rename(disk, outFile);
    else await convertRawDisk(disk, outFile, opts.format, epoch, layout.diskGuid, onOutput);
  } catch (e) {
    await rm(outFile, { force: true });
    throw e;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { path: outFile, format: opts.format, sizeMiB, layout, partitions };
}
