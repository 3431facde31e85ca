import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { LockedError } from '../errors/index.js';

/** Who holds a data directory. Written to `<dir>/lock` as JSON. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
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

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/**
 * PGlite does not lock its directory, and two writers silently lose one side's writes. This
 * exclusive lock file (O_EXCL create) makes a second process fail with an error naming the holder.
 * A lock left by a dead process on this host is taken over; one from another host is never guessed at.
 */
export function acquireDirLock(
  dir: string,
  what: { noun: string; code: string; hint: string } = {
    noun: 'data directory',
    code: 'STORE_LOCKED',
    hint: 'wait for it to finish, or set GOLDSMITH_DATABASE_URL to share a PostgreSQL store between processes',
  },
): () => void {
  const path = join(dir, 'lock');
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command: process.argv.slice(1).join(' ').slice(0, 300),
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, JSON.stringify(me) + '\n');
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const h = readHolder(path);
        if (h && h.pid === me.pid && h.host === me.host) {
          try {
            unlinkSync(path);
          } catch {
            /* already gone */
          }
        }
        process.off('exit', release);
      };
      process.on('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readHolder(path);
      if (holder && holder.host === me.host && !processAlive(holder.pid)) {
        // Stale lock from a dead process on this host: move it aside atomically, then retry.
        try {
          renameSync(path, `${path}.stale-${holder.pid}`);
          unlinkSync(`${path}.stale-${holder.pid}`);
        } catch {
          /* another process raced us; retry */
        }
        continue;
      }
      if (!holder) continue; // being written right now; retry
      throw new LockedError(
        what.code,
        `${what.noun} ${dir} is in use by process ${holder.pid} on ${holder.host} (\`${holder.command}\`, since ${holder.since}); ${what.hint}`,
        { where: path, data: { holder } },
      );
    }
  }
  throw new LockedError(what.code, `could not take the lock on ${dir}`, { where: path });
}

/**
 * Run fn while holding an exclusive lock file; other processes (or callers in this one) wait for it
 * instead of failing, so two builds of one base run one after the other and the second finds the
 * first's result. A lock left by a dead process on this host is taken over.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, opts: { pollMs?: number } = {}): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const me = JSON.stringify({ pid: process.pid, host: hostname(), token: Math.random().toString(36).slice(2) });
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(me);
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    try {
      const holder = JSON.parse(await readFile(path, 'utf8')) as { pid: number; host: string };
      if (holder.host === hostname() && !processAlive(holder.pid)) {
        const aside = `${path}.stale-${process.pid}`;
        await rename(path, aside).catch(() => {});
        await rm(aside, { force: true });
        continue;
      }
    } catch {
      // Half-written by its creator, or just released: look again shortly.
    }
    await sleep(opts.pollMs ?? 250);
  }
  try {
    return await fn();
  } finally {
    const now = await readFile(path, 'utf8').catch(() => '');
    if (now === me) await rm(path, { force: true });
  }
}
