import { chmodSync, chownSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FailedError } from '../errors/index.js';

/**
 * bubblewrap sets a sandbox up as the sandbox's own unprivileged host id, so it must be able to
 * reach (search, not list) the host paths it mounts, while Goldsmith's directories stay private
 * (0700). Each private ancestor we own gets the sandbox's group with search permission only
 * (0710): no local user gains anything, and the only processes with that group are sandboxes,
 * which cannot see host paths once they run.
 */
export function grantTraversal(path: string, sandboxGid: number): void {
  const me = process.getuid?.() ?? 0;
  let dir = dirname(resolve(path));
  const chain: string[] = [];
  for (;;) {
    chain.unshift(dir);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  for (const d of chain) {
    const st = statSync(d);
    if (st.mode & 0o001) continue;
    if (st.gid === sandboxGid && st.mode & 0o010) continue;
    if (st.uid !== me) {
      throw new FailedError('SANDBOX_UNREACHABLE', `the sandbox cannot reach ${path}: ${d} is private to another user`, { where: d });
    }
    chownSync(d, -1, sandboxGid);
    chmodSync(d, (st.mode & 0o7700) | 0o010);
  }
}
