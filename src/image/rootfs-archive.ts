import { open, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256File } from '../artifacts/index.js';
import { InputError, isGoldsmithError } from '../errors/index.js';
import { archiveLimits, listArchive, type ArchiveLimits, type ArchiveListing } from './archive-listing.js';
import { MAX_OS_RELEASE_BYTES, osReleaseFromFields, parseOsRelease, type OsRelease } from './os-release.js';
import { captureTool, runPipe, runTool, type OutputListener } from './run-tool.js';

/** zstd level for rootfs archives: fixed so a rebuild gives the same bytes; 3 is zstd's fast default. */
export const ZSTD_LEVEL = 3;

export interface PackOptions {
  /** Every entry's mtime is set to this (seconds since the epoch), so a rebuild is byte-identical. */
  sourceDateEpoch: number;
  onOutput?: OutputListener;
}

export function assertEpoch(epoch: unknown, where: string): asserts epoch is number {
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) {
    throw new InputError('IMAGE_BAD_EPOCH', `sourceDateEpoch must be a non-negative integer of seconds, got ${String(epoch)}`, { where });
  }
}

/**
 * GNU tar arguments that make an archive a pure function of the tree's names, contents, modes,
 * owners, links and xattrs: sorted entries, one mtime, numeric owners, and pax headers without the
 * process id in their names and without atime/ctime.
 */
export function reproducibleTarArgs(dir: string, epoch: number): string[] {
  return [
    '--create',
    '--file=-',
    `--directory=${dir}`,
    '--sort=name',
    `--mtime=@${epoch}`,
    '--numeric-owner',
    '--format=posix',
    `--pax-option=exthdr.name=%d/PaxHeaders/%f,exthdr.mtime=${epoch},delete=atime,delete=ctime`,
    '--xattrs',
    "--xattrs-include=*",
    '--one-file-system',
    '.',
  ];
}

/** Write `out` atomically: produce into a temp file next to it, fsync, rename. */
async function atomicOutput(out: string, produce: (fd: number) => Promise<void>): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  const tmp = join(dirname(out), `.${basename(out)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await produce(fh.fd);
    await fh.sync();
    await fh.close();
    await rename(tmp, out);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Pack a root filesystem directory into a reproducible `.tar.zst`. Returns the archive's digest and size. */
export async function packRootfs(dir: string, outFile: string, opts: PackOptions): Promise<{ digest: string; size: number }> {
  assertEpoch(opts.sourceDateEpoch, 'sourceDateEpoch');
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new InputError('IMAGE_NOT_A_DIRECTORY', `rootfs directory ${dir} does not exist`, { where: dir });
  await atomicOutput(outFile, (fd) =>
    runPipe(
      { cmd: 'tar', args: reproducibleTarArgs(dir, opts.sourceDateEpoch) },
      // Multi-threaded zstd output does not depend on the number of worker threads, only on the level.
      { cmd: 'zstd', args: ['-q', `-${ZSTD_LEVEL}`, '-T0', '-c', '-'] },
      fd,
      { onOutput: opts.onOutput, env: { ...process.env, LC_ALL: 'C' } },
    ),
  );
  const size = (await stat(outFile)).size;
  return { digest: await sha256File(outFile), size };
}

export interface UnpackOptions {
  onOutput?: OutputListener;
  /** Expansion limits; default archiveLimits() (environment overrides, else the defaults). */
  limits?: ArchiveLimits;
  /** How errors name the archive (import unpacks a private copy of the user's file); default the path. */
  label?: string;
  /** Looks at the listing before anything is written; throw to refuse the archive (import's special-file policy). */
  check?: (listing: ArchiveListing) => Promise<void> | void;
}

/**
 * Unpack a rootfs archive (.tar, .tar.gz, .tar.xz, .tar.zst: tar detects the compression) into dir,
 * keeping numeric owners, modes, xattrs (security.capability for ping) and device nodes.
 * The archive is listed first and refused (IMAGE_ARCHIVE_TOO_LARGE) when it would expand past the
 * limits, so a bomb never reaches the disk; a directory this call created is removed on any failure.
 * Returns the listing.
 */
export async function unpackRootfs(file: string, dir: string, opts: UnpackOptions = {}): Promise<ArchiveListing> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new InputError('IMAGE_ARCHIVE_NOT_FOUND', `rootfs archive ${file} does not exist`, { where: file });
  const listing = await listArchive(file, opts.limits ?? archiveLimits(), opts.label);
  await opts.check?.(listing);
  const created = (await stat(dir).catch(() => undefined)) === undefined;
  await mkdir(dir, { recursive: true });
  try {
    await runTool(
      'tar',
      [
        '--extract',
        `--file=${file}`,
        `--directory=${dir}`,
        '--numeric-owner',
        '--same-owner',
        '--same-permissions',
        '--xattrs',
        '--xattrs-include=*',
        '--delay-directory-restore',
      ],
      { onOutput: opts.onOutput, env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (e) {
    if (created) await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return listing;
}

/**
 * Read os-release from a rootfs archive without unpacking it: usr/lib/os-release is preferred
 * because etc/os-release is usually a symlink to it, which tar cannot print. Only a regular file
 * entry is printed (a link in the archive is never followed on the host), at most
 * MAX_OS_RELEASE_BYTES of it; the archive's expansion limits are checked on the way.
 */
export async function readArchiveOsRelease(file: string, opts: { limits?: ArchiveLimits } = {}): Promise<OsRelease | undefined> {
  const { entries } = await listArchive(file, opts.limits ?? archiveLimits());
  for (const want of ['usr/lib/os-release', 'etc/os-release']) {
    const hits = entries.filter((e) => e.path === want);
    const e = hits[hits.length - 1]; // tar extracts the last of duplicate names
    if (!e || e.type !== '-') continue;
    if (e.size > MAX_OS_RELEASE_BYTES) {
      throw new InputError('IMAGE_FILE_TOO_LARGE', `/${want} in ${file} is ${e.size} bytes; at most ${MAX_OS_RELEASE_BYTES} are read`, { where: `/${want}` });
    }
    let text: string;
    try {
      // The stored name, exactly; of duplicates, the last (the one extraction would leave).
      const nth = hits.filter((h) => h.raw === e.raw).length;
      text = await captureTool('tar', ['--extract', '--to-stdout', `--file=${file}`, `--occurrence=${nth}`, '--no-wildcards', '--', e.raw], {
        maxBytes: MAX_OS_RELEASE_BYTES,
      });
    } catch (err) {
      if (isGoldsmithError(err) && err.code === 'IMAGE_TOOL_OUTPUT_TOO_LARGE') {
        throw new InputError('IMAGE_FILE_TOO_LARGE', `/${want} in ${file} is larger than ${MAX_OS_RELEASE_BYTES} bytes`, { where: `/${want}` });
      }
      throw err;
    }
    if (!text.trim()) return undefined;
    return osReleaseFromFields(parseOsRelease(text));
  }
  return undefined;
}
