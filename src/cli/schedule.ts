import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT_CODES } from '../errors/index.js';
import type { CliContext } from './context.js';
import { emit, printJson, table, type OutputOptions } from './output.js';
import { progressRenderer } from './progress.js';

export function registerSchedule(program: Command, ctx: CliContext): void {
  const schedule = program.command('schedule').description("scheduled rebuilds from templates' schedule.cron (run `schedule run` from a timer)");
  schedule
    .command('add <template>')
    .description("register a template for rebuilds on its schedule.cron (UTC)")
    .option('--json', 'print JSON')
    .action(async (file: string, o: OutputOptions) => {
      const s = await (await ctx.app()).schedules.add(file);
      emit(o, s, () => `scheduled ${s.templateName} (${s.templateFile}) at "${s.cron}" UTC`);
    });
  schedule
    .command('remove <template>')
    .option('--json', 'print JSON')
    .action(async (file: string, o: OutputOptions) => {
      await (await ctx.app()).schedules.remove(file);
      if (o.json) printJson({ removed: resolve(file) });
    });
  schedule
    .command('list')
    .option('--json')
    .action(async (o: { json?: boolean }) => {
      const rows = await (await ctx.app()).schedules.list();
      emit(o, rows, () => table(rows.map((r) => ({ template: r.templateName, cron: r.cron, next: r.nextRun, lastRun: r.lastRunId, file: r.templateFile }))));
    });
  schedule
    .command('run')
    .description('housekeeping for a timer: purge soft-deleted versions past retention, then build every template whose schedule fired')
    .option('--dry-run', 'only list what is due')
    .option('--quiet')
    .option('--json')
    .action(async (o: { dryRun?: boolean; quiet?: boolean; json?: boolean }) => {
      const app = await ctx.app();
      if (o.dryRun) {
        const due = await app.schedules.due();
        emit(o, due, () => table(due.map((d) => ({ template: d.templateName, due: d.dueAt, file: d.templateFile }))));
        return;
      }
      const purged = await app.gallery.purgeExpired();
      if (!o.json && !o.quiet) process.stderr.write(`purged expired soft-deleted versions: ${JSON.stringify(purged)}\n`);
      const runs = await app.schedules.runDue(progressRenderer(o));
      if (!o.json) process.stderr.write(`${runs.length} scheduled build(s): ${runs.map((r) => `${r.id} ${r.state}`).join(', ') || 'nothing due'}\n`);
      if (runs.some((r) => r.state !== 'succeeded')) process.exitCode = EXIT_CODES.failed;
    });
}
