import type { PipelineEvent } from '../pipeline/events.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Renders pipeline progress: NDJSON with --json, step lines with elapsed time otherwise; step output
 * is shown indented unless --quiet. Writes to stderr in human mode so stdout stays parseable. */
export function progressRenderer(opts: { json?: boolean; quiet?: boolean }): (e: PipelineEvent) => void {
  const out = (s: string) => process.stderr.write(s + '\n');
  let runStart = Date.now();
  return (e) => {
    if (opts.json) {
      process.stdout.write(JSON.stringify(e) + '\n');
      return;
    }
    const elapsed = `[${secs(Date.now() - runStart).padStart(6)}]`;
    switch (e.type) {
      case 'run.start':
        runStart = Date.now();
        out(`${e.resumed ? 'resuming' : 'building'} ${e.template} (run ${e.runId}) from ${e.from}`);
        break;
      case 'run.restore':
        out(`${elapsed} restoring working rootfs from ${e.from}: ${e.reason}`);
        break;
      case 'step.start':
        out(`${elapsed} ▶ ${e.step}: ${e.description}`);
        break;
      case 'step.output':
        if (!opts.quiet) out(`           │ ${e.line}`);
        break;
      case 'step.end':
        out(`${elapsed} ${e.status === 'succeeded' ? '✔' : '✘'} ${e.step} ${e.status} in ${secs(e.durationMs)}${e.error ? `: ${e.error}` : ''}`);
        break;
      case 'run.end':
        out(`run ${e.runId} ${e.state} in ${secs(e.durationMs)}${e.error ? ` — ${e.error.code}: ${e.error.message}` : ''}`);
        break;
    }
  };
}
