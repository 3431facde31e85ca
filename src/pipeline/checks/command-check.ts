import type { runInRoot as RunInRoot } from '../../sandbox/index.js';
import { broken, fail, pass, type CheckOutcome } from './check-result.js';

export const COMMAND_OUTPUT_LINES = 20;

export interface CommandCheckOptions {
  runInRoot: typeof RunInRoot;
  timeoutMs?: number;
  /** Checks examine the image, not the internet: no network unless asked. */
  network?: boolean;
  onOutput?: (line: string) => void;
}

function tail(output: string): string {
  const lines = output.replace(/\n+$/, '').split('\n');
  const kept = lines.slice(-COMMAND_OUTPUT_LINES);
  const cut = lines.length - kept.length;
  return (cut > 0 ? `… (${cut} earlier lines)\n` : '') + kept.join('\n');
}

/** Exit status 0 passes. The message ends with the last lines of output, which is what people need to see. */
export async function commandCheck(root: string, run: string, o: CommandCheckOptions): Promise<CheckOutcome> {
  const timeoutMs = o.timeoutMs ?? 5 * 60_000;
  let r;
  try {
    r = await o.runInRoot(root, run, { network: o.network ?? false, timeoutMs, onOutput: o.onOutput });
  } catch (e) {
    return broken(`could not run the command: ${(e as Error).message}`);
  }
  const out = r.output.trim() === '' ? '(no output)' : tail(r.output);
  if (r.exitCode === 0) return pass(`exited 0 in ${r.durationMs} ms\n${out}`);
  const timedOut = r.durationMs >= timeoutMs && r.exitCode >= 128;
  return fail(`expected exit status 0; ${timedOut ? `killed after the ${timeoutMs} ms timeout` : `exited ${r.exitCode}`}\n${out}`);
}
