import type { Command } from 'commander';
import { hostname } from 'node:os';
import { jobHandlers } from '../app/job-handlers.js';
import { InputError } from '../errors/index.js';
import { Worker, type WorkerEvent } from '../jobs/index.js';
import type { PipelineEvent } from '../pipeline/events.js';
import type { CliContext } from './context.js';

function positive(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InputError('CLI_BAD_OPTION', `--${name} must be a positive number, not ${JSON.stringify(v)}`, { where: `--${name}` });
  return n;
}

/** One line per worker event on stderr, or NDJSON on stdout (worker events, and build progress tagged with its job). */
function workerRenderer(json: boolean) {
  const line = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');
  const say = (s: string) => process.stderr.write(`${new Date().toISOString()} ${s}\n`);
  return {
    worker(e: WorkerEvent): void {
      if (json) return line(e);
      if (e.type === 'worker.start') say(`worker ${e.worker}: ${e.concurrency} slot(s) for ${e.kinds.join(', ')}`);
      else if (e.type === 'job.claimed') say(`job ${e.job} (${e.kind}) claimed, attempt ${e.attempt}`);
      else if (e.type === 'job.finished') say(`job ${e.job} (${e.kind}) ${e.state} in ${(e.durationMs / 1000).toFixed(1)}s${e.error ? ` — ${e.error.code}: ${e.error.message}` : ''}`);
      else if (e.type === 'job.lost') say(`job ${e.job} (${e.kind}) is no longer this worker's (its lease expired and another worker took it, or it was cancelled)`);
      else if (e.type === 'worker.tick-failed') say(`scheduling failed — ${e.error.code}: ${e.error.message}`);
      else say(`worker ${e.worker} stopped`);
    },
    build(job: number, e: PipelineEvent): void {
      if (json && e.type !== 'step.output') return line({ job, ...e });
      if (!json && e.type === 'run.start') say(`job ${job}: ${e.resumed ? 'resuming' : 'building'} ${e.template} (run ${e.runId}) from ${e.from}`);
      if (!json && e.type === 'step.end') say(`job ${job}: ${e.step} ${e.status}`);
    },
  };
}

export function registerWorker(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description('run queued jobs (builds, scheduled builds, compliance scans) until SIGTERM; any number of workers may share one PostgreSQL store and artifact store')
    .option('--id <name>', 'worker name recorded on the jobs it holds (default host:pid)')
    .option('--concurrency <n>', 'jobs run at once', '1')
    .option('--lease <seconds>', 'how long a job stays this worker\'s without a heartbeat', '60')
    .option('--poll <seconds>', 'pause between looks at an empty queue', '2')
    .option('--schedule-every <seconds>', 'how often to queue builds whose schedule fired', '30')
    .option('--json', 'print worker and build events as NDJSON')
    .action(async (o: { id?: string; concurrency?: string; lease?: string; poll?: string; scheduleEvery?: string; json?: boolean }) => {
      const app = await ctx.app();
      const render = workerRenderer(Boolean(o.json));
      const id = o.id ?? `${hostname()}:${process.pid}`;
      const worker = new Worker(app.jobs, jobHandlers(app, { onBuildEvent: (job, e) => render.build(job.id, e) }), {
        id,
        concurrency: Math.floor(positive('concurrency', o.concurrency, 1)),
        leaseMs: positive('lease', o.lease, 60) * 1000,
        pollMs: positive('poll', o.poll, 2) * 1000,
        tickMs: positive('schedule-every', o.scheduleEvery, 30) * 1000,
        tick: async () => {
          const { failed } = await app.buildJobs.enqueueDueSchedules();
          for (const f of failed) render.worker({ type: 'worker.tick-failed', worker: id, error: { code: (f.error as { code?: string }).code ?? 'SCHEDULE_ENQUEUE_FAILED', message: (f.error as Error).message ?? String(f.error) } });
        },
        onEvent: (e) => render.worker(e),
      });
      // SIGTERM/SIGINT: stop claiming; a running build finishes its current step and hands its job
      // back (the run stays resumable), so stopping never waits for a whole build.
      const stop = () => void worker.stop();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        await worker.run();
      } finally {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      }
    });
}
