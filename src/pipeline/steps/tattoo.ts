import { bootableTreeProblems, bootLayout, installBootConfig } from '../../image/index.js';
import { readOsVersion, tattooToRecord, writeTattoo, type Tattoo } from '../tattoo/index.js';
import type { StepDefinition } from '../step.js';
import type { ResolveBaseOutputs } from './resolve-base.js';

/** Write /etc/goldsmith/tattoo and IMAGE_ID/IMAGE_VERSION in os-release. The same record becomes
 * the gallery version's metadata at publish. Emergency builds add OOB=true, the CVEs and the patch date.
 * A tree that can boot (kernel, shim, signed grub, systemd) also gets its boot configuration here,
 * after customisation and before validation, so checks see the fstab and grub.cfg the disk boots with. */
export const tattoo: StepDefinition = {
  name: 'tattoo',
  description: 'tattoo the image (source, OS, version, date, build)',
  rootfs: 'mutates',
  async run(ctx) {
    const rb = ctx.outputOf<ResolveBaseOutputs>('resolve-base');
    const em = ctx.run.params.emergency;
    const t: Tattoo = {
      sourcePublisher: rb.base.publisher,
      sourceOffer: rb.base.offer,
      sourceSku: rb.base.sku,
      sourceVersion: rb.base.version,
      osVersion: await readOsVersion(ctx.rootfs),
      imageName: rb.image,
      imageVersion: rb.version,
      publishDate: ctx.services.clock().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      buildId: ctx.run.id,
      templateDigest: ctx.template.digest,
      gallery: rb.gallery,
      ...(em ? { oob: true, ...(em.cves.length ? { cveIds: em.cves } : {}), ...(em.advisories?.length ? { advisoryIds: em.advisories } : {}), patchDate: em.patchDate } : {}),
    };
    await writeTattoo(ctx.rootfs, t);
    const record = tattooToRecord(t);
    for (const [k, v] of Object.entries(record)) ctx.log(`${k}=${v}`);
    return { outputs: { tattoo: record, boot: await makeBootable(ctx.rootfs, `${rb.gallery}/${rb.image}/${rb.version}:${ctx.run.id}`, ctx.log) } };
  },
};

export interface TattooBootOutputs {
  /** Whether the tree has what a UEFI boot needs; false lists what is missing. */
  bootable: boolean;
  /** The seed of the disk layout (bootLayout) whose UUIDs fstab and grub.cfg name. */
  layoutSeed?: string;
  missing?: string[];
}

/** Write fstab and grub.cfg for the run's disk layout when the tree can boot; say why not otherwise. */
async function makeBootable(rootfs: string, seed: string, log: (line: string) => void): Promise<TattooBootOutputs> {
  const missing = await bootableTreeProblems(rootfs);
  if (missing.length) {
    log(`not bootable (a root filesystem only): ${missing.join('; ')}`);
    return { bootable: false, missing };
  }
  const layout = bootLayout(seed);
  await installBootConfig(rootfs, layout);
  log(`boot configuration: root ext4 UUID ${layout.root.fsUuid}, ESP ${layout.esp.volumeId}`);
  return { bootable: true, layoutSeed: seed };
}
