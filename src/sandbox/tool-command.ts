import { sandboxIdRanges, userNamespaceArgs } from './id-range.js';
import { bwrapArgs, DEFAULT_LIMITS, prlimitArgs, type SandboxLimits } from './spec.js';

/**
 * The command line that runs one host program (a decompressor, say) in a tool sandbox, for callers
 * that need a synchronous spawn: the same user namespace and namespaces as `runSandboxed`, the
 * host's /usr read-only, no mounts, no network, rlimits; data only through stdin and stdout. It has
 * no cgroup and no seccomp filter (both need a live handshake): use `runSandboxed` where you can.
 */
export function sandboxedCommand(argv: string[], limits: Partial<SandboxLimits> = {}): { cmd: string; args: string[] } {
  const ids = sandboxIdRanges();
  const l = { ...DEFAULT_LIMITS, ...limits };
  return {
    cmd: 'prlimit',
    args: [
      ...prlimitArgs(l),
      '--',
      ...userNamespaceArgs(ids),
      'bwrap',
      ...bwrapArgs({ argv, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' }, mounts: [], network: { kind: 'none' }, limits: l, hostname: 'goldsmith-tool' }),
    ],
  };
}
