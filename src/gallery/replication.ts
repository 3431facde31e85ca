import { assertDigest, type ArtifactStore } from '../artifacts/index.js';
import type { RegionReplicationResult, ReplicationProgress, TargetRegion } from './types.js';
import { normalizeRegion } from './resource-ids.js';

/**
 * Copy content-addressed artifacts from `sourceRegion` into each target region's store. The artifact
 * store verifies every digest on the way, so a corrupt source never lands anywhere. A region that
 * fails is reported as data (state Failed with details); the other regions still replicate.
 */
export async function replicateArtifacts(
  artifacts: ArtifactStore,
  digests: readonly string[],
  sourceRegion: string,
  regions: readonly TargetRegion[],
  onProgress?: (p: ReplicationProgress) => void,
): Promise<RegionReplicationResult[]> {
  digests.forEach((d, i) => assertDigest(d, `digests/${i}`));
  const source = normalizeRegion(sourceRegion, 'sourceRegion');
  const unique = [...new Set(digests)];
  const out: RegionReplicationResult[] = [];
  for (const [i, r] of regions.entries()) {
    const region = normalizeRegion(r.name, `targetRegions/${i}/name`);
    let copied = 0;
    try {
      for (const d of unique) {
        const had = await artifacts.has(region, d);
        if (!had) {
          await artifacts.copy(d, source, region);
          copied++;
        }
        onProgress?.({ region, digest: d, done: unique.indexOf(d) + 1, total: unique.length });
      }
      out.push({ region, state: 'Completed', replicaCount: r.replicaCount, copied });
    } catch (e) {
      out.push({ region, state: 'Failed', details: (e as Error).message, replicaCount: r.replicaCount, copied });
    }
  }
  return out;
}
