/**
 * What a sandboxed process may see and use. Pure data: `bwrapArgs` turns it into bubblewrap's
 * command line, `runSandboxed` runs it.
 */
export interface SandboxMount {
  /** Host path (a directory or a file). */
  host: string;
  /** Where it appears inside the sandbox. */
  inside: string;
  readOnly: boolean;
}

export type SandboxNetwork =
  /** A network namespace with only loopback: nothing outside is reachable. */
  | { kind: 'none' }
  /** Only loopback, plus an HTTP proxy inside at 127.0.0.1:port that the builder filters (see mirror-proxy.ts). */
  | { kind: 'proxy'; port: number };

export interface SandboxLimits {
  /** Wall-clock limit; the whole sandbox is killed when it passes. */
  timeoutMs: number;
  /** RLIMIT_CPU, seconds of CPU time per process. */
  cpuSeconds: number;
  /** RLIMIT_AS, bytes of address space per process. */
  memoryBytes: number;
  /** RLIMIT_NPROC: processes of the sandbox's (unprivileged) host user. */
  processes: number;
  /** RLIMIT_FSIZE: the largest file a process may write. */
  fileBytes: number;
  /** Bytes of stdout+stderr kept and allowed; past it the sandbox is killed. */
  outputBytes: number;
  /** Size of the sandbox's own /tmp (a tmpfs). */
  tmpBytes: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  timeoutMs: 30 * 60_000,
  cpuSeconds: 3600,
  memoryBytes: 8 * 2 ** 30,
  processes: 4096,
  fileBytes: 8 * 2 ** 30,
  outputBytes: 32 * 2 ** 20,
  tmpBytes: 2 * 2 ** 30,
};

export interface SandboxSpec {
  /**
   * The directory that becomes `/` (pivot_root), writable: an image root, or for host tools
   * `undefined`, which gives an empty root with the host's /usr read-only (tar, zstd, mke2fs).
   */
  root?: string;
  /** The program and its arguments, as seen inside. */
  argv: string[];
  /** The whole environment inside (nothing is inherited from Goldsmith's). */
  env: Record<string, string>;
  /** Extra host paths the process is explicitly given. */
  mounts: SandboxMount[];
  network: SandboxNetwork;
  limits: SandboxLimits;
  hostname: string;
  /** Working directory inside. */
  cwd?: string;
}

/** Host directories a tool sandbox needs to run the host's own binaries (Debian 12 has merged /usr). */
const TOOL_SYSTEM = ['/usr', '/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32'];
/** The only host configuration tools get: none of it secret. */
const TOOL_ETC = ['/etc/mke2fs.conf', '/etc/ld.so.cache', '/etc/alternatives'];

/** bubblewrap's arguments for a spec (the user namespace is made around it; see run-sandboxed.ts). */
export function bwrapArgs(spec: SandboxSpec): string[] {
  const a: string[] = ['--unshare-ipc', '--unshare-pid', '--unshare-uts', '--unshare-cgroup-try', '--unshare-net'];
  a.push('--die-with-parent', '--new-session', '--hostname', spec.hostname);
  if (spec.root !== undefined) {
    a.push(...bindArgs(spec.root, '/', false));
  } else {
    // bubblewrap's own root is already an empty tmpfs: only the host's programs are added to it.
    for (const p of TOOL_SYSTEM) a.push('--ro-bind-try', p, p);
    for (const p of TOOL_ETC) a.push('--ro-bind-try', p, p);
  }
  a.push('--proc', '/proc', '--dev', '/dev');
  a.push('--perms', '1777', '--size', String(spec.limits.tmpBytes), '--tmpfs', '/tmp');
  a.push('--perms', '0755', '--tmpfs', '/run');
  for (const m of spec.mounts) a.push(...bindArgs(m.host, m.inside, m.readOnly));
  a.push('--clearenv');
  for (const [k, v] of Object.entries(spec.env)) a.push('--setenv', k, v);
  if (spec.cwd) a.push('--chdir', spec.cwd);
  a.push('--', ...spec.argv);
  return a;
}

/** A host path given as `fd:N` is an open descriptor (see run-sandboxed.ts); anything else a path. */
function bindArgs(host: string, inside: string, readOnly: boolean): string[] {
  const fd = /^fd:(\d+)$/.exec(host);
  if (fd) return [readOnly ? '--ro-bind-fd' : '--bind-fd', fd[1]!, inside];
  return [readOnly ? '--ro-bind' : '--bind', host, inside];
}

/** prlimit(1) arguments for the limits the kernel enforces per process. */
export function prlimitArgs(l: SandboxLimits): string[] {
  return [`--cpu=${l.cpuSeconds}`, `--as=${l.memoryBytes}`, `--nproc=${l.processes}`, `--fsize=${l.fileBytes}`, '--core=0'];
}
