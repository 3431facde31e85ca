import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const HAS_SETCAP = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v setcap && command -v getcap'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * A small tree with what a rootfs archive must keep: modes (setuid, sticky), numeric owners,
 * symlinks, a hard link, a device node and a file capability. `order` flips creation order so two
 * trees with the same content differ in inode and readdir order.
 */
export function makeFakeRootfs(dir: string, opts: { osId?: string; reverse?: boolean } = {}): void {
  const id = opts.osId ?? 'alpine';
  const steps: Array<() => void> = [
    () => mkdirSync(join(dir, 'etc/apk'), { recursive: true }),
    () => writeFileSync(join(dir, 'etc/os-release'), `NAME="Alpine Linux"\nID=${id}\nVERSION_ID=3.20.1\nPRETTY_NAME="Alpine Linux v3.20"\n`),
    () => mkdirSync(join(dir, 'bin'), { recursive: true }),
    () => {
      writeFileSync(join(dir, 'bin/busybox'), '#!/bin/sh\necho busybox\n');
      chmodSync(join(dir, 'bin/busybox'), 0o4755);
    },
    () => symlinkSync('busybox', join(dir, 'bin/sh')),
    () => linkSync(join(dir, 'bin/busybox'), join(dir, 'bin/ash')),
    () => {
      mkdirSync(join(dir, 'tmp'), { recursive: true });
      chmodSync(join(dir, 'tmp'), 0o1777);
    },
    () => {
      mkdirSync(join(dir, 'home/app'), { recursive: true });
      writeFileSync(join(dir, 'home/app/.profile'), 'export A=1\n');
      chownSync(join(dir, 'home/app/.profile'), 1234, 5678);
      chownSync(join(dir, 'home/app'), 1234, 5678);
    },
    () => {
      mkdirSync(join(dir, 'dev'), { recursive: true });
      execFileSync('mknod', ['-m', '666', join(dir, 'dev/null'), 'c', '1', '3']);
    },
    () => {
      mkdirSync(join(dir, 'usr/bin'), { recursive: true });
      writeFileSync(join(dir, 'usr/bin/ping'), 'ping');
      chmodSync(join(dir, 'usr/bin/ping'), 0o755);
      if (HAS_SETCAP) execFileSync('setcap', ['cap_net_raw+ep', join(dir, 'usr/bin/ping')]);
    },
  ];
  // Dependencies (dirs before files) hold in both orders because mkdirs are recursive.
  if (opts.reverse) {
    for (const d of ['etc/apk', 'bin', 'tmp', 'home/app', 'dev', 'usr/bin']) mkdirSync(join(dir, d), { recursive: true });
    for (const s of [...steps].reverse()) {
      if (s === steps[5]) continue; // the hard link needs its target: made last below
      s();
    }
    steps[5]!();
  } else for (const s of steps) s();
}
