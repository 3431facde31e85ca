import { runInImage, type ImageRunOptions } from './run-in-image.js';
import type { SandboxRun } from './run-sandboxed.js';

export type RunResult = SandboxRun;

export interface RunOptions extends Omit<ImageRunOptions, 'network'> {
  /** The configured package mirrors (through the builder's proxy); default true. False: no network. */
  network?: boolean;
}

/**
 * Run a shell script inside a root filesystem, with the mirrors by default. What the pipeline and
 * the vulnerability service's mirror probe run on image content goes through here: root inside is
 * an unprivileged id outside, the image is `/` after pivot_root, and the host is out of sight.
 */
export function runInRoot(root: string, script: string, opts: RunOptions = {}): Promise<RunResult> {
  return runInImage(root, script, { ...opts, network: opts.network ?? true });
}

/** One word for sh, whatever it contains. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
