import { closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { chmod, lstat, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors/index.js';

/**
 * Everything Goldsmith keeps — database, artifacts (checkpoints included), run state, logs, keys —
 * is for its own user only: directories 0700, files 0600. Library code states these modes where it
 * creates things; the CLI also sets this umask, so anything created without a mode is private too.
 * Child processes that build image content get the image's usual umask instead (see IMAGE_UMASK).
 */
export const PRIVATE_UMASK = 0o077;
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** The umask of processes that create files inside an image (customize scripts): what a distribution expects. */
export const IMAGE_UMASK = 0o022;

const myUid = () => process.getuid?.() ?? -1;
const GROUP_OTHER = 0o077;

/**
 * The mode `st` should have: no group or other bits — except group search (0o010) on a directory
 * whose group is the sandbox's, which the sandbox grants so that bubblewrap, running as the
 * sandbox's unprivileged host id, can reach the paths it mounts (src/sandbox/traversal.ts). Only
 * sandboxes have that group, and they cannot see host paths once they run; taking the bit away
 * would break a build running meanwhile.
 */
function privateMode(st: { mode: number; gid: number; isDirectory(): boolean }, sandboxGid: number | undefined): number {
  const keep = st.isDirectory() && sandboxGid !== undefined && st.gid === sandboxGid ? st.mode & 0o010 : 0;
  return (st.mode & 0o7777 & ~GROUP_OTHER) | keep;
}

/** Create a directory (and missing parents) readable by its owner only. An existing one keeps its mode. */
export async function mkdirPrivate(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}

export function mkdirPrivateSync(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Create `path` 0700, or make an existing directory of ours 0700; refuses a link or someone else's directory. */
export async function ensurePrivateDir(path: string, sandboxGid?: number): Promise<void> {
  await mkdirPrivate(path);
  const st = await lstat(path);
  if (!st.isDirectory()) throw new InputError('PRIVATE_DIR_UNSAFE', `${path} must be a directory, not a link or a file`, { where: path });
  if (myUid() >= 0 && st.uid !== myUid()) {
    throw new InputError('PRIVATE_DIR_UNSAFE', `${path} belongs to user id ${st.uid}, who could change what Goldsmith reads from it; remove it`, { where: path });
  }
  const want = privateMode(st, sandboxGid);
  if (want !== (st.mode & 0o7777)) await chmod(path, want);
}

/**
 * The scratch root holds every run's working rootfs. It must not be a place where another user can
 * swap a run directory: owned by us (or by root with the sticky bit, like /tmp or /dev/shm), and a
 * link to it must have been made by us or root (the rule of fs.protected_symlinks). A directory of
 * ours loses its group/other bits; a configured shared one (sticky) is left as it is — each run
 * directory in it is 0700.
 */
export async function ensureScratchRoot(path: string, sandboxGid?: number): Promise<void> {
  await mkdirPrivate(path);
  const link = await lstat(path);
  const st = link.isSymbolicLink() ? await stat(path) : link;
  const uid = myUid();
  const unsafe = (why: string) =>
    new InputError('SCRATCH_UNSAFE', `scratch directory ${path} ${why}, so another user could tamper with builds; remove it or set GOLDSMITH_SCRATCH to a directory of yours`, {
      where: path,
    });
  if (uid < 0) return;
  if (link.isSymbolicLink() && link.uid !== uid && link.uid !== 0) throw unsafe(`is a link made by user id ${link.uid}`);
  if (!st.isDirectory()) throw unsafe('is not a directory');
  const sticky = (st.mode & 0o1000) !== 0;
  if (st.uid !== uid && !(st.uid === 0 && sticky)) throw unsafe(`belongs to user id ${st.uid}`);
  const want = privateMode(st, sandboxGid);
  if (st.uid === uid && !sticky && !link.isSymbolicLink() && want !== (st.mode & 0o7777)) await chmod(path, want);
}

/**
 * Clear the group/other bits of every directory and regular file under `root` (root included).
 * Top-down: a directory is made private before its entries are looked at, so no other user can swap
 * an entry for a link meanwhile; entries are changed through an O_NOFOLLOW descriptor, so a link is
 * never followed out. Directories owned by another user are not entered (reported instead), and
 * `skip(rel)` leaves an entry and all below it alone (an image root: its modes, its own included,
 * are image content).
 * Returns the paths whose modes changed, and those it could not vouch for.
 */
export function tightenTree(root: string, opts: { skip?: (rel: string) => boolean; sandboxGid?: number } = {}): { fixed: string[]; foreign: string[] } {
  const fixed: string[] = [];
  const foreign: string[] = [];
  const uid = myUid();
  const visit = (abs: string, rel: string) => {
    if (rel && opts.skip?.(rel)) return;
    let st;
    try {
      st = rel ? lstatSync(abs) : statSync(abs); // the root itself may be a link the operator made
    } catch {
      return; // vanished meanwhile
    }
    if (!st.isDirectory() && !st.isFile()) return; // links, sockets, FIFOs: nothing to read through them
    if (privateMode(st, opts.sandboxGid) !== (st.mode & 0o7777)) {
      let fd: number;
      try {
        fd = openSync(abs, constants.O_RDONLY | (rel ? constants.O_NOFOLLOW : 0) | constants.O_NONBLOCK);
      } catch {
        return;
      }
      try {
        const now = fstatSync(fd);
        if (now.ino === st.ino && now.dev === st.dev) {
          fchmodSync(fd, privateMode(now, opts.sandboxGid));
          fixed.push(abs);
        }
      } catch {
        /* not ours to change: reported below for directories */
      } finally {
        closeSync(fd);
      }
    }
    if (!st.isDirectory()) return;
    if (uid >= 0 && st.uid !== uid) {
      foreign.push(abs);
      return;
    }
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch {
      return;
    }
    for (const name of names) visit(join(abs, name), rel ? `${rel}/${name}` : name);
  };
  visit(root, '');
  return { fixed, foreign };
}

/**
 * Make a data directory private: new ones are created 0700; one left by an older version (0755
 * directories, 0644 artifacts, 0666 database files) is walked and tightened, and what changed is
 * returned for the caller to report. Image roots inside it keep their modes: what base builds hold
 * under tmp/<work>/ and each run's scratch/<run>/rootfs are left alone (their directories are made
 * private around them). (The embedded database
 * also tightens its own directory on every open: PGlite sets some of its files' modes itself.)
 */
export function secureDataDir(home: string, sandboxGid?: number): { fixed: string[]; foreign: string[] } {
  mkdirPrivateSync(home);
  if (!statSync(home).isDirectory()) throw new InputError('HOME_NOT_A_DIRECTORY', `data directory ${home} is not a directory`, { where: home });
  return tightenTree(home, {
    sandboxGid,
    skip: (rel) => /^tmp\/[^/]+\/./.test(rel) || /^scratch\/[^/]+\/rootfs$/.test(rel),
  });
}
