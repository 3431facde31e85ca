import { FailedError } from '../../errors/index.js';
import type { StepDefinition } from '../step.js';
import type { PackagedArtifact } from './package.js';
import type { ResolveBaseOutputs } from './resolve-base.js';

/**
 * Replicate the artifacts into every target region, then make the version visible in the gallery in
 * the same transaction that marks the run succeeded. Replication copies content-addressed blobs, so a
 * run killed after it and before the commit leaves nothing visible and simply replicates (no-op) again.
 */
export const publish: StepDefinition = {
  name: 'publish',
  description: 'replicate to target regions and publish the gallery version',
  rootfs: 'none',
  async run(ctx) {
    const d = ctx.template.template.distribute;
    const rb = ctx.outputOf<ResolveBaseOutputs>('resolve-base');
    const { artifacts } = ctx.outputOf<{ artifacts: PackagedArtifact[] }>('package');
    const { tattoo } = ctx.outputOf<{ tattoo: Record<string, string> }>('tattoo');
    const { gallery, buildRegion } = ctx.services;

    await gallery.ensureGallery({ name: d.gallery });
    await gallery.ensureImageDefinition({
      gallery: d.gallery,
      name: d.image,
      identifier: d.identifier ?? { publisher: 'Goldsmith', offer: rb.base.offer, sku: d.image },
      osType: d.osType ?? 'Linux',
      osState: 'Generalized',
      hyperVGeneration: d.hyperVGeneration ?? 'V2',
      securityType: d.securityType,
    });
    const replication = await gallery.replicateArtifacts(
      artifacts.map((a) => a.digest),
      buildRegion,
      d.targetRegions,
      (p) => ctx.log(`replicate ${p.digest.slice(0, 19)}… → ${p.region} (${p.done}/${p.total})`),
    );
    const failed = replication.filter((r) => r.state !== 'Completed');
    if (failed.length) {
      throw new FailedError('PUBLISH_REPLICATION_FAILED', `replication failed to ${failed.map((r) => `${r.region}: ${r.details}`).join('; ')}`, {
        data: { replication },
      });
    }
    for (const r of replication) ctx.log(`region ${r.region}: ${r.state}, ${r.replicaCount} replica(s), ${r.copied} blob(s) copied`);
    const em = ctx.run.params.emergency;
    return {
      outputs: { gallery: d.gallery, image: d.image, version: rb.version, regions: replication.map((r) => r.region) },
      commit: async (tx) => {
        await gallery.publishVersion(
          {
            gallery: d.gallery,
            image: d.image,
            version: rb.version,
            location: buildRegion,
            targetRegions: d.targetRegions,
            excludeFromLatest: d.excludeFromLatest,
            endOfLifeDate: d.endOfLifeDate,
            publishedDate: tattoo['PUBLISH_DATE'],
            artifacts: artifacts.map((a) => ({ kind: a.kind, digest: a.digest, size: a.size })),
            tattoo,
            buildRunId: ctx.run.id,
            replication,
            metadata: {
              templateName: ctx.template.template.name,
              templateDigest: ctx.template.digest,
              base: rb.base,
              ...(em ? { emergency: em } : {}),
            },
          },
          tx,
        );
        ctx.log(`published ${d.gallery}/${d.image}/${rb.version}`);
      },
    };
  },
};
