import type { Job, JobHandler } from '../jobs/index.js';
import type { PipelineEvent } from '../pipeline/events.js';
import type { App } from './index.js';

/** Payload of a `scan` job: the ARM scope to evaluate (everything when absent). */
export interface ScanJobPayload {
  scope?: string;
}

/**
 * Every job kind a worker runs, over one app: what `goldsmith worker` and the server's in-process
 * worker use. A handler must be safe to run again after its worker died (the job is taken up anew):
 * builds resume their run, a scan rewrites the same results.
 */
export function jobHandlers(app: App, opts: { onBuildEvent?: (job: Job, e: PipelineEvent) => void } = {}): Record<string, JobHandler> {
  return {
    build: app.buildJobs.handler(opts.onBuildEvent),
    scan: async (job) => {
      const report = await app.compliance.scan((job.payload as ScanJobPayload).scope);
      return { state: 'succeeded', result: { ...report } };
    },
  };
}
