import { lchown, lstat, lutimes, open, mkdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256File } from '../artifacts/index.js';
import { FailedError, InputError } from '../errors/index.js';
import { spawn } from 'node:child_process';
import { osReleaseFromFields, parseOsRelease, type OsRelease } from './os-release.js';
import { adoptEmptyDir, runHostTool, sandboxRootIds } from '../sandbox/index.js';
import { captureTool, runTool, type OutputListener } from './run-tool.js';

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

/**
 * Unpack a rootfs archive (.tar, .tar.gz, .tar.xz, .tar.zst: tar detects the compression) into dir,
 * keeping numeric owners, modes, xattrs (security.capability for ping) and device nodes.
 */
export async function unpackRootfs(file: string, dir: string, opts: { onOutput?: OutputListener } = {}): Promise<void> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new InputError('IMAGE_ARCHIVE_NOT_FOUND', `rootfs archive ${file} does not exist`, { where: file });
  const devices = await archiveDeviceNodes(file);
  await mkdir(dir, { recursive: true });
  await adoptEmptyDir(dir);
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(6);
    await fh.read(head, 0, 6, 0);
    // tar runs in the sandbox: the archive comes in on stdin, the only writable path is the target.
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
        ...devices.map((d) => `--exclude=${d.name}`),
      ],
      { mounts: [{ host: dir, inside: IMAGE_IN_TOOL, readOnly: false }], stdinFd: fh.fd, onOutput: opts.onOutput },
    );
  } finally {
    await fh.close();
  }
  await createDeviceNodes(dir, devices);
}

/** Whether a directory is an image tree in the sandbox's ownership (its `/` belongs to the sandbox's root). */
export function isSandboxTree(st: { uid: number }): boolean {
  return st.uid === sandboxRootIds().uid;
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

/** tar cannot detect compression on a pipe: pick the decompressor from the magic bytes. */
function compressionArgs(head: Buffer): string[] {
  if (head[0] === 0x1f && head[1] === 0x8b) return ['--gzip'];
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return ['--xz'];
  if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return ['--zstd'];
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return ['--bzip2'];
  return [];
}

interface DeviceNode {
  /** The member name as tar prints it. */
  name: string;
  /** Its name inside /dev (no slash). */
  base: string;
  type: 'c' | 'b';
  mode: number;
  uid: number;
  gid: number;
  major: number;
  minor: number;
  /** Seconds since the epoch. */
  mtime: number;
}

const DEVICE_LINE = /^([cb])([-rwxsStT]{9})\s+(\d+)\/(\d+)\s+(\d+),\s*(\d+)\s+(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\s+(.*)$/;
const DEV_NAME = /^(?:\.\/)?dev\/([A-Za-z0-9._-]+)$/;

/**
 * Device nodes of an archive. A user namespace may not create them, so tar skips them and the host
 * makes them afterwards; only plain entries directly in /dev are accepted (anywhere else a device
 * node is refused).
 */
async function archiveDeviceNodes(file: string): Promise<DeviceNode[]> {
  const listing = await captureTool('tar', ['--list', '--verbose', '--full-time', '--numeric-owner', `--file=${file}`], { env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } });
  const out: DeviceNode[] = [];
  for (const line of listing.split('\n')) {
    if (line[0] !== 'c' && line[0] !== 'b') continue;
    const m = DEVICE_LINE.exec(line);
    const n = m && DEV_NAME.exec(m[9]!);
    if (!m || !n || n[1] === '.' || n[1] === '..' || Number(m[3]) >= 65536 || Number(m[4]) >= 65536) {
      throw new InputError('IMAGE_DEVICE_NODE', `the archive has a device node outside /dev: ${line.slice(0, 200)}`, { where: file });
    }
    out.push({ name: m[9]!, base: n[1]!, type: m[1] as 'c' | 'b', mode: permBits(m[2]!), uid: Number(m[3]), gid: Number(m[4]), major: Number(m[5]), minor: Number(m[6]), mtime: Date.parse(`${m[7]}T${m[8]}Z`) / 1000 || 0 });
  }
  return out;
}

function permBits(s: string): number {
  let mode = 0;
  const bit = (i: number, v: number) => (s[i] !== '-' && s[i] !== 'S' && s[i] !== 'T' ? v : 0);
  mode |= bit(0, 0o400) | bit(1, 0o200) | bit(2, 0o100) | bit(3, 0o40) | bit(4, 0o20) | bit(5, 0o10) | bit(6, 0o4) | bit(7, 0o2) | bit(8, 0o1);
  return mode & 0o777;
}

async function createDeviceNodes(dir: string, devices: DeviceNode[]): Promise<void> {
  if (devices.length === 0) return;
  const devDir = join(dir, 'dev');
  const st = await lstat(devDir).catch(() => undefined);
  if (!st?.isDirectory()) throw new InputError('IMAGE_DEVICE_NODE', 'the archive has device nodes but /dev is not a directory', { where: devDir });
  const { uid, gid } = sandboxRootIds();
  for (const d of devices) {
    const p = join(devDir, d.base);
    await rm(p, { force: true });
    await runTool('mknod', ['-m', d.mode.toString(8), p, d.type, String(d.major), String(d.minor)]);
    await lchown(p, uid + d.uid, gid + d.gid);
    await lutimes(p, d.mtime, d.mtime);
  }
  await utimes(devDir, st.atime, st.mtime); // as tar restored it: the nodes made since must not show
}

/**
 * Read os-release from a rootfs archive without unpacking it: usr/lib/os-release is preferred
 * because etc/os-release is usually a symlink to it, which tar cannot print.
 */
export async function readArchiveOsRelease(file: string): Promise<OsRelease | undefined> {
  const names = (await captureTool('tar', ['--list', `--file=${file}`])).split('\n');
  const pick = ['usr/lib/os-release', 'etc/os-release']
    .flatMap((p) => [p, `./${p}`, `/${p}`])
    .find((p) => names.includes(p));
  if (!pick) return undefined;
  const text = await captureTool('tar', ['--extract', '--to-stdout', `--file=${file}`, pick]);
  if (!text.trim()) return undefined;
  return osReleaseFromFields(parseOsRelease(text));
}
