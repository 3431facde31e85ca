import type { Command } from 'commander';
import { InputError, UsageError } from '../errors/index.js';
import type { Job, JobState } from '../jobs/index.js';
import type { CliContext } from './context.js';
import { emit, table } from './output.js';

const STATES: readonly JobState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

function jobId(v: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(v)) throw new UsageError('USAGE_INVALID_ARGUMENT', `job id must be a positive integer, not ${JSON.stringify(v)}`, { where: v });
  return Number(v);
}

const row = (j: Job) => ({ id: j.id, kind: j.kind, state: j.state, attempts: `${j.attempts}/${j.maxAttempts}`, owner: j.leaseOwner, created: j.createdAt, finished: j.finishedAt, error: j.error?.code });

/** `goldsmith job …`: look at and cancel queued work (what `goldsmith worker` processes run). */
export function registerJobs(program: Command, ctx: CliContext): void {
  const job = program.command('job').description('the job queue that `goldsmith worker` processes run (builds, scheduled builds)');
  job
    .command('list')
    .description('list jobs, newest first')
    .option('--state <state>', STATES.join(' | '))
    .option('--kind <kind>', 'e.g. build')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json')
    .action(async (o: { state?: string; kind?: string; limit?: string; json?: boolean }) => {
      if (o.state && !STATES.includes(o.state as JobState)) throw new InputError('CLI_BAD_OPTION', `unknown job state ${o.state} (use ${STATES.join(', ')})`, { where: '--state' });
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InputError('CLI_BAD_OPTION', `--limit must be an integer from 1 to 1000, not ${JSON.stringify(o.limit)}`, { where: '--limit' });
      const jobs = await (await ctx.app()).jobs.list({ state: o.state as JobState | undefined, kind: o.kind, limit });
      emit(o, jobs, () => table(jobs.map(row)));
    });
  job
    .command('show <id>')
    .description('show one job: payload, lease, result or error')
    .option('--json')
    .action(async (id: string, o: { json?: boolean }) => {
      const j = await (await ctx.app()).jobs.get(jobId(id));
      emit(o, j, () => JSON.stringify(j, null, 2));
    });
  job
    .command('cancel <id>')
    .description('cancel a job that has not finished (a running build stops after its current step)')
    .option('--json')
    .action(async (id: string, o: { json?: boolean }) => {
      const j = await (await ctx.app()).jobs.cancel(jobId(id));
      emit(o, j, () => `job ${j.id} cancelled`);
    });
}
