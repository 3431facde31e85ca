import { hygieneChecks, runChecks, type CheckResult } from '../checks/index.js';
import { runCustomizeStep } from '../customize/run-step.js';
import { runInRoot } from '../../sandbox/index.js';
import { AptPackageArchive } from '../secrets/index.js';
import { tattooFromRecord } from '../tattoo/index.js';
import type { StepContext, StepDefinition } from '../step.js';

// One per process: each package's archive is fetched once, however many builds and repair rounds ask.
let packageArchive: AptPackageArchive | undefined;

async function checkAll(ctx: StepContext): Promise<CheckResult[]> {
  const t = ctx.template.template;
  const { tattoo } = ctx.outputOf<{ tattoo: Record<string, string> }>('tattoo');
  const results = [...(await runChecks(ctx.rootfs, t.validate.checks, { runInRoot, tattoo: tattooFromRecord(tattoo) })), ...(await hygieneChecks(ctx.rootfs, { packageArchive: (packageArchive ??= new AptPackageArchive()) }))];
  for (const r of results) ctx.log(`${r.status === 'passed' ? 'pass' : r.status === 'failed' ? 'FAIL' : 'ERROR'}  ${r.name}: ${r.message}`);
  return results;
}

/**
 * Run the template's checks and the hygiene checks. Failed checks bound to repair steps run those
 * repairs and the checks run again, at most `maxRepairAttempts` times. Anything still failing stops
 * the run in `needs-repair`: a failure goes back to customisation, never to publishing.
 */
export const validate: StepDefinition = {
  name: 'validate',
  description: 'run validation checks (with bounded repair)',
  rootfs: 'mutates',
  async run(ctx) {
    const t = ctx.template.template;
    const attempts: Array<{ attempt: number; failed: string[]; repaired: string[] }> = [];
    let results = await checkAll(ctx);
    for (let attempt = 1; attempt <= t.validate.maxRepairAttempts; attempt++) {
      const failed = results.filter((r) => r.status !== 'passed');
      if (failed.length === 0) break;
      const repairs = [...new Set(failed.flatMap((r) => r.repair ?? []))];
      if (repairs.length === 0) break;
      ctx.log(`repair attempt ${attempt}: ${repairs.join(', ')}`);
      for (const name of repairs) {
        for (const [i, step] of (t.repair[name] ?? []).entries()) {
          await runCustomizeStep(step, { rootfs: ctx.rootfs, baseDir: ctx.template.baseDir, exec: runInRoot, log: ctx.log }, `/repair/${name}/${i}`);
        }
      }
      attempts.push({ attempt, failed: failed.map((r) => r.name), repaired: repairs });
      results = await checkAll(ctx);
    }
    const failed = results.filter((r) => r.status !== 'passed');
    const summary = { passed: results.length - failed.length, failed: failed.length, checks: results, repairAttempts: attempts };
    if (failed.length) {
      ctx.log(`${failed.length} check(s) failed: ${failed.map((r) => r.name).join(', ')}`);
      return { outputs: summary, status: 'needs-repair' };
    }
    return { outputs: summary };
  },
};
