import { spawn } from 'node:child_process';
import { IMAGE_UMASK } from '../config/private-files.js';
import { grantTraversal } from './traversal.js';
import { cgroupSupport, createSandboxCgroup } from './cgroup.js';
import { seccompProgram } from './seccomp.js';
import { FailedError } from '../errors/index.js';
import { sandboxIdRanges, userNamespaceArgs } from './id-range.js';
import { reapOrphanSandboxesOnce } from './orphans.js';
import { bwrapArgs, prlimitArgs, type SandboxSpec } from './spec.js';

/** Where a sandboxed command finds its start gate (SandboxIo.startGate). */
export const START_GATE_FD = 6;

/** The longest line passed to onOutput; longer output without a newline is passed on in pieces. */
export const MAX_LINE_CHARS = 64 * 1024;

export interface SandboxRun {
  exitCode: number;
  /** Interleaved stdout+stderr (when not redirected), at most limits.outputBytes. */
  output: string;
  durationMs: number;
  /** Why Goldsmith stopped it, if it did. */
  killed?: 'timeout' | 'output-limit' | 'memory' | 'aborted';
}

export interface SandboxIo {
  /** Called with each output line as it arrives. */
  onOutput?: (line: string) => void;
  /** A file descriptor for the process's stdin (default: none). */
  stdinFd?: number;
  /** A file descriptor for the process's stdout (default: captured like stderr). */
  stdoutFd?: number;
  /** Raw stdout, as it arrives (not kept in `output`, not counted against the output cap); stderr still goes to onOutput. */
  onStdout?: (chunk: Buffer) => void;
  /**
   * Hand the command a pipe on fd 6 that says "go" once the sandbox is placed (cgroup, network): a
   * command that reads it first never runs if Goldsmith died during setup, when bubblewrap, seeing
   * its wait pipe close, would carry on without anyone left to kill it.
   */
  startGate?: boolean;
  /** Stops the sandbox (killed: 'aborted'). */
  signal?: AbortSignal;
  /** Called once the sandbox's namespaces exist, with the host pid of its first process (for nsenter). */
  onStarted?: (pid: number) => Promise<void> | void;
}

/**
 * Run a process in a sandbox: a user namespace whose ids 0..65535 are the invoking user's
 * subordinate range (so root inside owns nothing outside and holds no capability in the host's
 * namespaces), new mount (pivot_root by bubblewrap), PID, IPC, UTS, cgroup and network namespaces,
 * kernel resource limits, a wall-clock timeout and an output cap. The whole tree dies with its
 * first process, and that dies with Goldsmith (--die-with-parent).
 */
export function runSandboxed(spec: SandboxSpec, io: SandboxIo = {}): Promise<SandboxRun> {
  const ids = sandboxIdRanges();
  reapOrphanSandboxesOnce(ids); // left by a Goldsmith process that died while placing one (orphans.ts)
  // bubblewrap runs as the sandbox's unprivileged host id, which could not search Goldsmith's
  // private directories (0700): those on the way to the paths it mounts get search permission for
  // the sandbox's group only (traversal.ts).
  try {
    for (const p of [...(spec.root === undefined ? [] : [spec.root]), ...spec.mounts.map((m) => m.host)]) grantTraversal(p, ids.gid.start);
  } catch (e) {
    return Promise.reject(e);
  }
  const bw = bwrapArgs(spec);
  // bubblewrap reports its first process and waits: that process goes into the sandbox's cgroup
  // (and gets its network forwarder) before anything of the step runs.
  bw.unshift('--info-fd', '3', '--block-fd', '4');
  const filter = seccompProgram();
  if (filter) bw.unshift('--seccomp', '5');
  const cgroup = createSandboxCgroup(spec.limits.memoryBytes, spec.limits.processes);
  // Without a cgroup the memory and process limits are per process only: the step's log says so
  // rather than the limits quietly weakening (a cgroup that cannot be made once is not tried again).
  if (!cgroup) io.onOutput?.(`goldsmith: this sandbox has no cgroup (${cgroupSupport().why ?? 'unknown'}); its memory and process limits are per process only`);
  const argv = [
    ...prlimitArgs(spec.limits),
    '--',
    // What the sandbox creates in an image gets the modes a distribution expects, not the private
    // umask Goldsmith keeps for its own files (PRIVATE_UMASK in src/config).
    'sh',
    '-c',
    `umask ${IMAGE_UMASK.toString(8).padStart(3, '0')} && exec "$@"`,
    'goldsmith-sandbox',
    ...userNamespaceArgs(ids),
    'bwrap',
    ...bw,
  ];
  const started = Date.now();
  const stdio: Array<'ignore' | 'pipe' | number> = [io.stdinFd ?? 'ignore', io.stdoutFd ?? 'pipe', 'pipe', 'pipe', 'pipe', filter ? 'pipe' : 'ignore'];
  if (io.startGate) stdio.push('pipe'); // fd 6: see SandboxIo.startGate
  return new Promise((resolve, reject) => {
    let p: ReturnType<typeof spawn>;
    try {
      p = spawn('prlimit', argv, { stdio, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } });
    } catch (e) {
      // spawn throws synchronously on an argument it cannot pass (a NUL byte): no process, so no
      // 'close' to remove the cgroup.
      void cgroup?.remove();
      reject(e);
      return;
    }
    // A command that exits without reading its gate resets the pipe: not our error.
    if (io.startGate) (p.stdio as unknown as NodeJS.WritableStream[])[START_GATE_FD]!.on('error', () => {});
    if (filter) {
      const f = (p.stdio as unknown as NodeJS.WritableStream[])[5]!;
      f.on('error', () => {});
      f.end(filter);
    }
    let output = '';
    let bytes = 0;
    let partial = '';
    let killed: SandboxRun['killed'];
    const kill = (why: NonNullable<SandboxRun['killed']>) => {
      if (killed) return;
      killed = why;
      // The first process is PID 1 of the sandbox's PID namespace: when it dies the kernel kills
      // every process left in the namespace, however they detached.
      p.kill('SIGKILL');
    };
    const onData = (d: Buffer) => {
      if (killed) return;
      bytes += d.length;
      if (bytes > spec.limits.outputBytes) {
        const room = spec.limits.outputBytes - (bytes - d.length);
        if (room > 0) output += d.subarray(0, room).toString('utf8');
        kill('output-limit');
        return;
      }
      const s = d.toString('utf8');
      output += s;
      if (io.onOutput) {
        const lines = (partial + s).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) io.onOutput(l);
        // Output without newlines would grow `partial` and re-split it on every chunk: quadratic
        // (30 MB took 13 s of the builder's CPU). A line this long is passed on in pieces.
        if (partial.length > MAX_LINE_CHARS) {
          io.onOutput(partial);
          partial = '';
        }
      }
    };
    if (io.onStdout) p.stdout?.on('data', io.onStdout);
    else p.stdout?.on('data', onData);
    if (io.signal?.aborted) kill('aborted');
    else io.signal?.addEventListener('abort', () => kill('aborted'), { once: true });
    p.stderr!.on('data', onData);
    const timer = setTimeout(() => kill('timeout'), spec.limits.timeoutMs);
    {
      let info = '';
      const infoPipe = p.stdio[3] as NodeJS.ReadableStream;
      const block = p.stdio[4] as NodeJS.WritableStream;
      // bubblewrap closes these when it is done with them (or dies): that is not our error.
      infoPipe.on('error', () => {});
      block.on('error', () => {});
      infoPipe.on('data', (d: Buffer) => {
        info += d.toString('utf8');
        let pid: number | undefined;
        try {
          pid = (JSON.parse(info) as { 'child-pid'?: number })['child-pid'];
        } catch {
          return; // not all of it yet
        }
        if (!pid) return;
        info = ''; // once
        Promise.resolve()
          .then(async () => {
            cgroup?.add(pid);
            await io.onStarted?.(pid);
          })
          .then(
            () => {
              block.end('go');
              if (io.startGate) (p.stdio as unknown as NodeJS.WritableStream[])[START_GATE_FD]!.end('go\n');
            },
            (e) => {
              // The sandbox's first process waits on the block pipe, which stays open: killing only
              // the bubblewrap above it left that one orphaned, and in its cgroup, until Goldsmith exited.
              try {
                process.kill(pid, 'SIGKILL');
              } catch {
                /* already gone */
              }
              kill('aborted'); // the step never started
              reject(e);
            },
          );
      });
    }
    p.on('error', (e) => {
      clearTimeout(timer);
      void cgroup?.remove();
      reject(new FailedError('SANDBOX_TOOL_MISSING', `cannot start the sandbox: ${e.message} (scripts/setup.sh installs bubblewrap and uidmap)`, { cause: e }));
    });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      if (partial && io.onOutput && !killed) io.onOutput(partial);
      if (!killed && code !== 0 && cgroup?.oomKilled()) killed = 'memory';
      const done = () => resolve({ exitCode: code ?? (signal ? 128 + 9 : 1), output, durationMs: Date.now() - started, killed });
      if (cgroup) void cgroup.remove().then(done, done);
      else done();
    });
  });
}
