import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FailedError } from '../errors/index.js';

/**
 * bubblewrap sets a sandbox up as the sandbox's own unprivileged host id, so it must be able to
 * reach (search, not list) the host paths it mounts, while Goldsmith's directories stay private
 * (0700). Each private ancestor we own gets the sandbox's group with search permission only
 * (0710): no local user gains anything, and the only processes with that group are sandboxes,
 * which cannot see host paths once they run. A directory whose group already has access keeps
 * it; the sandbox's group is added to it as an ACL entry instead.
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
    if ((st.mode & 0o070) === 0) {
      // Private to its owner: giving the group to the sandbox takes nothing from anyone.
      chownSync(d, -1, sandboxGid);
      chmodSync(d, (st.mode & 0o7700) | 0o010);
    } else {
      // Its group has access (an operator's directory): keep that, and add the sandbox's group
      // with search permission as an ACL entry.
      const r = spawnSync('setfacl', ['-m', `g:${sandboxGid}:--x`, d], { encoding: 'utf8' });
      if (r.status !== 0) {
        throw new FailedError('SANDBOX_UNREACHABLE', `the sandbox cannot reach ${path}: ${d} is not searchable by others and setfacl failed (${(r.stderr || r.error?.message || '').trim()}); make it o+x or install acl`, { where: d });
      }
    }
  }
}
