import { mkdir, rm } from 'node:fs/promises';
import { unpackRootfs } from '../../image/index.js';
import type { StepDefinition } from '../step.js';
import type { ResolveBaseOutputs } from './resolve-base.js';

/** Unpack the base rootfs into the run's working directory (from the content-addressed store). */
export const prepare: StepDefinition = {
  name: 'prepare',
  description: 'unpack the base root filesystem',
  rootfs: 'creates',
  checkpoint: (o) => o.baseDigest as string,
  async run(ctx) {
    const { base } = ctx.outputOf<ResolveBaseOutputs>('resolve-base');
    await rm(ctx.rootfs, { recursive: true, force: true });
    await mkdir(ctx.rootfs, { recursive: true });
    await unpackRootfs(await ctx.services.artifacts.localPath(ctx.services.buildRegion, base.digest), ctx.rootfs);
    ctx.log(`unpacked ${base.digest}`);
    return { outputs: { baseDigest: base.digest } };
  },
};
