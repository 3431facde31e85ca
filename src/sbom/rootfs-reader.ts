/**
 * Reads files of a root filesystem directory as the image would see them: symlinks (absolute or
 * relative) resolve inside the root, never into the host. The only I/O in the catalogers.
 * Synchronous calls on purpose: a catalog reads hundreds of small files, and the promise API's
 * per-file open/stat/read/close round trips through the thread pool cost more than the reads.
 */
import { lstatSync, readFileSync, readlinkSync, readdirSync } from 'node:fs';
import { posix } from 'node:path';

export class RootfsReader {
  private readonly resolved = new Map<string, string | null>();
  /** Resolved paths that are regular files: only those are read (a FIFO or device would block or never end). */
  private readonly regular = new Set<string>();
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
      if (st.isFile()) this.regular.add(here);
      return here;
    }
    const target = readlinkSync(this.root + here);
    return this.resolve(target.startsWith('/') ? target : posix.join(parent, target), depth + 1);
  }

  async readBytes(p: string): Promise<Buffer | undefined> {
    const host = this.resolve(p);
    if (host === undefined || !this.regular.has(host)) return undefined;
    try {
      return readFileSync(this.root + host);
    } catch {
      return undefined; // unreadable: treated as absent
    }
  }

  async readText(p: string): Promise<string | undefined> {
    return (await this.readBytes(p))?.toString('utf8');
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
