import { runInImage, type ImageRunOptions, type SandboxRun } from '../sandbox/index.js';

export type RunResult = SandboxRun;

export interface RunOptions extends Omit<ImageRunOptions, 'network'> {
  /** The configured package mirrors (through the builder's proxy); default true. False: no network. */
  network?: boolean;
}

/**
 * Run a shell script inside a root filesystem. Everything the pipeline runs on image content goes
 * through here into the sandbox (src/sandbox): root inside is an unprivileged id outside, the image
 * is `/` after pivot_root, and the host is out of sight.
 */
export function runInRoot(root: string, script: string, opts: RunOptions = {}): Promise<RunResult> {
  return runInImage(root, script, { ...opts, network: opts.network ?? true });
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
