import { lstat, readFile, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';

/**
 * Path lookups confined to an image's root filesystem. The image's symlinks are resolved by hand,
 * one component at a time, as the kernel would inside a chroot: an absolute target restarts at the
 * image root (never the host's /), and '..' at the root stays at the root. Nothing here ever
 * touches a host path outside `root`.
 */
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
    const host = join(root, ...done, head);
    let st: Stats;
    try {
      st = await lstat(host);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        done.push(head);
        return result({}, rest);
      }
      if (code === 'ENOTDIR') {
        done.push(head);
        return result({ problem: 'not-a-directory' }, rest);
      }
      throw e;
    }
    const last = todo.length === 0;
    if (st.isSymbolicLink() && (!last || followFinal)) {
      if (++links > MAX_LINKS) return result({ problem: 'loop' }, [head, ...rest]);
      const target = await readlink(host);
      if (target.startsWith('/')) done.length = 0;
      todo = [...components(target), ...todo];
      continue;
    }
    done.push(head);
    if (last) return result({ stat: st });
    if (!st.isDirectory()) return result({ problem: 'not-a-directory' }, todo);
  }
  // The path named the root itself (or resolved to it).
  return result({ stat: await lstat(root) });
}

/** Read a file inside the image (symlinks confined); undefined when absent or not a regular file. */
export async function readFileInRoot(root: string, imagePath: string): Promise<{ text: string; resolved: RootPath } | undefined> {
  const resolved = await resolveInRoot(root, imagePath);
  if (!resolved.stat?.isFile()) return undefined;
  return { text: await readFile(resolved.hostPath, 'utf8'), resolved };
}

/** A short description of what is at a path, for check messages. */
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
