import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
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
      if (holder.host === hostname() && !alive(holder.pid)) {
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
