import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { FailedError } from '../errors/index.js';

export interface RunResult {
  exitCode: number;
  /** Interleaved stdout+stderr, as the step log keeps it. */
  output: string;
  durationMs: number;
}

export interface RunOptions {
  /** Called with each output line as it arrives (progress display, step log). */
  onOutput?: (line: string) => void;
  env?: Record<string, string>;
  /** Network access for the command (apt needs it); default true. */
  network?: boolean;
  timeoutMs?: number;
}

/**
 * Run a shell script inside a root filesystem, isolated from the host: new mount, PID, IPC and UTS
 * namespaces (and a network namespace when network is off), /proc, /dev, /sys, resolv.conf mounted
 * only inside that namespace, then chroot. When the process exits the namespace and its mounts
 * vanish, so nothing leaks onto the host even if the script is killed.
 */
export function runInRoot(root: string, script: string, opts: RunOptions = {}): Promise<RunResult> {
  if (!existsSync(`${root}/bin/sh`) && !existsSync(`${root}/usr/bin/sh`)) {
    throw new FailedError('EXEC_NOT_A_ROOTFS', `no /bin/sh in ${root}: not a root filesystem`, { where: root });
  }
  // The outer script runs in the new namespaces on the host side; it never writes outside $R.
  const outer = `
set -e
R="$GS_ROOT"
mount --make-rprivate / 2>/dev/null || true
mkdir -p "$R/proc" "$R/dev" "$R/sys" "$R/tmp" "$R/run"
mount -t proc proc "$R/proc"
mount -t tmpfs -o mode=755,size=64m dev "$R/dev"
for d in null zero full random urandom tty; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done
mkdir -p "$R/dev/pts" "$R/dev/shm"; ln -s /proc/self/fd "$R/dev/fd"; ln -s pts/ptmx "$R/dev/ptmx"
mount -t sysfs -o ro sysfs "$R/sys" 2>/dev/null || true
mount -t tmpfs -o size=512m tmpfs "$R/run"
if [ -e /etc/resolv.conf ]; then
  if [ -L "$R/etc/resolv.conf" ] || [ ! -e "$R/etc/resolv.conf" ]; then rm -f "$R/etc/resolv.conf"; : > "$R/etc/resolv.conf"; GS_RM_RESOLV=1; fi
  mount --bind /etc/resolv.conf "$R/etc/resolv.conf"
fi
hostname goldsmith-build
set +e
chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@" /bin/sh -ec "$GS_SCRIPT"
rc=$?
umount "$R/etc/resolv.conf" 2>/dev/null || true
[ -n "\${GS_RM_RESOLV:-}" ] && rm -f "$R/etc/resolv.conf"
exit $rc
`;
  // Extra environment reaches the chroot as positional KEY=VALUE arguments to env(1): no shell quoting involved.
  const envArgs = Object.entries(opts.env ?? {}).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new FailedError('EXEC_BAD_ENV', `invalid environment variable name ${JSON.stringify(k)}`);
    return `${k}=${v}`;
  });
  const args = ['--mount', '--pid', '--ipc', '--uts', '--fork', '--kill-child'];
  if (opts.network === false) args.push('--net');
  args.push('sh', '-c', outer, 'goldsmith-exec', ...envArgs);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const p = spawn('unshare', args, {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', GS_ROOT: root, GS_SCRIPT: script },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let partial = '';
    const onData = (d: Buffer) => {
      const s = d.toString('utf8');
      output += s;
      if (opts.onOutput) {
        const lines = (partial + s).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) opts.onOutput(l);
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    const timer = opts.timeoutMs ? setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs) : undefined;
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (partial && opts.onOutput) opts.onOutput(partial);
      resolve({ exitCode: code ?? (signal ? 128 + 9 : 1), output, durationMs: Date.now() - started });
    });
  });
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
