import { readdirSync, readFileSync } from 'node:fs';
import { sandboxIdRanges, type IdRanges } from './id-range.js';

/**
 * bubblewrap has one window it cannot close itself: between creating the sandbox's first process
 * and releasing it (after writing --info-fd), that process waits on an eventfd and has no
 * parent-death signal yet. If Goldsmith dies in that window, bubblewrap's write to the info pipe
 * fails, bubblewrap exits, and the first process waits forever: nothing of the step runs, but the
 * process keeps its mount namespace, and with it the run's scratch filesystem, alive.
 *
 * Such a process is recognisable: it is bubblewrap, runs as an id of the sandbox range, is PID 1
 * of a PID namespace of its own, and its parent is no longer the bubblewrap that made it. Every
 * Goldsmith process sweeps them once, before its first sandbox.
 */
export function reapOrphanSandboxes(ids: IdRanges = sandboxIdRanges()): number[] {
  const reaped: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return reaped;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const st = procStatus(e);
    if (!st || st.name !== 'bwrap') continue;
    if (st.uid < ids.uid.start || st.uid >= ids.uid.start + ids.uid.count) continue;
    if (st.nspid.length < 2 || st.nspid[st.nspid.length - 1] !== '1') continue;
    if (procStatus(String(st.ppid))?.name === 'bwrap') continue; // still held by its bubblewrap
    try {
      process.kill(Number(e), 'SIGKILL');
      reaped.push(Number(e));
    } catch {
      /* gone meanwhile, or not ours to kill */
    }
  }
  return reaped;
}

let swept = false;
/** reapOrphanSandboxes, once per process. */
export function reapOrphanSandboxesOnce(ids: IdRanges): void {
  if (swept) return;
  swept = true;
  reapOrphanSandboxes(ids);
}

function procStatus(pid: string): { name: string; uid: number; ppid: number; nspid: string[] } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (k: string) => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '';
  return {
    name: field('Name'),
    uid: Number(field('Uid').split(/\s+/)[0]),
    ppid: Number(field('PPid')),
    nspid: field('NSpid').split(/\s+/).filter(Boolean),
  };
}
