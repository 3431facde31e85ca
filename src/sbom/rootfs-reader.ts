/**
 * Reads files of a root filesystem directory as the image would see them: symlinks (absolute or
 * relative) resolve inside the root, never into the host. The only I/O in the catalogers.
 * Synchronous calls on purpose: a catalog reads hundreds of small files, and the promise API's
 * per-file open/stat/read/close round trips through the thread pool cost more than the reads.
 * The resolution is cached per path (the same directories are walked for every copyright file);
 * reads go through image/root-fs's verified open, so a FIFO, device or oversized file is refused
 * with an error naming it rather than blocking the SBOM step or filling memory.
 */
import { lstatSync, readlinkSync, readdirSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { DEFAULT_MAX_READ_BYTES, readVerifiedFileSync } from '../image/root-fs.js';

export class RootfsReader {
  private readonly resolved = new Map<string, string | null>();
  /** lstat of each resolved final component: only regular files are read, and the open must find the same inode. */
  private readonly stats = new Map<string, Stats>();
  /** The root without a trailing slash ("" for the host's own "/"), so `root + "/etc"` is a host path. */
  private readonly root: string;
  constructor(root: string) {
    this.root = root.replace(/\/+$/, '');
  }

  /** Path of `p` (absolute inside the image) with every symlink resolved within the root; undefined if missing. */
  resolve(p: string, depth = 0): string | undefined {
    const norm = posix.normalize('/' + p);
    let hit = this.resolved.get(norm);
    if (hit === undefined) {
      hit = this.resolveUncached(norm, depth) ?? null;
      this.resolved.set(norm, hit);
    }
    return hit ?? undefined;
  }

  private resolveUncached(norm: string, depth: number): string | undefined {
    if (norm === '/') return '/';
    if (depth > 40) return undefined; // symlink loop
    const parent = this.resolve(posix.dirname(norm), depth);
    if (parent === undefined) return undefined;
    const here = posix.join(parent, posix.basename(norm));
    const st = lstatSync(this.root + here, { throwIfNoEntry: false });
    if (!st) return undefined;
    if (!st.isSymbolicLink()) {
      this.stats.set(here, st);
      return here;
    }
    const target = readlinkSync(this.root + here);
    return this.resolve(target.startsWith('/') ? target : posix.join(parent, target), depth + 1);
  }

  /**
   * The file's bytes; undefined when nothing (or a directory) is there. A FIFO, device or socket is
   * refused (IMAGE_UNSAFE_FILE), as is a file over `maxBytes` (IMAGE_FILE_TOO_LARGE).
   */
  async readBytes(p: string, maxBytes = DEFAULT_MAX_READ_BYTES): Promise<Buffer | undefined> {
    const host = this.resolve(p);
    const st = host === undefined ? undefined : this.stats.get(host);
    if (host === undefined || !st || st.isDirectory()) return undefined;
    const shown = host === posix.normalize('/' + p) ? p : `${p} (resolves to ${host})`;
    return readVerifiedFileSync(this.root + host, st, shown, maxBytes);
  }

  async readText(p: string, maxBytes?: number): Promise<string | undefined> {
    return (await this.readBytes(p, maxBytes))?.toString('utf8');
  }

  async exists(p: string): Promise<boolean> {
    return this.resolve(p) !== undefined;
  }

  async list(dir: string): Promise<string[]> {
    const host = this.resolve(dir);
    if (host === undefined) return [];
    try {
      return readdirSync(this.root + host).sort();
    } catch {
      return [];
    }
  }
}
