import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * A cgroup per sandbox: one memory limit for everything in it (tmpfs pages included, so a step that
 * mounts its own tmpfs or fills /run still counts against it) and one process limit. rlimits are
 * per process; this is per sandbox. Works with cgroup v1 (memory and pids hierarchies) and with
 * cgroup v2 where the memory controller is available to Goldsmith's own cgroup; elsewhere sandboxes
 * fall back to rlimits only, and `cgroupSupport()` says why.
 */
export interface SandboxCgroup {
  /** Move a process (and so all it starts) into the cgroup. */
  add(pid: number): void;
  /** Whether the kernel's OOM killer acted inside (the step ran out of its memory). */
  oomKilled(): boolean;
  remove(): Promise<void>;
}

interface Layout {
  kind: 'v1' | 'v2';
  memory: string;
  pids?: string;
}

function ownCgroups(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, controllers, path] = line.split(':');
    if (controllers === undefined || path === undefined) continue;
    for (const c of controllers.split(',')) out.set(c, path);
  }
  return out;
}

let layout: Layout | null | undefined;
let why = '';

function detect(): Layout | null {
  if (layout !== undefined) return layout;
  try {
    const own = ownCgroups();
    const mem = own.get('memory');
    if (mem !== undefined && existsSync('/sys/fs/cgroup/memory/cgroup.procs')) {
      const pids = own.get('pids');
      layout = { kind: 'v1', memory: join('/sys/fs/cgroup/memory', mem), pids: pids !== undefined && existsSync('/sys/fs/cgroup/pids') ? join('/sys/fs/cgroup/pids', pids) : undefined };
    } else if (own.has('') && existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      const dir = join('/sys/fs/cgroup', own.get('')!);
      const enabled = readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8');
      if (!/\bmemory\b/.test(enabled)) {
        try {
          writeFileSync(join(dir, 'cgroup.subtree_control'), '+memory +pids');
        } catch (e) {
          why = `cgroup v2: cannot enable the memory controller below ${dir} (${(e as Error).message}); run Goldsmith in a delegated cgroup, e.g. systemd-run --scope -p Delegate=yes`;
          return (layout = null);
        }
      }
      layout = { kind: 'v2', memory: dir, pids: dir };
    } else {
      why = 'no memory cgroup controller is available';
      layout = null;
    }
  } catch (e) {
    why = `cannot read this process's cgroups: ${(e as Error).message}`;
    layout = null;
  }
  return layout;
}

/** Whether sandboxes get a cgroup here, and if not why. */
export function cgroupSupport(): { ok: boolean; why?: string } {
  return detect() ? { ok: true } : { ok: false, why };
}

/** A new cgroup limited to `memoryBytes` and `processes`, or undefined where cgroups are not available. */
export function createSandboxCgroup(memoryBytes: number, processes: number): SandboxCgroup | undefined {
  const l = detect();
  if (!l) return undefined;
  if (!swept) {
    swept = true;
    for (const parent of new Set([l.memory, l.pids].filter((d): d is string => d !== undefined))) sweepStale(parent);
  }
  const name = `goldsmith-sandbox-${process.pid}-${randomBytes(4).toString('hex')}`;
  const dirs: string[] = [];
  try {
    if (l.kind === 'v1') {
      const mem = join(l.memory, name);
      mkdirSync(mem);
      dirs.push(mem);
      writeFileSync(join(mem, 'memory.limit_in_bytes'), String(memoryBytes));
      // With swap accounting, swap counts too (otherwise a step could page out past its limit).
      if (existsSync(join(mem, 'memory.memsw.limit_in_bytes'))) writeFileSync(join(mem, 'memory.memsw.limit_in_bytes'), String(memoryBytes));
      if (l.pids) {
        const p = join(l.pids, name);
        mkdirSync(p);
        dirs.push(p);
        writeFileSync(join(p, 'pids.max'), String(processes));
      }
    } else {
      const d = join(l.memory, name);
      mkdirSync(d);
      dirs.push(d);
      writeFileSync(join(d, 'memory.max'), String(memoryBytes));
      if (existsSync(join(d, 'memory.swap.max'))) writeFileSync(join(d, 'memory.swap.max'), '0');
      if (existsSync(join(d, 'pids.max'))) writeFileSync(join(d, 'pids.max'), String(processes));
    }
  } catch (e) {
    for (const d of dirs.reverse()) rmdirQuiet(d);
    why = `cannot create a cgroup: ${(e as Error).message}`;
    layout = null;
    return undefined;
  }
  const memDir = dirs[0]!;
  return {
    add(pid) {
      for (const d of dirs) writeFileSync(join(d, 'cgroup.procs'), String(pid));
    },
    oomKilled() {
      try {
        if (l.kind === 'v1') {
          const m = /oom_kill (\d+)/.exec(readFileSync(join(memDir, 'memory.oom_control'), 'utf8'));
          return m ? Number(m[1]) > 0 : Number(readFileSync(join(memDir, 'memory.failcnt'), 'utf8')) > 0;
        }
        const m = /oom_kill (\d+)/.exec(readFileSync(join(memDir, 'memory.events'), 'utf8'));
        return m ? Number(m[1]) > 0 : false;
      } catch {
        return false;
      }
    },
    async remove() {
      // The kernel frees a cgroup once its last process is reaped; that can lag the exit a little.
      for (const d of [...dirs].reverse()) {
        for (let i = 0; i < 50 && !rmdirQuiet(d); i++) await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

let swept = false;

/** Cgroups of Goldsmith processes that died before removing them (killed builders): empty, so removable. */
function sweepStale(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^goldsmith-sandbox-(\d+)-[0-9a-f]+$/.exec(n);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue; // its process is alive
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPERM') continue;
    }
    rmdirQuiet(join(parent, n));
  }
}

function rmdirQuiet(d: string): boolean {
  try {
    rmdirSync(d);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
