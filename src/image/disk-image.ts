import { createHash } from 'node:crypto';
import { chown, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { adoptEmptyDir, runHostTool } from '../sandbox/index.js';
import { InputError } from '../errors/index.js';
import { assertEpoch, isSandboxTree } from './rootfs-archive.js';
import { pinInodeTimes } from './inode-times.js';
import { pinVhdFooter } from './vhd-footer.js';
import { captureTool, runTool, type OutputListener } from './run-tool.js';

export type DiskFormat = 'raw' | 'qcow2' | 'vhd';
export const DISK_FORMATS: readonly DiskFormat[] = ['raw', 'qcow2', 'vhd'];

export interface DiskImageOptions {
  format: DiskFormat;
  /** Filesystem size; by default the tree's size plus headroom for metadata and first-boot growth. */
  sizeMiB?: number;
  sourceDateEpoch: number;
  /** ext4 volume label (at most 16 bytes). */
  label?: string;
  onOutput?: OutputListener;
}

export interface DiskImage {
  path: string;
  format: DiskFormat;
  sizeMiB: number;
  /** The ext4 filesystem UUID, derived from the inputs so a rebuild gets the same one. */
  uuid: string;
}

/** A UUID (version 4 layout) derived from a seed, so mke2fs gets the same -U and hash_seed every rebuild. */
export function derivedUuid(seed: string): string {
  const b = createHash('sha256').update(seed).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Apparent size of a tree in KiB (du -s -k --apparent-size would hide small-file block overhead, so use allocated blocks). */
export async function treeKiB(dir: string): Promise<number> {
  const out = await captureTool('du', ['-s', '-k', '-x', dir]);
  return Number.parseInt(out.split(/\s/)[0] ?? '0', 10);
}

/** Content plus 30 % and 64 MiB for ext4 metadata, the journal and room to boot; rounded up to 16 MiB. */
export function autoSizeMiB(contentKiB: number): number {
  const mib = Math.ceil((contentKiB * 1.3) / 1024) + 64;
  return Math.ceil(mib / 16) * 16;
}

export function assertDiskFormat(format: unknown): asserts format is DiskFormat {
  if (!DISK_FORMATS.includes(format as DiskFormat)) {
    throw new InputError('IMAGE_BAD_FORMAT', `disk format must be one of ${DISK_FORMATS.join(', ')}, got ${String(format)}`, { where: 'format' });
  }
}

/** The directory a tree is, or IMAGE_NOT_A_DIRECTORY. */
export async function statTree(rootfsDir: string): Promise<Stats> {
  const st = await stat(rootfsDir).catch(() => undefined);
  if (!st?.isDirectory()) throw new InputError('IMAGE_NOT_A_DIRECTORY', `rootfs directory ${rootfsDir} does not exist`, { where: rootfsDir });
  return st;
}

export interface Ext4Options {
  sizeMiB: number;
  sourceDateEpoch: number;
  label: string;
  /** Filesystem UUID, also the directory hash seed. */
  uuid: string;
  onOutput?: OutputListener;
}

/**
 * `mke2fs -d` the tree into a new ext4 image file of exactly `sizeMiB`. UUID, hash seed, mke2fs's
 * clock and every inode's times are fixed from the options, so the same tree content gives the same
 * bytes. A sandbox-owned tree is read inside the sandbox's user namespace, so the filesystem gets
 * the image's own owners; mke2fs writes into a directory of its own, renamed into place afterwards.
 */
export async function makeExt4(rootfsDir: string, outFile: string, opts: Ext4Options): Promise<void> {
  const st = await statTree(rootfsDir);
  const work = await mkdtemp(join(dirname(outFile), '.mke2fs-'));
  try {
    const { sizeMiB, label, uuid } = opts;
    const mkfsArgs = (tree: string, out: string) => ['-q', '-F', '-t', 'ext4', '-d', tree, '-L', label, '-U', uuid, '-E', `hash_seed=${uuid}`, '-m', '0', out, `${sizeMiB}M`];
    if (!isSandboxTree(st)) {
      // A tree the host made itself: its owners are already the image's.
      await runTool('mke2fs', mkfsArgs(rootfsDir, join(work, 'disk.raw')), { env: { ...process.env, E2FSPROGS_FAKE_TIME: String(opts.sourceDateEpoch), LC_ALL: 'C' }, onOutput: opts.onOutput });
    } else {
      await adoptEmptyDir(work);
      await runHostTool(['mke2fs', ...mkfsArgs('/image', '/out/disk.raw')], {
        mounts: [
          { host: rootfsDir, inside: '/image', readOnly: true },
          { host: work, inside: '/out', readOnly: false },
        ],
        env: { E2FSPROGS_FAKE_TIME: String(opts.sourceDateEpoch) },
        onOutput: opts.onOutput,
      });
    }
    await rename(join(work, 'disk.raw'), outFile);
    await chown(outFile, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
    await pinInodeTimes(outFile, opts.sourceDateEpoch, opts.onOutput);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Convert a raw disk to qcow2 or a fixed VHD at `outFile` (raw: nothing to do). The VHD footer's
 * time and unique id (which qemu-img takes from the clock and randomness) become `epoch` and `uuid`.
 */
export async function convertRawDisk(raw: string, outFile: string, format: Exclude<DiskFormat, 'raw'>, epoch: number, uuid: string, onOutput?: OutputListener): Promise<void> {
  if (format === 'qcow2') {
    await runTool('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, outFile], { onOutput });
    return;
  }
  // Azure requires fixed VHDs; force_size keeps the virtual size exactly the raw size instead of CHS-rounding it.
  await runTool('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=fixed,force_size=on', raw, outFile], { onOutput });
  await pinVhdFooter(outFile, epoch, uuid);
}

/**
 * Build a disk image holding the rootfs as one ext4 filesystem (no partition table): raw via
 * `mke2fs -d`, then qcow2 or fixed VHD via `qemu-img convert`. UUID, hash seed, mke2fs's clock and
 * every inode's times are fixed from the inputs, so the same tree content gives the same image.
 */
export async function makeDiskImage(rootfsDir: string, outFile: string, opts: DiskImageOptions): Promise<DiskImage> {
  assertDiskFormat(opts.format);
  assertEpoch(opts.sourceDateEpoch, 'sourceDateEpoch');
  const label = opts.label ?? 'rootfs';
  if (Buffer.byteLength(label) > 16) throw new InputError('IMAGE_BAD_LABEL', `ext4 label "${label}" is longer than 16 bytes`, { where: 'label' });
  if (opts.sizeMiB !== undefined && (!Number.isSafeInteger(opts.sizeMiB) || opts.sizeMiB < 8)) {
    throw new InputError('IMAGE_BAD_SIZE', `sizeMiB must be an integer of at least 8, got ${opts.sizeMiB}`, { where: 'sizeMiB' });
  }
  await statTree(rootfsDir);
  const sizeMiB = opts.sizeMiB ?? autoSizeMiB(await treeKiB(rootfsDir));
  const uuid = derivedUuid(`goldsmith-ext4:${label}:${opts.sourceDateEpoch}:${sizeMiB}`);
  await mkdir(dirname(outFile), { recursive: true });
  const raw = opts.format === 'raw' ? outFile : `${outFile}.raw.tmp`;
  await rm(raw, { force: true });
  try {
    await makeExt4(rootfsDir, raw, { sizeMiB, sourceDateEpoch: opts.sourceDateEpoch, label, uuid, onOutput: opts.onOutput });
    if (opts.format !== 'raw') await convertRawDisk(raw, outFile, opts.format, opts.sourceDateEpoch, uuid, opts.onOutput);
  } catch (e) {
    await rm(outFile, { force: true });
    throw e;
  } finally {
    if (raw !== outFile) await rm(raw, { force: true });
  }
  return { path: outFile, format: opts.format, sizeMiB, uuid };
}

/**
 * What qemu-img sees in an image file: its format and virtual size in bytes. A fixed VHD keeps its
 * footer at the end, which qemu-img's probe does not look at, so pass format 'vpc' to read one.
 */
export async function inspectDiskImage(file: string, format?: 'raw' | 'qcow2' | 'vpc'): Promise<{ format: string; virtualSize: number }> {
  const args = ['info', '--output=json', ...(format ? ['-f', format] : []), file];
  const info = JSON.parse(await captureTool('qemu-img', args)) as { format: string; 'virtual-size': number };
  return { format: info.format, virtualSize: info['virtual-size'] };
}
