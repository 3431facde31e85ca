import { makeDiskImage, packRootfs } from '../../image/index.js';
import type { StepDefinition } from '../step.js';
import type { ResolveBaseOutputs } from './resolve-base.js';

export interface PackagedArtifact {
  kind: 'rootfs' | 'raw' | 'qcow2' | 'vhd';
  digest: string;
  size: number;
}

/** Archive the validated rootfs (.tar.zst, always) and the requested disk images into the build region. */
export const packageImage: StepDefinition = {
  name: 'package',
  description: 'archive the rootfs and make disk images',
  rootfs: 'reads',
  async run(ctx) {
    const { sourceDateEpoch, image, version } = ctx.outputOf<ResolveBaseOutputs>('resolve-base');
    const { artifacts, buildRegion } = ctx.services;
    const out: PackagedArtifact[] = [];
    const r = await artifacts.putWith(buildRegion, (tmp) => packRootfs(ctx.rootfs, tmp, { sourceDateEpoch }));
    out.push({ kind: 'rootfs', ...r });
    ctx.log(`rootfs.tar.zst ${r.digest} (${(r.size / 1e6).toFixed(1)} MB)`);
    const formats = [...new Set([...(ctx.template.template.distribute.outputs ?? []), ...(ctx.run.params.outputs ?? [])])];
    for (const format of formats) {
      const d = await artifacts.putWith(buildRegion, async (tmp) => {
        await makeDiskImage(ctx.rootfs, tmp, { format, sourceDateEpoch, label: `${image}-${version}`.slice(0, 16), onOutput: ctx.log });
      });
      out.push({ kind: format, ...d });
      ctx.log(`${format} disk image ${d.digest} (${(d.size / 1e6).toFixed(1)} MB)`);
    }
    return { outputs: { artifacts: out, rootfsDigest: r.digest } };
  },
};
