import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { sandboxRootIds } from '../sandbox/index.js';

/** Who QEMU and swtpm run as: `undefined` is Goldsmith's own user (the KVM probe only). */
export interface RunIds {
  uid: number;
  gid: number;
  groups: number[];
}

/**
 * QEMU and swtpm run as the sandbox's root host id, like every other tool that handles image
 * content: a guest that broke out of QEMU would own nothing on the host. They get /dev/kvm's group
 * when that group may use it.
 */
export function vmRunIds(): RunIds {
  const { uid, gid } = sandboxRootIds();
  const groups: number[] = [];
  try {
    const st = statSync('/dev/kvm');
    if ((st.mode & 0o060) === 0o060 && st.gid !== 0) groups.push(st.gid);
  } catch {
    /* no /dev/kvm: TCG only */
  }
  return { uid, gid, groups };
}

/** Whether `ids` may open /dev/kvm for reading and writing. */
export function kvmAccessible(ids: RunIds | undefined): boolean {
  let st;
  try {
    st = statSync('/dev/kvm');
  } catch {
    return false;
  }
  if (!st.isCharacterDevice()) return false;
  if (!ids) return true;
  if (st.uid === ids.uid && (st.mode & 0o600) === 0o600) return true;
  if ((ids.gid === st.gid || ids.groups.includes(st.gid)) && (st.mode & 0o060) === 0o060) return true;
  return (st.mode & 0o006) === 0o006;
}

const live = new Set<ChildProcess>();
let hooked = false;

/** Whatever is still running when Goldsmith exits normally is killed (SIGKILL to a dead parent covers the rest). */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) killChild(c);
  });
}

/**
 * Start a VM helper (QEMU, swtpm): under `ids` (setpriv drops the ids, then a second setpriv sets
 * the parent-death signal, which a change of credentials would clear), with SIGKILL when Goldsmith
 * dies, and on the list of processes killed at exit.
 */
export function spawnVmProcess(argv: string[], ids: RunIds | undefined, stdio: ('ignore' | 'pipe' | 'inherit')[]): ChildProcess {
  hookExit();
  const drop = ids
    ? ['setpriv', `--reuid=${ids.uid}`, `--regid=${ids.gid}`, ids.groups.length ? `--groups=${ids.groups.join(',')}` : '--clear-groups', '--inh-caps=-all', '--no-new-privs', '--']
    : [];
  const full = [...drop, 'setpriv', '--pdeathsig', 'SIGKILL', '--', ...argv];
  const child = spawn(full[0]!, full.slice(1), { stdio: stdio as Array<'ignore' | 'pipe' | 'inherit'>, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

export function killChild(c: ChildProcess): void {
  if (c.exitCode !== null || c.signalCode !== null) return;
  try {
    c.kill('SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Kill and wait until the process is reaped (so tests and callers see nothing left). */
export async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  killChild(c);
  await exited;
}
