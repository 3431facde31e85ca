import { spawn, type ChildProcess } from 'node:child_process';
import { FailedError } from '../errors/index.js';

/** Receives tool output line by line (stdout and stderr interleaved), for progress displays and logs. */
export type OutputListener = (line: string) => void;

export interface ToolOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onOutput?: OutputListener;
  /** Exit codes that count as success (GNU tar uses 1 for "file changed as we read it"; we treat that as failure by default). */
  okCodes?: number[];
  /** A file descriptor to give the tool as stdin (default: none). */
  stdinFd?: number;
}

const TAIL_LINES = 20;

/** Splits a byte stream into lines for the listener and keeps the last few for the error message. */
function lineSink(onOutput: OutputListener | undefined, tail: string[]): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      onOutput?.(line);
    }
  };
}

/** 'close' waits for the child's pipes too; a producer whose stdout was handed to another child never closes it here, so callers wait for 'exit'. */
function waitFor(child: ChildProcess, name: string, event: 'close' | 'exit' = 'close'): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', (e) =>
      reject(new FailedError('IMAGE_TOOL_MISSING', `cannot run ${name}: ${e.message} (scripts/setup.sh installs it)`, { cause: e })),
    );
    child.once(event, (code: number | null, signal: NodeJS.Signals | null) => resolve(code ?? (signal ? 128 : 1)));
  });
}

function failure(cmd: string, args: readonly string[], code: number, tail: string[]): FailedError {
  const shown = [cmd, ...args].join(' ');
  return new FailedError('IMAGE_TOOL_FAILED', `${cmd} exited with ${code}${tail.length ? `: ${tail.filter(Boolean).slice(-5).join(' | ')}` : ''}`, {
    where: shown.length > 300 ? shown.slice(0, 300) + '…' : shown,
    data: { exitCode: code, output: tail },
  });
}

/** Run one tool to completion; stdout and stderr go to onOutput. Throws FailedError on a non-zero exit. */
export async function runTool(cmd: string, args: readonly string[], opts: ToolOptions = {}): Promise<void> {
  const tail: string[] = [];
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: [opts.stdinFd ?? 'ignore', 'pipe', 'pipe'] });
  const sink = lineSink(opts.onOutput, tail);
  child.stdout!.on('data', sink);
  child.stderr!.on('data', sink);
  const code = await waitFor(child, cmd);
  if (code !== 0 && !(opts.okCodes ?? []).includes(code)) throw failure(cmd, args, code, tail);
}

/**
 * Run a tool and capture its stdout (small outputs: qemu-img info, dumpe2fs, a file out of an
 * archive). More than `maxBytes` of output (default 64 MiB) kills the tool and fails with
 * IMAGE_TOOL_OUTPUT_TOO_LARGE: the output may come from image content, which can be any size.
 */
export async function captureTool(cmd: string, args: readonly string[], opts: Omit<ToolOptions, 'onOutput'> & { maxBytes?: number } = {}): Promise<string> {
  const tail: string[] = [];
  const out: Buffer[] = [];
  const max = opts.maxBytes ?? 64 * 1024 * 1024;
  let total = 0;
  let overflow = false;
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => {
    if (overflow) return;
    total += c.length;
    if (total > max) {
      overflow = true;
      out.length = 0;
      child.kill('SIGKILL');
      return;
    }
    out.push(c);
  });
  child.stderr!.on('data', lineSink(undefined, tail));
  const code = await waitFor(child, cmd);
  if (overflow) {
    const shown = [cmd, ...args].join(' ');
    throw new FailedError('IMAGE_TOOL_OUTPUT_TOO_LARGE', `${cmd} printed more than ${max} bytes; refused`, {
      where: shown.length > 300 ? shown.slice(0, 300) + '…' : shown,
      data: { maxBytes: max },
    });
  }
  if (code !== 0 && !(opts.okCodes ?? []).includes(code)) throw failure(cmd, args, code, tail);
  return Buffer.concat(out).toString('utf8');
}

/**
 * Run `producer | consumer` with the consumer's stdout going to a file descriptor, and fail if either
 * side fails (the shell's pipefail, without a shell).
 */
export async function runPipe(
  producer: { cmd: string; args: readonly string[] },
  consumer: { cmd: string; args: readonly string[] },
  stdoutFd: number,
  opts: ToolOptions = {},
): Promise<void> {
  const tail: string[] = [];
  const sink = lineSink(opts.onOutput, tail);
  const env = opts.env ?? process.env;
  const a = spawn(producer.cmd, producer.args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const b = spawn(consumer.cmd, consumer.args, { cwd: opts.cwd, env, stdio: [a.stdout!, stdoutFd, 'pipe'] });
  a.stderr!.on('data', sink);
  b.stderr!.on('data', sink);
  const [ca, cb] = await Promise.all([waitFor(a, producer.cmd, 'exit'), waitFor(b, consumer.cmd)]);
  if (ca !== 0 && !(opts.okCodes ?? []).includes(ca)) throw failure(producer.cmd, producer.args, ca, tail);
  if (cb !== 0) throw failure(consumer.cmd, consumer.args, cb, tail);
}
