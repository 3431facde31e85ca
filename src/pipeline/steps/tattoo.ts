import { readOsVersion, tattooToRecord, writeTattoo, type Tattoo } from '../tattoo/index.js';
import type { StepDefinition } from '../step.js';
import type { ResolveBaseOutputs } from './resolve-base.js';

/** Write /etc/goldsmith/tattoo and IMAGE_ID/IMAGE_VERSION in os-release. The same record becomes
 * the gallery version's metadata at publish. Emergency builds add OOB=true, the CVEs and the patch date. */
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
    return { outputs: { tattoo: record } };
  },
};
