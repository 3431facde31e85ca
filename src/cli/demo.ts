import type { Command } from 'commander';
import { demoGallerySummary, runDemo } from '../demo/index.js';
import { EXIT_CODES } from '../errors/index.js';
import type { CliContext } from './context.js';
import { progressRenderer } from './progress.js';

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('build and publish two versions of a hardened Debian 12 golden image, then show the gallery')
    .option('--quiet', 'show steps but not their output')
    .option('--json', 'print progress as NDJSON and the result as the last line')
    .action(async (o: { quiet?: boolean; json?: boolean }) => {
      const app = await ctx.app();
      const say = (s: string) => process.stderr.write(`\n${s}\n`);
      const started = Date.now();
      const res = await runDemo(app, { say, onEvent: progressRenderer({ quiet: o.quiet ?? true, json: o.json }) });
      const failed = res.runs.some((r) => r.state !== 'succeeded');
      if (failed) process.exitCode = EXIT_CODES.failed;
      if (o.json) {
        process.stdout.write(JSON.stringify({ template: res.template, reproducible: res.reproducible, runs: res.runs.map((r) => ({ id: r.id, state: r.state })) }) + '\n');
        return;
      }
      if (failed) return;
      const v = res.runs.map((r) => (r.outputs['resolve-base'] as { version: string }).version);
      process.stdout.write(
        [
          '',
          `Gallery contoso / debian12-hardened (demo done in ${((Date.now() - started) / 1000).toFixed(0)} s):`,
          await demoGallerySummary(app, 'contoso', 'debian12-hardened'),
          '',
          'Try next:',
          '  npx goldsmith gallery version list contoso debian12-hardened',
          `  npx goldsmith build show ${res.runs[1]!.id}`,
          `  npx goldsmith gallery version update contoso debian12-hardened ${v[1]} --exclude-from-latest true   # latest falls back to ${v[0]}`,
          `  npx goldsmith template plan ${res.template}`,
          `  npx goldsmith build run ${res.template} --output qcow2`,
          '',
        ].join('\n'),
      );
    });
}
