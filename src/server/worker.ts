/**
 * The worker `serve` runs in its own process by default: with the embedded store no other process
 * can open the data directory, so queued builds and scans would otherwise never run.
 */
import { hostname } from 'node:os';
import type { App } from '../app/index.js';
import { jobHandlers } from '../app/job-handlers.js';
import { Worker } from '../jobs/index.js';

export function startInProcessWorker(app: App, log: (msg: string) => void, opts: { pollMs?: number } = {}): Worker {
  const worker = new Worker(app.jobs, jobHandlers(app), {
    id: `serve:${hostname()}:${process.pid}`,
    pollMs: opts.pollMs ?? 1000,
    tickMs: 30_000,
    tick: async () => {
      const { failed } = await app.buildJobs.enqueueDueSchedules();
      for (const f of failed) log(`a scheduled build could not be queued: ${(f.error as Error)?.message ?? String(f.error)}`);
    },
    onEvent: (e) => {
      if (e.type === 'job.finished') log(`job ${e.job} (${e.kind}) ${e.state}${e.error ? `: ${e.error.code}` : ''}`);
    },
  });
  void worker.run();
  return worker;
}
