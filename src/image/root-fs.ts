/**
 * Confined access to an image's root filesystem: the one way Goldsmith's own code reads and writes
 * inside an image root (os-release, tattoo, dpkg status, SBOM catalogers, checks, policy-rc.d, the
 * customize stage). Image content is hostile: a symlink may point at the host, a file may be a FIFO
 * that blocks a reader forever, a device that never ends, or a sparse file of many gigabytes.
 *
 * Node has no openat2(RESOLVE_IN_ROOT), so it is emulated: every component is lstat'ed and symlinks
 * are resolved by hand as the kernel would inside a chroot (an absolute target restarts at the image
 * root, '..' at the root stays there). Files are opened with O_NOFOLLOW|O_NONBLOCK and the open fd
 * is fstat'ed and compared with the lstat of the resolution (same inode, a regular file), so a
 * FIFO, device or socket is refused without blocking and the final component cannot be swapped.
 * Modes are set through the fd, never through a path.
 *
 * The race left: an intermediate directory swapped for a symlink between its lstat and the open.
 * Nothing runs concurrently in a build's rootfs: it belongs to one run, and the sandboxed steps that
 * execute image code have exited before Goldsmith's code touches the tree again, so nothing is there
 * to swap it. A host-level attacker who can write the run directory is outside this threat model.
 */
import { constants, fstatSync, openSync, closeSync, readSync, type Stats } from 'node:fs';
import { chmod, lchown, lstat, mkdir, open, readlink, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, posix } from 'node:path';
import { InputError } from '../errors/index.js';

export interface RootPath {
  /** Absolute path inside the image after resolving symlinks, e.g. /usr/lib/os-release. */
  imagePath: string;
  /** The same path on the host: root + imagePath. */
  hostPath: string;
  /** lstat of the final component, or undefined when nothing is there. */
  stat?: Stats;
  /** Why the lookup stopped early: a loop, or a non-directory in the middle of the path. */
  problem?: 'loop' | 'not-a-directory';
}

const MAX_LINKS = 40; // Linux's limit for one lookup (MAXSYMLINKS)

/** What a read returns at most unless the caller says otherwise: config files, databases and copyright texts are far smaller. */
export const DEFAULT_MAX_READ_BYTES = 64 * 1024 * 1024;

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NOCTTY;

function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Resolve `imagePath` inside `root`. With `followFinal` false, a symlink in the last component is
 * reported as the link itself (like lstat); intermediate links are always followed.
 */
export async function resolveInRoot(root: string, imagePath: string, followFinal = true): Promise<RootPath> {
  const done: string[] = [];
  let todo = components(imagePath);
  let links = 0;
  const result = (extra: Partial<RootPath> = {}, rest: string[] = []): RootPath => {
    // Unresolved trailing components are kept for messages only; '..' among them is dropped so the
    // host path can never climb out of root.
    const image = '/' + [...done, ...rest.filter((c) => c !== '..')].join('/');
    return { imagePath: image, hostPath: join(root, image), ...extra };
  };
  while (todo.length > 0) {
    const [head, ...rest] = todo;
    todo = rest;
    if (head === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, head!);
    let st: Stats;
    try {
      st = await lstat(host);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        done.push(head!);
        return result({}, rest);
      }
      if (code === 'ENOTDIR') {
        done.push(head!);
        return result({ problem: 'not-a-directory' }, rest);
      }
      throw e;
    }
    const last = todo.length === 0;
    if (st.isSymbolicLink() && (!last || followFinal)) {
      if (++links > MAX_LINKS) return result({ problem: 'loop' }, [head!, ...rest]);
      const target = await readlink(host);
      if (target.startsWith('/')) done.length = 0;
      todo = [...components(target), ...todo];
      continue;
    }
    done.push(head!);
    if (last) return result({ stat: st });
    if (!st.isDirectory()) return result({ problem: 'not-a-directory' }, todo);
  }
  // The path named the root itself (or resolved to it).
  return result({ stat: await lstat(root) });
}

/** A short description of what is at a path, for messages. */
export function describeStat(st: Stats | undefined): string {
  if (!st) return 'nothing';
  if (st.isFile()) return `a regular file (${st.size} bytes)`;
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symlink';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device node';
  return 'a special file';
}

function notRegular(imagePath: string, st: Stats | undefined): InputError {
  return new InputError('IMAGE_UNSAFE_FILE', `${imagePath} in the image is ${describeStat(st)}, not a regular file; Goldsmith reads and writes only regular files there`, {
    where: imagePath,
  });
}

function tooLarge(imagePath: string, size: number, max: number): InputError {
  return new InputError('IMAGE_FILE_TOO_LARGE', `${imagePath} in the image is ${size} bytes; at most ${max} are read`, { where: imagePath, data: { size, max } });
}

function swapped(imagePath: string): InputError {
  return new InputError('IMAGE_UNSAFE_FILE', `${imagePath} in the image changed while it was being opened`, { where: imagePath });
}

const sameFile = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;

/**
 * Read a regular file already found by lstat (`expected`) at `hostPath`, synchronously, at most
 * `maxBytes`. The open cannot block (O_NONBLOCK) nor follow a link (O_NOFOLLOW), and the fd must
 * still be the same regular file. `imagePath` names it in errors. For callers with their own
 * (cached) resolution, such as the SBOM's RootfsReader.
 */
export function readVerifiedFileSync(hostPath: string, expected: Stats, imagePath: string, maxBytes = DEFAULT_MAX_READ_BYTES): Buffer {
  if (!expected.isFile()) throw notRegular(imagePath, expected);
  if (expected.size > maxBytes) throw tooLarge(imagePath, expected.size, maxBytes);
  let fd: number;
  try {
    fd = openSync(hostPath, READ_FLAGS);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw swapped(imagePath);
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || !sameFile(st, expected)) throw swapped(imagePath);
    if (st.size > maxBytes) throw tooLarge(imagePath, st.size, maxBytes);
    // Read to EOF but never past the cap, even if the file grows after the fstat.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > maxBytes) throw tooLarge(imagePath, total, maxBytes);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

async function openVerified(hostPath: string, expected: Stats, imagePath: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(hostPath, READ_FLAGS);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw swapped(imagePath);
    throw e;
  }
  const st = await fh.stat();
  if (!st.isFile() || !sameFile(st, expected)) {
    await fh.close();
    throw swapped(imagePath);
  }
  return fh;
}

export interface RootFile {
  bytes: Buffer;
  text: string;
  resolved: RootPath;
}

/**
 * Read a file inside the image, symlinks confined to the root. Undefined when nothing is there (or a
 * dangling link, a loop, a non-directory in the path). A directory, FIFO, device or socket is refused
 * with IMAGE_UNSAFE_FILE without being opened; more than `maxBytes` with IMAGE_FILE_TOO_LARGE.
 */
export async function readFileInRoot(root: string, imagePath: string, opts: { maxBytes?: number } = {}): Promise<RootFile | undefined> {
  const max = opts.maxBytes ?? DEFAULT_MAX_READ_BYTES;
  const resolved = await resolveInRoot(root, imagePath);
  if (!resolved.stat) return undefined;
  const where = resolved.imagePath === posix.normalize('/' + imagePath) ? imagePath : `${imagePath} (resolves to ${resolved.imagePath})`;
  if (!resolved.stat.isFile()) throw notRegular(where, resolved.stat);
  if (resolved.stat.size > max) throw tooLarge(where, resolved.stat.size, max);
  const fh = await openVerified(resolved.hostPath, resolved.stat, where);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, max + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > max) throw tooLarge(where, total, max);
    }
    const bytes = Buffer.concat(chunks, total);
    return { bytes, text: bytes.toString('utf8'), resolved };
  } finally {
    await fh.close();
  }
}

function unsafeDir(imagePath: string, why: string): InputError {
  return new InputError('IMAGE_UNSAFE_PATH', `cannot create ${imagePath} in the image: ${why}`, { where: imagePath });
}

/**
 * Create a directory (and its missing parents) inside the image, confined like every lookup: a
 * symlinked component is followed inside the root, never out of it. Returns the resolution.
 */
export async function mkdirInRoot(root: string, imageDir: string, mode = 0o755): Promise<RootPath> {
  const r = await resolveInRoot(root, imageDir);
  if (r.problem === 'loop') throw unsafeDir(imageDir, 'too many levels of symbolic links');
  if (r.problem) throw unsafeDir(imageDir, 'a component of the path is not a directory');
  if (r.stat) {
    if (!r.stat.isDirectory()) throw unsafeDir(imageDir, `it is ${describeStat(r.stat)}`);
    return r;
  }
  // A dangling link resolves to its (missing) target, which is created inside the root.
  await mkdirInRoot(root, posix.dirname(r.imagePath), 0o755);
  let made = false;
  try {
    await mkdir(r.hostPath, { mode });
    made = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  let st = await lstat(r.hostPath);
  if (!st.isDirectory()) throw unsafeDir(imageDir, `it is ${describeStat(st)}`);
  if (made) {
    const o = await rootOwner(root);
    await lchown(r.hostPath, o.uid, o.gid).catch(() => undefined); // not root: keep ours
    await chmod(r.hostPath, mode); // the umask must not decide it
    st = await lstat(r.hostPath);
  }
  return { ...r, stat: st };
}

/** Who owns the image's `/`: what Goldsmith gives the files and directories it creates in it. */
async function rootOwner(root: string): Promise<{ uid: number; gid: number }> {
  const st = await lstat(root);
  return { uid: st.uid, gid: st.gid };
}

export interface WriteOptions {
  /** Mode of a new file (default 0644), set through the fd so the umask does not decide it. */
  mode?: number;
  /** Keep the mode and owner of the regular file being replaced (os-release); default false. */
  keepMode?: boolean;
  /** Owner to give the file (through the fd). */
  owner?: { uid: number; gid: number };
}

/**
 * Create or replace a file inside the image. The parent directory is resolved (and created) inside
 * the root; the final component is never followed: the bytes go into a new temp file created with
 * O_CREAT|O_EXCL|O_NOFOLLOW next to it, its mode is set through the fd, and it is renamed over the
 * name, so a symlink planted there is replaced, not written through. A directory, FIFO, device or
 * socket at the name is refused. Returns the resolution of the written name.
 */
export async function writeFileInRoot(root: string, imagePath: string, data: string | Buffer, opts: WriteOptions = {}): Promise<RootPath> {
  const name = posix.basename(posix.normalize('/' + imagePath));
  if (name === '' || name === '..' || name === '/') throw new InputError('IMAGE_UNSAFE_PATH', `cannot write ${imagePath}: not a file name`, { where: imagePath });
  const dir = await mkdirInRoot(root, posix.dirname(posix.normalize('/' + imagePath)));
  const target = await resolveInRoot(root, posix.join(dir.imagePath, name), false);
  let mode = opts.mode ?? 0o644;
  let owner = opts.owner;
  if (target.stat) {
    if (!target.stat.isFile() && !target.stat.isSymbolicLink()) throw notRegular(target.imagePath, target.stat);
    if (opts.keepMode && target.stat.isFile()) {
      mode = target.stat.mode & 0o7777;
      owner ??= { uid: target.stat.uid, gid: target.stat.gid };
    }
  }
  // A new file belongs to the image's root (the owner of its `/`): in a tree unpacked in the
  // sandbox's id range that is the sandbox's root, never the host's, which the image cannot map.
  owner ??= await rootOwner(root);
  const tmp = join(dir.hostPath, `.goldsmith-${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, CREATE_FLAGS, 0o600);
  try {
    await fh.writeFile(data);
    if (owner) await fh.chown(owner.uid, owner.gid).catch(() => undefined); // not root: keep ours
    await fh.chmod(mode); // after chown, which clears setuid/setgid
    await fh.close();
    await rename(tmp, target.hostPath);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return target;
}

/** Remove a name (recursively) inside the image; the final component is removed, never followed. */
export async function removeInRoot(root: string, imagePath: string): Promise<void> {
  const norm = posix.normalize('/' + imagePath);
  if (norm === '/') throw new InputError('IMAGE_UNSAFE_PATH', 'refusing to remove the image root', { where: imagePath });
  const dir = await resolveInRoot(root, posix.dirname(norm));
  if (!dir.stat?.isDirectory()) return; // nothing there to remove
  // fs.rm does not follow symlinks: a link at the name (or inside the tree) is unlinked, not entered.
  await rm(join(dir.hostPath, posix.basename(norm)), { recursive: true, force: true });
}
