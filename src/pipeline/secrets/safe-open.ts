import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';

/**
 * Open a file of a hostile image for reading, only if it is the regular file the walker saw.
 *
 * The walker lists directories with getdents (no symlink is followed) and descends only into real
 * directories, so `hostPath` has no symlink in it when it is listed. The file itself is lstat'ed
 * first (so a FIFO or device is never opened: opening a FIFO blocks, a tape device rewinds), opened
 * with O_NOFOLLOW (a symlink swapped in since fails with ELOOP) and O_NONBLOCK (a FIFO swapped in
 * does not block the open), then fstat'ed: the descriptor must be the same inode, still a regular
 * file. Nothing runs in the image while it is scanned, so the directories above cannot be swapped
 * under the walk; this is a minimal guard of its own, independent of src/image.
 */
export type OpenResult = { fd: number; st: Stats } | { special: Stats } | undefined;

export function openRegular(hostPath: string): OpenResult {
  let before: Stats;
  try {
    before = lstatSync(hostPath);
  } catch {
    return undefined; // vanished
  }
  if (!before.isFile()) return before.isSymbolicLink() || before.isDirectory() ? undefined : { special: before };
  let fd: number;
  try {
    fd = openSync(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (st.isFile() && st.ino === before.ino && st.dev === before.dev) return { fd, st };
  } catch {
    // fall through to close
  }
  closeSync(fd);
  return undefined;
}

/** Character and block devices: a disk or a terminal, reported by the scan, never read. */
export function isDeviceNode(st: Stats): boolean {
  return st.isCharacterDevice() || st.isBlockDevice();
}

/** True when every component of `rel` under `root` is a real directory (no symlink on the way). */
export function isRealDir(root: string, rel: string): boolean {
  let p = root;
  for (const part of rel.split('/').filter(Boolean)) {
    p = `${p}/${part}`;
    try {
      if (!lstatSync(p).isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Read a small regular file of the image (its directory checked by the caller), or undefined. */
export function readRegular(hostPath: string, maxBytes: number): Buffer | undefined {
  const o = openRegular(hostPath);
  if (!o || !('fd' in o)) return undefined;
  try {
    if (o.st.size > maxBytes) return undefined;
    const buf = Buffer.allocUnsafe(o.st.size);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(o.fd, buf, n, buf.length - n, n);
      if (r <= 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } catch {
    return undefined;
  } finally {
    closeSync(o.fd);
  }
}
