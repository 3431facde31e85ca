import type { StepDefinition } from '../step.js';
import { DEFAULT_SOURCE_DATE_EPOCH } from '../../catalog/index.js';
import { isGoldsmithError } from '../../errors/index.js';
import { nextVersion } from '../../gallery/index.js';
import { versionFromSource } from '../../template/index.js';

export interface ResolveBaseOutputs {
  base: { publisher: string; offer: string; sku: string; version: string; requested: string; digest: string; cached: boolean };
  sourceDateEpoch: number;
  /** The package mirror the base (and customisation) installs from, for provenance. */
  mirror?: string;
  gallery: string;
  image: string;
  version: string;
}

/** Resolve the catalog reference to an exact version, make sure the base rootfs exists (building it
 * once, then cached by recipe digest), and fix the gallery version this run will publish. */
export const resolveBase: StepDefinition = {
  name: 'resolve-base',
  description: 'resolve the base image and the version to publish',
  rootfs: 'none',
  async run(ctx) {
    const t = ctx.template.template;
    const { catalog, gallery } = ctx.services;
    const entry = await catalog.resolve(t.source);
    ctx.log(`base ${t.source.publisher}:${t.source.offer}:${t.source.sku}:${t.source.version} → ${entry.version}`);
    const art = await catalog.ensureArtifact(entry, { onOutput: ctx.log });
    ctx.log(`base rootfs ${art.digest}${art.cached ? ' (cached)' : ''}`);
    const d = t.distribute;
    let version: string;
    if (ctx.run.params.version) version = ctx.run.params.version;
    else if (d.versioning.scheme === 'explicit') version = d.versioning.version;
    else if (d.versioning.scheme === 'source') version = versionFromSource(entry.version);
    else {
      const major = d.versioning.scheme === 'latest' ? d.versioning.major : undefined;
      // The gallery and definition are created at publish; before the first publish there is nothing to count.
      version = await gallery.nextVersion(d.gallery, d.image, major).catch((e: unknown) => {
        if (isGoldsmithError(e) && e.kind === 'not-found') return nextVersion([], major);
        throw e;
      });
    }
    ctx.log(`will publish ${d.gallery}/${d.image} version ${version}`);
    const out: ResolveBaseOutputs = {
      base: {
        publisher: entry.publisher,
        offer: entry.offer,
        sku: entry.sku,
        version: entry.version,
        requested: t.source.version,
        digest: art.digest,
        cached: art.cached,
      },
      sourceDateEpoch: entry.recipe?.sourceDateEpoch ?? DEFAULT_SOURCE_DATE_EPOCH,
      ...(entry.recipe?.mirror ? { mirror: entry.recipe.mirror } : {}),
      gallery: d.gallery,
      image: d.image,
      version,
    };
    return { outputs: out as unknown as Record<string, unknown> };
  },
};
