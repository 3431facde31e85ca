/**
 * Which entries of a rootfs archive deserve a second look before an import: device nodes, setuid or
 * setgid files and world-writable files. Unpacking happens as root on the build host, so a block
 * device node for the host's disk, or an unexplained setuid-root binary, would exist on the host
 * until the scratch directory is removed; inside a built image they are a foothold.
 *
 * Defaults that a Debian minbase passes unchanged:
 * - devices: only the standard character devices every container runtime creates (null, zero, full,
 *   random, urandom, tty, console, ptmx at /dev with their fixed numbers); any other is refused;
 * - setuid/setgid: allowed on files an installed package owns (dpkg's info/*.list or apk's
 *   installed database, read from the same archive): passwd, su, mount… Any other is refused;
 * - world-writable: refused, except directories with the sticky bit (/tmp, /var/tmp, /run/lock),
 *   symlinks (always 0777) and the standard devices above.
 * Each can be allowed outright by the importer (ImportAllowances). Pure: data in, findings out.
 */
import { posix } from 'node:path';
import type { ArchiveEntry } from './archive-listing.js';

/** Standard device nodes (Linux devices.txt), all harmless character devices. */
const STANDARD_DEVICES: Record<string, [number, number]> = {
  'dev/null': [1, 3],
  'dev/zero': [1, 5],
  'dev/full': [1, 7],
  'dev/random': [1, 8],
  'dev/urandom': [1, 9],
  'dev/tty': [5, 0],
  'dev/console': [5, 1],
  'dev/ptmx': [5, 2],
};

export interface ImportAllowances {
  /** Accept device nodes other than the standard /dev set. */
  allowDevices?: boolean;
  /** Accept setuid/setgid files no installed package owns. */
  allowUnownedSetuid?: boolean;
  /** Accept world-writable files and directories without the sticky bit. */
  allowWorldWritable?: boolean;
}

export interface SpecialFile {
  kind: 'device' | 'setuid' | 'setgid' | 'world-writable';
  /** Absolute path in the image. */
  path: string;
  /** e.g. "block device 8:0", "mode 4755, owned by package files". */
  detail: string;
  /** Accepted by the defaults or by an allowance. */
  allowed: boolean;
}

export function isStandardDevice(e: ArchiveEntry): boolean {
  const want = STANDARD_DEVICES[e.path];
  return e.type === 'c' && !!want && e.device?.major === want[0] && e.device?.minor === want[1];
}

const MAX_LINKS = 40;

/**
 * Resolve a path through the archive's own symlinks (a package list says /bin/su; a merged-/usr
 * archive stores it at usr/bin/su behind the link bin -> usr/bin). Absolute targets restart at the
 * image root; nothing leaves it. Returns the normalised path without a leading slash.
 */
export function resolveArchivePath(links: ReadonlyMap<string, string>, path: string): string {
  const done: string[] = [];
  let todo = path.split('/').filter((c) => c && c !== '.');
  let hops = 0;
  while (todo.length) {
    const head = todo.shift()!;
    if (head === '..') {
      done.pop();
      continue;
    }
    const here = [...done, head].join('/');
    const target = links.get(here);
    if (target !== undefined && hops++ < MAX_LINKS) {
      if (target.startsWith('/')) done.length = 0;
      todo = [...target.split('/').filter((c) => c && c !== '.'), ...todo];
      continue;
    }
    done.push(head);
  }
  return done.join('/');
}

/** Paths named by package file lists (one absolute path per line), resolved through the archive's links. */
export function ownedPaths(entries: readonly ArchiveEntry[], listed: Iterable<string>): Set<string> {
  const links = new Map(entries.filter((e) => e.type === 'l' && e.target !== undefined).map((e) => [e.path, e.target!]));
  const out = new Set<string>();
  for (const p of listed) if (p.trim()) out.add(resolveArchivePath(links, p.trim()));
  return out;
}

/** Files apk's installed database lists: "F:dir" lines followed by "R:name" lines. Pure. */
export function apkOwnedFiles(installed: string): string[] {
  const out: string[] = [];
  let dir = '';
  for (const line of installed.split('\n')) {
    if (line.startsWith('F:')) dir = line.slice(2);
    else if (line.startsWith('R:')) out.push(posix.join('/', dir, line.slice(2)));
  }
  return out;
}

const octal = (m: number) => m.toString(8).padStart(4, '0');

/** Every special entry with whether it is allowed; `owned` holds package-owned paths (see ownedPaths). */
export function specialFiles(entries: readonly ArchiveEntry[], owned: ReadonlySet<string>, allow: ImportAllowances = {}): SpecialFile[] {
  const out: SpecialFile[] = [];
  // A hard-linked file is one file under several names; a package owning any of them owns it.
  const names = new Map<string, string[]>();
  for (const e of entries) if (e.type === 'h' && e.target !== undefined) names.set(e.target, [...(names.get(e.target) ?? []), e.path]);
  for (const e of entries) {
    const path = '/' + e.path;
    if (e.type === 'c' || e.type === 'b') {
      const standard = isStandardDevice(e);
      const kind = e.type === 'b' ? 'block' : 'character';
      out.push({
        kind: 'device',
        path,
        detail: `${kind} device ${e.device?.major}:${e.device?.minor}${standard ? ' (standard)' : ''}`,
        allowed: standard || !!allow.allowDevices,
      });
      continue;
    }
    if (e.type === '-' && e.mode & 0o6000) {
      const isOwned = [e.path, ...(names.get(e.path) ?? [])].some((n) => owned.has(n));
      out.push({
        kind: e.mode & 0o4000 ? 'setuid' : 'setgid',
        path,
        detail: `mode ${octal(e.mode)}, owner ${e.uid}:${e.gid}, ${isOwned ? 'owned by an installed package' : 'owned by no installed package'}`,
        allowed: isOwned || !!allow.allowUnownedSetuid,
      });
    }
    const stickyDir = e.type === 'd' && e.mode & 0o1000;
    if (e.mode & 0o002 && e.type !== 'l' && e.type !== 'h' && !stickyDir) {
      out.push({ kind: 'world-writable', path, detail: `mode ${octal(e.mode)}${e.type === 'd' ? ' (directory without the sticky bit)' : ''}`, allowed: !!allow.allowWorldWritable });
    }
  }
  return out;
}
