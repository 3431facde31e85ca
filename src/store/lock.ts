import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fstatSync, linkSync, openSync, readFileSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { LockedError, type LockedCode } from '../errors/index.js';

/** Who holds a lock. Written to the lock file as JSON; `token` makes every holding unique. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
  token?: string;
  /** The kernel's boot id when the lock was taken: after a reboot every holder is gone. */
  boot?: string;
  /** The holder's start time (clock ticks since boot, /proc/<pid>/stat): a reused pid has another. */
  start?: string;
}

/** Whether a process exists on this host (EPERM means it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), where Linux tells. */
function processStart(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces or ')': count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether the process a lock names (on this host) still holds it. A pid alone is not enough: after
 * a crash and a reboot, or once pids wrap, the number may belong to an unrelated live process, and
 * a stale lock would then be "held" for ever (`withFileLock` waited for ever). The boot id and the
 * start time the holder recorded tell its own process from a later one with the same pid.
 */
export function holderAlive(h: LockHolder): boolean {
  if (!processAlive(h.pid)) return false;
  if (typeof h.boot === 'string' && bootId() !== undefined && h.boot !== bootId()) return false;
  if (typeof h.start === 'string') {
    const now = processStart(h.pid);
    if (now !== undefined && now !== h.start) return false;
  }
  return true;
}

/** What a lock protects, for messages and error codes. */
export interface LockSubject {
  noun: string;
  code: LockedCode;
  hint: string;
  /** Code of the error for a damaged lock file. */
  corruptCode?: LockedCode;
}

/** Test-only: called at the points where the lock protocol can interleave with other processes. */
export type LockPause = (at: 'read' | 'claimed') => void;

/** A lock file that does not parse this long after it was last written is damaged, not being written. */
const CORRUPT_AFTER_MS = 2000;
/** Give up on a lock that keeps changing hands (never in practice; guards against a livelock). */
const GIVE_UP_MS = 10_000;
/** How deep takeovers of takeovers go: each level needs a process to die at one exact moment. */
const MAX_TAKEOVER_DEPTH = 3;
const MAX_LOCK_BYTES = 64 * 1024;

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

interface Seen {
  text: string;
  holder?: LockHolder;
  mtimeMs: number;
  /** Why the file is not a lock, when it is not. */
  problem?: string;
  /** A regular file that does not parse yet may be an older version's writer at work. */
  mayBeInProgress?: boolean;
}

/** Read a lock file without following a link or blocking on a FIFO; undefined when it is gone. */
function readLock(path: string): Seen | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') return { text: '', mtimeMs: 0, problem: 'it is a symbolic link' };
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { text: '', mtimeMs: st.mtimeMs, problem: 'it is not a regular file' };
    const buf = Buffer.alloc(Math.min(st.size, MAX_LOCK_BYTES));
    const n = buf.length ? readSync(fd, buf, 0, buf.length, 0) : 0;
    const text = buf.subarray(0, n).toString('utf8');
    if (st.size === 0) return { text, mtimeMs: st.mtimeMs, problem: 'it is empty', mayBeInProgress: true };
    let holder: LockHolder | undefined;
    try {
      const h = JSON.parse(text) as LockHolder;
      if (Number.isSafeInteger(h?.pid) && h.pid > 0 && typeof h.host === 'string') holder = h;
    } catch {
      /* reported below */
    }
    return holder ? { text, holder, mtimeMs: st.mtimeMs } : { text, mtimeMs: st.mtimeMs, problem: 'it does not name a holding process', mayBeInProgress: true };
  } finally {
    closeSync(fd);
  }
}

function readText(path: string): string | undefined {
  const s = readLock(path);
  return s && !s.problem ? s.text : undefined;
}

/** Write `text` completely to a new uniquely named file beside `path` (0600), to be linked into place. */
function writeTemp(path: string, text: string): string {
  const tmp = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/** link(2) creates `path` only if nothing is there, atomically, and the file it publishes is already complete. */
function linkExclusive(tmp: string, path: string): boolean {
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function corruptError(path: string, seen: Seen, what: LockSubject): LockedError {
  const dir = dirname(path);
  return new LockedError(
    what.corruptCode ?? 'STORE_LOCK_CORRUPT',
    `lock file ${path} is damaged (${seen.problem}; last changed ${new Date(seen.mtimeMs).toISOString()}), so it cannot tell ` +
      `whether a process still uses ${what.noun} ${dir}; a process that crashed while writing it leaves this. ` +
      `Make sure no goldsmith process is using ${dir} (for example with \`pgrep -af goldsmith\`), then remove the lock: rm ${shellQuote(path)}`,
    { where: path, data: { problem: seen.problem, mtime: new Date(seen.mtimeMs).toISOString() } },
  );
}

type Attempt = { release: () => void } | { holder: LockHolder };

/**
 * Take the lock at `path` once, or return who holds it. Why exactly one process wins:
 *
 * - A lock is created only by link(2) of a complete temp file: creation is atomic and fails when
 *   anything is at `path`, so two processes never both create it, and the file is never seen empty
 *   or half-written (an old-style empty or unparseable lock is therefore damage, reported as such).
 * - A lock is removed only (a) by its holder, which checks first that the file still holds its own
 *   unique text — nobody else can change it while the holder lives — or (b) by a taker-over, after
 *   the holder is known dead. Several processes may find the same dead holder at once; each must
 *   first create `<path>.takeover-<hash of the dead lock's text>` (again by link, so one wins per
 *   dead lock), then re-read the lock and remove it only if it still holds exactly that text. While
 *   that claim exists no other process can remove the dead lock, and once it is gone its text can
 *   never appear again (every holding has a random token), so a late claimer finds other text and
 *   removes nothing. A live lock is thus never removed by anyone but its holder; everyone else goes
 *   back to link(2), where one wins.
 * - A claimer that dies leaves a claim with a dead holder; the claim is taken over the same way,
 *   one level down.
 */
function tryLock(path: string, what: LockSubject, pause?: LockPause): Attempt {
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command: process.argv.slice(1).join(' ').slice(0, 300),
    since: new Date().toISOString(),
    token: randomBytes(12).toString('hex'),
    boot: bootId(),
    start: processStart('self'),
  };
  const text = JSON.stringify(me) + '\n';
  const tmp = writeTemp(path, text);
  const deadline = Date.now() + GIVE_UP_MS;
  try {
    while (Date.now() < deadline) {
      if (linkExclusive(tmp, path)) {
        let released = false;
        return {
          release: () => {
            if (released) return;
            released = true;
            if (readText(path) === text) unlinkQuiet(path);
          },
        };
      }
      const seen = readLock(path);
      pause?.('read');
      if (!seen) continue; // released meanwhile
      if (!seen.holder) {
        // Our writers never publish a partial file; an older version's writer (create, then write)
        // might, for a moment. Beyond that it is damage, and waiting would not end.
        if (!seen.mayBeInProgress || Date.now() - seen.mtimeMs > CORRUPT_AFTER_MS) throw corruptError(path, seen, what);
        sleepSync(20);
        continue;
      }
      if (seen.holder.host !== me.host || holderAlive(seen.holder)) return { holder: seen.holder };
      removeDead(path, seen.text, text, what, pause, 0);
    }
  } finally {
    unlinkQuiet(tmp);
  }
  throw new LockedError(what.code, `could not take the lock on ${what.noun} ${dirname(path)} within ${GIVE_UP_MS / 1000} s: it kept changing hands, or a process taking over a stale lock stopped midway`, { where: path });
}

/** Remove the lock at `path` if it still holds `deadText`, holding the one claim on that dead lock (see tryLock). */
function removeDead(path: string, deadText: string, myText: string, what: LockSubject, pause: LockPause | undefined, depth: number): void {
  const claim = `${path}.takeover-${createHash('sha256').update(deadText).digest('hex').slice(0, 16)}`;
  const tmp = writeTemp(claim, myText);
  try {
    if (!linkExclusive(tmp, claim)) {
      const other = readLock(claim);
      if (!other) return; // that taker finished: look at the lock again
      if (!other.holder) throw corruptError(claim, other, what);
      if (other.holder.host === hostname() && !holderAlive(other.holder) && depth < MAX_TAKEOVER_DEPTH) {
        removeDead(claim, other.text, myText, what, pause, depth + 1); // the taker died: free its claim
      } else {
        sleepSync(2); // another process is taking over right now
      }
      return;
    }
    try {
      pause?.('claimed');
      if (readText(path) === deadText) unlinkSync(path);
    } finally {
      unlinkQuiet(claim); // ours: only we remove it while we live
    }
  } finally {
    unlinkQuiet(tmp);
  }
}

/**
 * PGlite does not lock its directory, and two writers silently lose one side's writes. This
 * exclusive lock file makes a second process fail with an error naming the holder. A lock left by
 * a dead process on this host is taken over (by exactly one contender; see tryLock); one from
 * another host is never guessed at; a damaged one is reported with the command that clears it.
 */
export function acquireDirLock(
  dir: string,
  what: LockSubject = {
    noun: 'data directory',
    code: 'STORE_LOCKED',
    hint: 'wait for it to finish, or set GOLDSMITH_DATABASE_URL to share a PostgreSQL store between processes',
    corruptCode: 'STORE_LOCK_CORRUPT',
  },
  opts: { pause?: LockPause } = {},
): () => void {
  const path = join(dir, 'lock');
  const got = tryLock(path, what, opts.pause);
  if ('holder' in got) {
    const h = got.holder;
    throw new LockedError(what.code, `${what.noun} ${dir} is in use by process ${h.pid} on ${h.host} (\`${h.command}\`, since ${h.since}); ${what.hint}`, {
      where: path,
      data: { holder: { pid: h.pid, host: h.host, command: h.command, since: h.since } },
    });
  }
  const release = () => {
    got.release();
    process.off('exit', release);
  };
  process.on('exit', release);
  return release;
}

/**
 * Run fn while holding an exclusive lock file; other processes (or callers in this one) wait for it
 * instead of failing, so two builds of one base run one after the other and the second finds the
 * first's result. A lock left by a dead process on this host is taken over, by one waiter only.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, opts: { pollMs?: number } = {}): Promise<T> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const what: LockSubject = { noun: 'the directory', code: 'LOCK_BUSY', hint: 'waiting', corruptCode: 'LOCK_FILE_CORRUPT' };
  let got: Attempt;
  for (;;) {
    got = tryLock(path, what);
    if ('release' in got) break;
    await sleep(opts.pollMs ?? 250);
  }
  try {
    return await fn();
  } finally {
    got.release();
  }
}
