import type { Command } from 'commander';
import { EXIT_CODES, InputError } from '../errors/index.js';
import type { RunRecord } from '../pipeline/run-store.js';
import type { CliContext } from './context.js';
import { emit, table } from './output.js';
import { progressRenderer } from './progress.js';

const FORMATS = ['raw', 'qcow2', 'vhd'] as const;

function parseOutputs(v: string | undefined): Array<(typeof FORMATS)[number]> | undefined {
  if (!v) return undefined;
  return v.split(',').map((f) => {
    if (!(FORMATS as readonly string[]).includes(f)) throw new InputError('CLI_BAD_OUTPUT', `unknown output format ${f} (use ${FORMATS.join(', ')})`);
    return f as (typeof FORMATS)[number];
  });
}

function finish(run: RunRecord): void {
  if (run.state === 'succeeded') return;
  process.exitCode = EXIT_CODES[run.state === 'needs-repair' ? 'needs-repair' : 'failed'];
}

function summary(run: RunRecord): Record<string, unknown> {
  const rb = run.outputs['resolve-base'] as { base?: { version: string }; version?: string } | undefined;
  return {
    id: run.id,
    template: run.templateName,
    kind: run.kind,
    state: run.state,
    base: rb?.base?.version,
    version: rb?.version,
    created: run.createdAt,
    finished: run.finishedAt,
  };
}

export function registerBuild(program: Command, ctx: CliContext): void {
  const build = program.command('build').description('build golden images from templates and follow runs');

  build
    .command('run <template>')
    .description('build (and publish) an image from a template, showing each step as it runs')
    .option('--version <x.y.z>', 'publish this exact gallery version instead of the template versioning')
    .option('--output <formats>', 'also produce disk images: raw,qcow2,vhd')
    .option('--quiet', 'show steps but not their output')
    .option('--json', 'print progress events as NDJSON')
    .action(async (file: string, o: { version?: string; output?: string; quiet?: boolean; json?: boolean }) => {
      const app = await ctx.app();
      const run = await app.builds.start(file, { params: { version: o.version, outputs: parseOutputs(o.output) }, onEvent: progressRenderer(o) });
      finish(run);
    });

  build
    .command('enqueue <template>')
    .description('queue a build for `goldsmith worker` and return at once with the run and job ids')
    .option('--version <x.y.z>', 'publish this exact gallery version instead of the template versioning')
    .option('--output <formats>', 'also produce disk images: raw,qcow2,vhd')
    .option('--json')
    .action(async (file: string, o: { version?: string; output?: string; json?: boolean }) => {
      const app = await ctx.app();
      const { run, job } = await app.buildJobs.enqueue(file, { params: { version: o.version, outputs: parseOutputs(o.output) } });
      emit(o, { ...summary(run), job: job.id }, () => `queued run ${run.id} (job ${job.id}); follow it with \`goldsmith build show ${run.id}\``);
    });

  build
    .command('resume <run>')
    .description('resume a stopped, failed or needs-repair run (re-reads the template)')
    .option('--quiet', 'show steps but not their output')
    .option('--json', 'print progress events as NDJSON')
    .action(async (id: string, o: { quiet?: boolean; json?: boolean }) => {
      const app = await ctx.app();
      finish(await app.builds.resume(id, { onEvent: progressRenderer(o) }));
    });

  build
    .command('list')
    .description('list build runs, newest first')
    .option('--template <name>')
    .option('--state <state>', 'queued | running | needs-repair | failed | succeeded')
    .option('--json')
    .action(async (o: { template?: string; state?: string; json?: boolean }) => {
      const app = await ctx.app();
      const runs = (await app.builds.list(o)).map(summary);
      emit(o, runs, () => table(runs));
    });

  build
    .command('show <run>')
    .description('show a run: its steps, timings, outputs and failed checks')
    .option('--json')
    .action(async (id: string, o: { json?: boolean }) => {
      const app = await ctx.app();
      const { run, steps } = await app.builds.show(id);
      emit(o, { ...run, steps: steps.map(({ log: _log, ...s }) => s) }, () => {
        const lines = [`run ${run.id}: ${run.templateName} (${run.kind}) — ${run.state}`];
        if (run.error) lines.push(`error ${run.error.code}: ${run.error.message}`);
        lines.push(table(steps.map((s) => ({ seq: s.seq, step: s.name, status: s.status, seconds: (s.durationMs / 1000).toFixed(1), finished: s.finishedAt }))));
        const v = run.outputs['validate'] as { checks?: Array<{ name: string; status: string; message: string }> } | undefined;
        const last = steps.filter((s) => s.name === 'validate').at(-1)?.result as { checks?: Array<{ name: string; status: string; message: string }> } | undefined;
        const checks = (v ?? last)?.checks?.filter((c) => c.status !== 'passed') ?? [];
        if (checks.length) lines.push('failed checks:', ...checks.map((c) => `  ${c.name}: ${c.message}`));
        return lines.join('\n');
      });
    });

  build
    .command('logs <run>')
    .description("print a run's step logs")
    .option('--step <name>', 'only this step')
    .option('--json')
    .action(async (id: string, o: { step?: string; json?: boolean }) => {
      const app = await ctx.app();
      const { steps } = await app.builds.show(id);
      const sel = steps.filter((s) => !o.step || s.name === o.step);
      emit(o, sel.map((s) => ({ seq: s.seq, step: s.name, status: s.status, log: s.log })), () =>
        sel.map((s) => `== ${s.seq} ${s.name} (${s.status})\n${s.log}`).join('\n'),
      );
    });
}
