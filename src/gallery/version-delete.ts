import { ConflictError } from '../errors/index.js';
import type { Tx } from '../store/index.js';
import { versionDocument } from './arm-documents.js';
import { deleteResource, upsertResource } from '../arm/index.js';
import { loadVersions } from './gallery-rows.js';
import { isPast } from './lifecycle.js';
import { galleryId, parseVersionId } from './resource-ids.js';
import { findGallery, findVersion, type VersionRef } from './lookups.js';
import type { ServiceContext } from './service-context.js';
import type { GalleryVersion } from './types.js';

const DAY_MS = 86_400_000;

/**
 * Soft delete: the version leaves `latest` and the resources table at once (as in Azure, where a
 * soft-deleted version no longer answers GET) but keeps its row, its number and its blobs until it
 * is purged, explicitly or when the gallery's retention has passed.
 */
export async function deleteVersion(ctx: ServiceContext, ref: VersionRef): Promise<GalleryVersion> {
  return ctx.store.tx(async (q) => {
    const { version: v } = await findVersion(q, ref);
    if (v.deletedAt) throw new ConflictError('GALLERY_VERSION_DELETED', `version ${v.name} is already soft-deleted (purge after ${v.purgeAfter})`, { where: v.id });
    const now = ctx.now();
    if (v.safetyProfile.blockDeletionBeforeEndOfLife && !isPast(v.endOfLifeDate, now)) {
      const when = v.endOfLifeDate ? `its end of life ${v.endOfLifeDate}` : 'an end-of-life date is set and has passed';
      throw new ConflictError('GALLERY_DELETION_BLOCKED', `version ${v.name} blocks deletion before end of life (safetyProfile.blockDeletionBeforeEndOfLife); wait until ${when}`, {
        where: v.id,
        data: { endOfLifeDate: v.endOfLifeDate ?? null },
      });
    }
    // By id, not by name: a gallery name may exist in several resource groups.
    const at = parseVersionId(v.id);
    const gallery = await findGallery(q, galleryId(at.subscription, at.resourceGroup, at.gallery));
    const purgeAfter = new Date(now.getTime() + gallery.softDeleteRetentionDays * DAY_MS).toISOString();
    await q.query(`UPDATE gallery_versions SET deleted_at = $2, purge_after = $3 WHERE id = $1`, [v.id, now.toISOString(), purgeAfter]);
    await deleteResource(q, v.id);
    q.emit({ type: 'gallery.version.deleted', subject: v.id, data: { purgeAfter } });
    return { ...v, deletedAt: now.toISOString(), purgeAfter };
  });
}

export async function recoverVersion(ctx: ServiceContext, ref: VersionRef): Promise<GalleryVersion> {
  return ctx.store.tx(async (q) => {
    const { version: v } = await findVersion(q, ref);
    if (!v.deletedAt) throw new ConflictError('GALLERY_VERSION_NOT_DELETED', `version ${v.name} is not soft-deleted; nothing to recover`, { where: v.id });
    const now = ctx.now();
    if (isPast(v.purgeAfter, now)) {
      throw new ConflictError('GALLERY_RECOVERY_EXPIRED', `version ${v.name} was deleted ${v.deletedAt} and its retention ended ${v.purgeAfter}; it can only be purged`, { where: v.id });
    }
    await q.query(`UPDATE gallery_versions SET deleted_at = NULL, purge_after = NULL WHERE id = $1`, [v.id]);
    const [after] = await loadVersions(q, `v.id = $1`, [v.id]);
    await upsertResource(q, versionDocument(after!), now.toISOString());
    q.emit({ type: 'gallery.version.recovered', subject: v.id });
    return after!;
  });
}

export interface PurgeResult {
  purged: string[];
  blobsRemoved: number;
}

/** Purge a soft-deleted version now (its number becomes free), then drop blobs nothing references. */
export async function purgeVersion(ctx: ServiceContext, ref: VersionRef): Promise<PurgeResult> {
  const v = await ctx.store.tx(async (q) => {
    const { version } = await findVersion(q, ref);
    if (!version.deletedAt) throw new ConflictError('GALLERY_VERSION_NOT_DELETED', `version ${version.name} must be soft-deleted before it is purged`, { where: version.id });
    await purgeRow(q, version);
    return version;
  });
  return { purged: [v.id], blobsRemoved: await collectGarbageFor(ctx, [v]) };
}

/** Purge every soft-deleted version whose retention has ended. */
export async function purgeExpired(ctx: ServiceContext): Promise<PurgeResult> {
  const now = ctx.now().toISOString();
  const gone = await ctx.store.tx(async (q) => {
    const expired = await loadVersions(q, `v.deleted_at IS NOT NULL AND v.purge_after <= $1`, [now]);
    for (const v of expired) await purgeRow(q, v);
    return expired;
  });
  return { purged: gone.map((v) => v.id), blobsRemoved: await collectGarbageFor(ctx, gone) };
}

async function purgeRow(q: Tx, v: GalleryVersion): Promise<void> {
  await q.query(`DELETE FROM gallery_versions WHERE id = $1`, [v.id]);
  await deleteResource(q, v.id);
  q.emit({ type: 'gallery.version.purged', subject: v.id });
}

async function collectGarbageFor(ctx: ServiceContext, versions: readonly GalleryVersion[]): Promise<number> {
  let n = 0;
  for (const v of versions) {
    // The source region's copy belongs to whoever produced it (the pipeline); only replicas are ours to drop.
    const regions = v.targetRegions.map((t) => t.name).filter((r) => r !== v.location);
    n += await collectGarbage(ctx, v.artifacts.map((a) => a.digest), regions);
  }
  return n;
}

/** Remove each digest from each region unless a remaining gallery version still uses it there. */
export async function collectGarbage(ctx: ServiceContext, digests: readonly string[], regions: readonly string[]): Promise<number> {
  let removed = 0;
  for (const region of regions) {
    for (const digest of new Set(digests)) {
      const used = await ctx.store.query(
        `SELECT 1 FROM gallery_versions v
         WHERE v.artifacts @> $1::jsonb
           AND (v.location = $2 OR EXISTS (SELECT 1 FROM gallery_version_regions r WHERE r.version_id = v.id AND r.region = $2))
         LIMIT 1`,
        [JSON.stringify([{ digest }]), region],
      );
      if (used.length === 0 && (await ctx.artifacts.has(region, digest))) {
        await ctx.artifacts.remove(region, digest);
        removed++;
      }
    }
  }
  return removed;
}
