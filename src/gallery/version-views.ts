import type { Queryable } from '../store/index.js';
import { latestByRegion, resolveLatest } from './latest.js';
import { lifecycleState } from './lifecycle.js';
import type { GalleryVersion, GalleryVersionView, ImageDefinition } from './types.js';

/** Turn stored versions into views: lifecycle from the clock, latest markers from the pure resolver. */
export function toViews(versions: readonly GalleryVersion[], image: ImageDefinition, now: Date): GalleryVersionView[] {
  const candidates = versions.map((v) => ({ v, ...candidateOf(v) }));
  const globalLatest = resolveLatest(candidates);
  const byRegion = latestByRegion(candidates);
  return versions.map((v) => ({
    ...v,
    lifecycle: lifecycleState({ ...v, definitionEndOfLifeDate: image.endOfLifeDate }, now),
    isLatest: globalLatest?.v.id === v.id,
    latestIn: v.targetRegions.map((t) => t.name).filter((r) => byRegion.get(r)?.v.id === v.id),
  }));
}

export function candidateOf(v: GalleryVersion) {
  return {
    version: v.name,
    excludeFromLatest: v.excludeFromLatest,
    deleted: !!v.deletedAt,
    regions: v.targetRegions.map((t) => ({
      name: t.name,
      excludeFromLatest: t.excludeFromLatest,
      state: v.replicationStatus.find((s) => s.region === t.name)?.state,
    })),
  };
}

/**
 * The fast path for `latest`: walks the (image_id, major, minor, patch) index from the top and stops
 * at the first eligible row. Same rule as latest.ts (tests hold the two to the same answers).
 */
export async function latestVersionId(q: Queryable, imageId: string, region?: string): Promise<string | undefined> {
  const rows =
    region === undefined
      ? await q.query<{ id: string }>(
          `SELECT v.id FROM gallery_versions v
           WHERE v.image_id = $1 AND v.deleted_at IS NULL AND NOT v.exclude_from_latest
           ORDER BY v.major DESC, v.minor DESC, v.patch DESC LIMIT 1`,
          [imageId],
        )
      : await q.query<{ id: string }>(
          `SELECT v.id FROM gallery_versions v
           WHERE v.image_id = $1 AND v.deleted_at IS NULL AND NOT v.exclude_from_latest
             AND EXISTS (SELECT 1 FROM gallery_version_regions r
                         WHERE r.version_id = v.id AND r.region = $2 AND r.state = 'Completed' AND NOT r.exclude_from_latest)
           ORDER BY v.major DESC, v.minor DESC, v.patch DESC LIMIT 1`,
          [imageId, region],
        );
  return rows[0]?.id;
}

/**
 * One version's view without loading its siblings: where it is latest, computed by the same indexed
 * walk for every region it targets (and globally), in one round trip.
 */
export async function viewOne(q: Queryable, v: GalleryVersion, image: ImageDefinition, now: Date): Promise<GalleryVersionView> {
  // A join (not EXISTS) inside the correlated subquery: EXISTS there gets planned as a hashed scan of
  // every row of the region, while the join walks the version index from the top and stops early.
  const rows = await q.query<{ region: string | null; latest_id: string | null }>(
    `SELECT NULL::text AS region,
            (SELECT v.id FROM gallery_versions v WHERE v.image_id = $1 AND v.deleted_at IS NULL AND NOT v.exclude_from_latest
             ORDER BY v.major DESC, v.minor DESC, v.patch DESC LIMIT 1) AS latest_id
     UNION ALL
     SELECT t.region,
            (SELECT v.id FROM gallery_versions v
               JOIN gallery_version_regions r ON r.version_id = v.id AND r.region = t.region AND r.state = 'Completed' AND NOT r.exclude_from_latest
             WHERE v.image_id = $1 AND v.deleted_at IS NULL AND NOT v.exclude_from_latest
             ORDER BY v.major DESC, v.minor DESC, v.patch DESC LIMIT 1)
     FROM gallery_version_regions t WHERE t.version_id = $2`,
    [v.imageId, v.id],
  );
  const isLatest = rows.some((r) => r.region === null && r.latest_id === v.id);
  const latestIn = v.targetRegions.map((t) => t.name).filter((name) => rows.some((r) => r.region === name && r.latest_id === v.id));
  return { ...v, lifecycle: lifecycleState({ ...v, definitionEndOfLifeDate: image.endOfLifeDate }, now), isLatest, latestIn };
}
