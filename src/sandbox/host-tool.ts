import { chown, lstat } from 'node:fs/promises';
import { FailedError } from '../errors/index.js';
import { sandboxIdRanges } from './id-range.js';
import { runSandboxed } from './run-sandboxed.js';
import { DEFAULT_LIMITS, type SandboxLimits, type SandboxMount } from './spec.js';

export interface HostToolOptions {
  /** Host directories the tool works on, and where it sees them. */
  mounts: SandboxMount[];
  stdinFd?: number;
  stdoutFd?: number;
  onOutput?: (line: string) => void;
  env?: Record<string, string>;
  cwd?: string;
  limits?: Partial<SandboxLimits>;
}

/**
 * Run one of the host's own programs (tar, mke2fs) on image content inside a sandbox: the same
 * user namespace as image steps, so it sees an image tree's owners as the image does (0 is root)
 * and can create any owner while unpacking; the host's /usr read-only; nothing else of the host.
 * A hostile archive can therefore not write outside the directory it is unpacked into, nor read
 * a host file. Throws FailedError (with the output's last lines) on a non-zero exit.
 */
export async function runHostTool(argv: string[], o: HostToolOptions): Promise<void> {
  const lines: string[] = [];
  const r = await runSandboxed(
    {
      argv,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', ...o.env },
      mounts: o.mounts,
      network: { kind: 'none' },
      limits: { ...DEFAULT_LIMITS, ...o.limits },
      hostname: 'goldsmith-tool',
      cwd: o.cwd,
    },
    {
      stdinFd: o.stdinFd,
      stdoutFd: o.stdoutFd,
      onOutput: (l) => {
        lines.push(l);
        if (lines.length > 20) lines.shift();
        o.onOutput?.(l);
      },
    },
  );
  if (r.exitCode !== 0) {
    const why = r.killed ? ` (killed: ${r.killed})` : '';
    throw new FailedError('IMAGE_TOOL_FAILED', `${argv[0]} exited with ${r.exitCode}${why}${lines.length ? `: ${lines.filter(Boolean).slice(-5).join(' | ')}` : ''}`, {
      where: argv.join(' ').slice(0, 300),
      data: { exitCode: r.exitCode, output: lines },
    });
  }
}

/** The host ids of the sandbox's root: the owner every image tree's `/` has on the host. */
export function sandboxRootIds(): { uid: number; gid: number } {
  const ids = sandboxIdRanges();
  return { uid: ids.uid.start, gid: ids.gid.start };
}

/** Make an empty directory the sandbox's root's own (where an image tree is unpacked into). */
export async function adoptEmptyDir(dir: string): Promise<void> {
  const { uid, gid } = sandboxRootIds();
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new FailedError('SANDBOX_NOT_A_DIRECTORY', `${dir} is not a directory`, { where: dir });
  await chown(dir, uid, gid);
}

/**
 * Run a host program in a tool sandbox and capture its stdout (at most `maxBytes`: past it the
 * program is stopped and IMAGE_TOOL_OUTPUT_TOO_LARGE thrown). Input comes on stdin only.
 */
export async function captureSandboxed(argv: string[], o: { stdinFd?: number; maxBytes: number; timeoutMs?: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  const abort = new AbortController();
  const stderr: string[] = [];
  const r = await runSandboxed(
    {
      argv,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
      mounts: [],
      network: { kind: 'none' },
      limits: { ...DEFAULT_LIMITS, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) },
      hostname: 'goldsmith-tool',
    },
    {
      stdinFd: o.stdinFd,
      signal: abort.signal,
      onOutput: (l) => stderr.push(l),
      onStdout: (c) => {
        size += c.length;
        if (size > o.maxBytes) {
          tooLarge = true;
          abort.abort();
          return;
        }
        chunks.push(c);
      },
    },
  );
  if (tooLarge) throw new FailedError('IMAGE_TOOL_OUTPUT_TOO_LARGE', `${argv[0]} printed more than ${o.maxBytes} bytes`, { where: argv.join(' ').slice(0, 300) });
  if (r.exitCode !== 0) {
    throw new FailedError('IMAGE_TOOL_FAILED', `${argv[0]} exited with ${r.exitCode}${r.killed ? ` (killed: ${r.killed})` : ''}: ${stderr.slice(-5).join(' | ')}`, {
      where: argv.join(' ').slice(0, 300),
      data: { exitCode: r.exitCode },
    });
  }
  return Buffer.concat(chunks);
}
