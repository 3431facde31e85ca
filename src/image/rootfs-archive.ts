import { lchown, lstat, lutimes, open, mkdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname, basename, join, posix } from 'node:path';
import { mkdirInRoot } from './root-fs.js';
import { randomBytes } from 'node:crypto';
import { sha256File } from '../artifacts/index.js';
import { spawn } from 'node:child_process';
import { FailedError, InputError, isGoldsmithError } from '../errors/index.js';
import { adoptEmptyDir, runHostTool, sandboxIdRanges, sandboxRootIds } from '../sandbox/index.js';
import { archiveLimits, compressionArgs, listArchive, printArchiveMembers, type ArchiveEntry, type ArchiveLimits, type ArchiveListing } from './archive-listing.js';
import { MAX_OS_RELEASE_BYTES, osReleaseFromFields, parseOsRelease, type OsRelease } from './os-release.js';
import { runTool, type OutputListener } from './run-tool.js';

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
    // Multi-threaded zstd output does not depend on the number of worker threads, only on the level.
    `--use-compress-program=zstd -q -${ZSTD_LEVEL} -T0`,
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
  const fh = await open(tmp, 'w', 0o600);
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
  const args = reproducibleTarArgs(IMAGE_IN_TOOL, opts.sourceDateEpoch);
  await atomicOutput(outFile, (fd) =>
    isSandboxTree(st)
      ? // An image tree (unpacked by Goldsmith): tar runs in the sandbox's user namespace, where the
        // tree's owners are the image's own (0 is root) and nothing else of the host is in reach.
        runHostTool(['tar', ...args], { mounts: [{ host: dir, inside: IMAGE_IN_TOOL, readOnly: true }], stdoutFd: fd, onOutput: opts.onOutput })
      : // A tree the host made itself (mmdebstrap's root mode, test fixtures): its owners are already the image's.
        runHostTar(reproducibleTarArgs(dir, opts.sourceDateEpoch), fd, opts.onOutput),
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
  const devices = deviceNodes(listing, opts.label ?? file);
  const created = (await stat(dir).catch(() => undefined)) === undefined;
  await mkdir(dir, { recursive: true });
  try {
    await adoptEmptyDir(dir);
    const fh = await open(file, 'r');
    try {
      const head = Buffer.alloc(6);
      await fh.read(head, 0, 6, 0);
      // tar runs in the sandbox: the archive comes in on stdin, the only writable path is the target,
      // and owners are created inside the sandbox's id range.
      await runHostTool(
        [
          'tar',
          '--extract',
          '--file=-',
          ...compressionArgs(head),
          `--directory=${IMAGE_IN_TOOL}`,
          '--numeric-owner',
          '--same-owner',
          '--same-permissions',
          '--xattrs',
          '--xattrs-include=*',
          '--delay-directory-restore',
          '--no-wildcards',
          ...devices.map((d) => `--exclude=${d.raw}`),
        ],
        { mounts: [{ host: dir, inside: IMAGE_IN_TOOL, readOnly: false }], stdinFd: fh.fd, onOutput: opts.onOutput },
      );
    } finally {
      await fh.close();
    }
    await createDeviceNodes(dir, devices);
  } catch (e) {
    if (created) await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return listing;
}

/**
 * Whether a directory is an image tree in the sandbox's ownership: its `/` belongs to any id of the
 * sandbox's range, not only its root, because a step may `chown 1000 /` inside; were that read as a
 * host-made tree, tar and mke2fs would run as the host's root on image content and write the host
 * ids (1879048192...) into the artifacts.
 */
export function isSandboxTree(st: { uid: number }): boolean {
  const { uid } = sandboxIdRanges();
  return st.uid >= uid.start && st.uid < uid.start + uid.count;
}

function runHostTar(args: string[], stdoutFd: number, onOutput?: OutputListener): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const p = spawn('tar', args, { stdio: ['ignore', stdoutFd, 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    p.stderr!.on('data', (d: Buffer) => {
      for (const l of d.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(l);
        onOutput?.(l);
      }
    });
    p.once('error', reject);
    p.once('close', (code) => (code === 0 ? resolve() : reject(new FailedError('IMAGE_TOOL_FAILED', `tar exited with ${code}: ${lines.slice(-5).join(' | ')}`))));
  });
}

/** Where tools see the image tree they work on. */
const IMAGE_IN_TOOL = '/image';


/**
 * Device nodes of an archive. A user namespace may not create them, so tar skips them and the host
 * makes them afterwards, each resolved inside the tree (import has already refused the ones an
 * operator did not allow). Ids must be in the sandbox's range.
 */
function deviceNodes(listing: ArchiveListing, label: string): ArchiveEntry[] {
  const out: ArchiveEntry[] = [];
  for (const e of listing.entries) {
    if (e.type !== 'c' && e.type !== 'b') continue;
    const name = posix.basename(e.path);
    if (!e.device || e.uid >= 65536 || e.gid >= 65536 || e.path === '' || name === '..' || name === '.') {
      throw new InputError('IMAGE_DEVICE_NODE', `${label} has a device node that cannot be made: /${e.path}`, { where: `/${e.path}` });
    }
    out.push(e);
  }
  return out;
}

async function createDeviceNodes(dir: string, devices: ArchiveEntry[]): Promise<void> {
  const { uid, gid } = sandboxRootIds();
  for (const d of devices) {
    const parent = await mkdirInRoot(dir, posix.dirname('/' + d.path));
    const p = join(parent.hostPath, posix.basename(d.path));
    const old = await lstat(p).catch(() => undefined);
    if (old?.isDirectory()) throw new InputError('IMAGE_DEVICE_NODE', `/${d.path} is both a directory and a device node in the archive`, { where: `/${d.path}` });
    if (old) await rm(p, { force: true });
    await runTool('mknod', ['-m', (d.mode & 0o777).toString(8), p, d.type, String(d.device!.major), String(d.device!.minor)]);
    await lchown(p, uid + d.uid, gid + d.gid);
    await lutimes(p, d.mtime, d.mtime);
    // As tar restored the directory: the node made since must not show in its times.
    await utimes(parent.hostPath, parent.stat!.atime, parent.stat!.mtime);
  }
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
      text = await printArchiveMembers(file, [e.raw], { maxBytes: MAX_OS_RELEASE_BYTES, occurrence: nth });
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
