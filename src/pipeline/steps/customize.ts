import { FailedError } from '../../errors/index.js';
import { packRootfs } from '../../image/index.js';
import type { CustomizeStep } from '../../template/types.js';
import { runInRoot } from '../../sandbox/index.js';
import { GENERALIZE_SCRIPT } from '../customize/generalize.js';
import { installPolicyRcD } from '../customize/stage.js';
import { runCustomizeStep } from '../customize/run-step.js';
import type { StepDefinition } from '../step.js';
import type { ResolveBaseOutputs } from './resolve-base.js';

/** The template's customize steps, then (for emergency builds) the pinned fixes, then generalisation.
 * The customised rootfs is archived reproducibly: its digest is the build's reproducibility witness
 * (same template revision + same base ⇒ same digest) and the checkpoint later steps restore from. */
export const customize: StepDefinition = {
  name: 'customize',
  description: 'run the customize steps inside the image',
  rootfs: 'mutates',
  checkpoint: (o) => o.customizedDigest as string,
  async run(ctx) {
    const t = ctx.template.template;
    const steps: Array<{ step: CustomizeStep; where: string }> = t.customize.map((step, i) => ({ step, where: `/customize/${i}` }));
    const pins = ctx.run.params.emergency?.pins ?? [];
    if (pins.length) steps.push({ step: { type: 'packages', name: 'emergency-fix', install: pins }, where: '/params/emergency/pins' });

    await installPolicyRcD(ctx.rootfs);

    const timings: Array<{ name: string; type: string; durationMs: number }> = [];
    for (const { step, where } of steps) {
      ctx.log(`── ${step.name} (${step.type})`);
      const { durationMs } = await runCustomizeStep(step, { rootfs: ctx.rootfs, baseDir: ctx.template.baseDir, exec: runInRoot, log: ctx.log }, where);
      timings.push({ name: step.name, type: step.type, durationMs });
    }
    ctx.log('── generalize');
    const g = await runInRoot(ctx.rootfs, GENERALIZE_SCRIPT, { onOutput: ctx.log, network: false });
    if (g.exitCode !== 0) throw new FailedError('CUSTOMIZE_GENERALIZE_FAILED', `generalize exited ${g.exitCode}`, { data: { tail: g.output.slice(-2000) } });

    const { sourceDateEpoch } = ctx.outputOf<ResolveBaseOutputs>('resolve-base');
    const stored = await ctx.services.artifacts.putWith(ctx.services.buildRegion, (tmp) => packRootfs(ctx.rootfs, tmp, { sourceDateEpoch }));
    ctx.log(`customized rootfs ${stored.digest} (${(stored.size / 1e6).toFixed(1)} MB)`);
    return { outputs: { customizedDigest: stored.digest, customizedSize: stored.size, steps: timings } };
  },
};
