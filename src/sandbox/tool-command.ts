import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxIdRanges, userNamespaceArgs } from './id-range.js';
import { seccompProgram } from './seccomp.js';
import { bwrapArgs, DEFAULT_LIMITS, prlimitArgs, type SandboxLimits } from './spec.js';

/** The seccomp program in a private file, written once: bubblewrap reads it from a descriptor. */
let filterFile: string | undefined;
function seccompFile(): string | undefined {
  const prog = seccompProgram();
  if (!prog) return undefined;
  if (!filterFile) {
    const f = join(mkdtempSync(join(tmpdir(), 'goldsmith-seccomp-')), 'filter.bpf');
    writeFileSync(f, prog, { mode: 0o600 });
    filterFile = f;
  }
  return filterFile;
}

export interface SandboxedCommand {
  cmd: string;
  args: string[];
  /** Descriptors for stdio entries 3 and up (the seccomp filter): pass as `stdio: [in, out, err, ...fds]`. */
  fds: number[];
  /** Close `fds` once the process has been spawned (or has finished). */
  close(): void;
}

/**
 * The command line that runs one host program (a decompressor, say) in a tool sandbox, for callers
 * that need a synchronous spawn: the same user namespace, namespaces and seccomp filter as
 * `runSandboxed`, the host's /usr read-only, no mounts, no network, rlimits; data only through
 * stdin and stdout. It has no cgroup (placing the process needs a live handshake): its memory is
 * bounded per process by RLIMIT_AS. Use `runSandboxed` where you can.
 */
export function sandboxedCommand(argv: string[], limits: Partial<SandboxLimits> = {}): SandboxedCommand {
  const ids = sandboxIdRanges();
  const l = { ...DEFAULT_LIMITS, ...limits };
  const filter = seccompFile();
  // A fresh descriptor per command: bubblewrap reads the filter from its current offset.
  const fds = filter ? [openSync(filter, 'r')] : [];
  return {
    cmd: 'prlimit',
    args: [
      ...prlimitArgs(l),
      '--',
      ...userNamespaceArgs(ids),
      'bwrap',
      ...(filter ? ['--seccomp', '3'] : []),
      ...bwrapArgs({ argv, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' }, mounts: [], network: { kind: 'none' }, limits: l, hostname: 'goldsmith-tool' }),
    ],
    fds,
    close: () => {
      for (const fd of fds.splice(0)) closeSync(fd);
    },
  };
}
