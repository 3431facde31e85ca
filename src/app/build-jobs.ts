import type { LoadedTemplate } from '../template/types.js';
import type { Job, JobHandler, JobOutcome } from '../jobs/index.js';
import { JobQueue } from '../jobs/index.js';
import type { BuildService } from '../pipeline/build-service.js';
import type { PipelineListener } from '../pipeline/events.js';
import type { RunKind, RunParams, RunRecord } from '../pipeline/run-store.js';
import type { ScheduleService } from '../pipeline/schedule.js';

export interface BuildJobPayload {
  runId: string;
}

/**
 * Builds as jobs: what the server's `POST` of a build and `goldsmith worker` use. Enqueueing creates
 * the run (state queued) and its job in one transaction and returns at once; a worker executes the
 * run with the same Runner the CLI uses, and a worker taking the job over after another died resumes
 * the run from its last finished step.
 */
export class BuildJobs {
  constructor(
    readonly queue: JobQueue,
    private builds: BuildService,
    private schedules: ScheduleService,
  ) {}

  /** Queue a build; the run record (state queued) and its job exist when this returns. */
  async enqueue(templateFile: string | LoadedTemplate, opts: { kind?: RunKind; params?: RunParams; maxAttempts?: number } = {}): Promise<{ run: RunRecord; job: Job<BuildJobPayload> }> {
    let job: Job<BuildJobPayload> | undefined;
    const run = await this.builds.enqueue(templateFile, async (tx, r) => {
      job = await this.queue.enqueue<BuildJobPayload>('build', { runId: r.id }, { maxAttempts: opts.maxAttempts }, tx);
    }, opts);
    return { run, job: job! };
  }

  /** Queue one build per due schedule occurrence (exactly once across workers; see ScheduleService.enqueueDue). */
  enqueueDueSchedules() {
    return this.schedules.enqueueDue((file, claim) =>
      this.builds.enqueue(file, async (tx, run) => {
        await claim(tx, run);
        await this.queue.enqueue<BuildJobPayload>('build', { runId: run.id }, {}, tx);
      }, { kind: 'scheduled' }),
    );
  }

  /**
   * The worker's handler for `build` jobs. A run that ends failed or needs-repair fails its job
   * without a retry (the run says why; `build resume` is the way on); a run stopped between steps
   * because the worker is stopping hands the job back for another worker to resume.
   */
  handler(onEvent?: (job: Job, e: Parameters<PipelineListener>[0]) => void): JobHandler {
    return async (job, ctx): Promise<JobOutcome> => {
      const { runId } = job.payload as unknown as BuildJobPayload;
      const run = await this.builds.executeQueued(runId, { signal: ctx.signal, onEvent: onEvent && ((e) => onEvent(job, e)) });
      const result = { runId, state: run.state };
      if (run.state === 'running' || run.state === 'queued') return { state: 'released' };
      if (run.state === 'succeeded') return { state: 'succeeded', result };
      return { state: 'failed', result, error: { code: run.error?.code ?? 'BUILD_STEP_CRASHED', message: run.error?.message ?? `run ${runId} ended ${run.state}` } };
    };
  }
}
