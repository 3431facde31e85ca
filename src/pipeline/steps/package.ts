import { bootLayout, makeBootableDisk, makeDiskImage, packRootfs, type DiskFormat } from '../../image/index.js';
import type { StepContext, StepDefinition } from '../step.js';
import type { ResolveBaseOutputs } from './resolve-base.js';
import type { TattooBootOutputs } from './tattoo.js';

export interface PackagedArtifact {
  kind: 'rootfs' | 'raw' | 'qcow2' | 'vhd';
  digest: string;
  size: number;
}

export interface PackageOutputs {
  artifacts: PackagedArtifact[];
  rootfsDigest: string;
}

/** Archive the validated rootfs (.tar.zst, always) and the requested disk images into the build region. */
export const packageImage: StepDefinition = {
  name: 'package',
  description: 'archive the rootfs and make disk images',
  rootfs: 'reads',
  async run(ctx) {
    return { outputs: { ...(await packageRootfs(ctx)) } };
  },
};

/**
 * The artifacts of the rootfs as it is now. A bootable image always gets its raw disk: it is the
 * one the boot step deploys and tests, and the other formats are conversions of the same layout.
 * The boot step calls this again after a repair changed the rootfs.
 */
export async function packageRootfs(ctx: StepContext): Promise<PackageOutputs> {
  const { sourceDateEpoch, image, version } = ctx.outputOf<ResolveBaseOutputs>('resolve-base');
  const boot = ctx.outputOf<{ boot?: TattooBootOutputs }>('tattoo').boot;
  const { artifacts, buildRegion } = ctx.services;
  const out: PackagedArtifact[] = [];
  const r = await artifacts.putWith(buildRegion, (tmp) => packRootfs(ctx.rootfs, tmp, { sourceDateEpoch }));
  out.push({ kind: 'rootfs', ...r });
  ctx.log(`rootfs.tar.zst ${r.digest} (${(r.size / 1e6).toFixed(1)} MB)`);
  const requested = [...new Set([...(ctx.template.template.distribute.outputs ?? []), ...(ctx.run.params.outputs ?? [])])];
  const formats: DiskFormat[] = boot?.bootable ? ['raw', ...requested.filter((f) => f !== 'raw')] : requested;
  for (const format of formats) {
    const d = await artifacts.putWith(buildRegion, async (tmp) => {
      if (boot?.bootable) await makeBootableDisk(ctx.rootfs, tmp, { format, sourceDateEpoch, layout: bootLayout(boot.layoutSeed!), onOutput: ctx.log });
      else await makeDiskImage(ctx.rootfs, tmp, { format, sourceDateEpoch, label: `${image}-${version}`.slice(0, 16), onOutput: ctx.log });
    });
    out.push({ kind: format, ...d });
    ctx.log(`${format} ${boot?.bootable ? 'bootable GPT disk' : 'filesystem image'} ${d.digest} (${(d.size / 1e6).toFixed(1)} MB)`);
  }
  return { artifacts: out, rootfsDigest: r.digest };
}

/** The artifacts to attest and publish: the boot step's when a repair made new ones, else package's. */
export function finalArtifacts(ctx: StepContext): PackageOutputs {
  const repaired = ctx.run.outputs['boot'] as Partial<PackageOutputs> | undefined;
  return repaired?.artifacts && repaired.rootfsDigest ? (repaired as PackageOutputs) : ctx.outputOf<PackageOutputs>('package');
}
