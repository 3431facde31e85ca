import { catalogRootfs } from '../../sbom/index.js';
import type { StepDefinition } from '../step.js';

/**
 * Inventory the customised, tattooed rootfs (dpkg/apk/rpm packages with source packages, licences,
 * OS identity). It runs before validation, as the seed orders it; the SBOM documents themselves are
 * rendered and signed by `attest` once the final rootfs digest (their subject) exists, re-checking the
 * inventory in case a repair step changed packages.
 */
export const sbom: StepDefinition = {
  name: 'sbom',
  description: 'inventory packages for the SBOM',
  rootfs: 'reads',
  async run(ctx) {
    const inv = await catalogRootfs(ctx.rootfs);
    const stored = await ctx.services.artifacts.putBytes(ctx.services.buildRegion, JSON.stringify(inv));
    ctx.log(`${inv.packages.length} packages on ${inv.os?.prettyName ?? 'unknown OS'}${inv.notes.length ? `; notes: ${inv.notes.join('; ')}` : ''}`);
    return {
      outputs: { inventoryDigest: stored.digest, packages: inv.packages.length, os: inv.os ?? null },
    };
  },
};
