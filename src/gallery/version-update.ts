import { ConflictError, InputError } from '../errors/index.js';
import { versionDocument } from './arm-documents.js';
import { upsertResource } from '../arm/index.js';
import { insertRegion, loadVersions } from './gallery-rows.js';
import { findVersion, type VersionRef } from './lookups.js';
import { replicateArtifacts } from './replication.js';
import { normalizeRegion } from './resource-ids.js';
import { ageBelow, assertRegionsKnown } from './version-publish.js';
import { collectGarbage } from './version-delete.js';
import type { ServiceContext } from './service-context.js';
import type { GalleryVersion, RegionReplicationResult, ReplicationProgress, TargetRegion } from './types.js';
import { checkTargetRegions, parseDate } from './validate-input.js';
import { parseVersion } from './version-number.js';

export interface UpdateVersionInput {
  excludeFromLatest?: boolean;
  /** Per-region exclusion, Azure's targetRegions[].excludeFromLatest. */
  regionExcludeFromLatest?: Array<{ region: string; excludeFromLatest: boolean }>;
  /** null clears it. */
  endOfLifeDate?: string | Date | null;
  /** New target regions; the artifacts are replicated into them first. */
  addRegions?: TargetRegion[];
  removeRegions?: string[];
  /** Shallow-merged into the version's free-form metadata (e.g. why it was excluded); a null value removes the key. */
  metadata?: Record<string, unknown>;
  onProgress?: (p: ReplicationProgress) => void;
}

export interface UpdateVersionResult {
  version: GalleryVersion;
  /** Replication of added regions; a Failed region is recorded with its details and is never latest there. */
  replication: RegionReplicationResult[];
}

export async function updateVersion(ctx: ServiceContext, ref: VersionRef, input: UpdateVersionInput): Promise<UpdateVersionResult> {
  const { version: before } = await findVersion(ctx.store, ref);
  if (before.deletedAt) throw new ConflictError('GALLERY_VERSION_DELETED', `version ${before.name} is soft-deleted; recover it before updating`, { where: before.id });
  const eol = input.endOfLifeDate === undefined ? undefined : input.endOfLifeDate === null ? null : parseDate(input.endOfLifeDate, 'endOfLifeDate');
  const perRegion = (input.regionExcludeFromLatest ?? []).map((r, i) => ({ region: normalizeRegion(r.region, `regionExcludeFromLatest/${i}/region`), value: r.excludeFromLatest }));
  const removed = (input.removeRegions ?? []).map((r, i) => normalizeRegion(r, `removeRegions/${i}`));
  const added = checkTargetRegions(input.addRegions ?? [], 'addRegions');
  assertRegionsKnown(before, perRegion.map((p) => p.region), 'regionExcludeFromLatest');
  assertRegionsKnown(before, removed, 'removeRegions');
  for (const a of added) {
    if (before.targetRegions.some((t) => t.name === a.name)) throw new InputError('GALLERY_DUPLICATE_REGION', `version ${before.name} already targets ${a.name}`, { where: 'addRegions' });
  }
  if (removed.length > 0 && !before.safetyProfile.allowDeletionOfReplicatedLocations) {
    throw new ConflictError('GALLERY_REGION_REMOVAL_BLOCKED', `version ${before.name} does not allow removing replicated regions (safetyProfile.allowDeletionOfReplicatedLocations is false)`, { where: before.id });
  }
  if (removed.includes(before.location)) {
    throw new ConflictError('GALLERY_SOURCE_REGION', `region ${before.location} holds the source artifacts of ${before.name} and cannot be removed`, { where: before.id });
  }
  if (before.targetRegions.length - removed.length + added.length < 1) {
    throw new InputError('GALLERY_NO_REGIONS', `version ${before.name} must keep at least one target region`, { where: 'removeRegions' });
  }

  // Copy before the transaction: blobs are content-addressed, so a copy nobody references yet is harmless.
  const replication = added.length
    ? await replicateArtifacts(ctx.artifacts, before.artifacts.map((a) => a.digest), before.location, added, input.onProgress)
    : [];
  const now = ctx.now().toISOString();
  const version = await ctx.store.tx(async (q) => {
    const changes: string[] = [];
    if (input.excludeFromLatest !== undefined && input.excludeFromLatest !== before.excludeFromLatest) {
      await q.query(`UPDATE gallery_versions SET exclude_from_latest = $2 WHERE id = $1`, [before.id, input.excludeFromLatest]);
      changes.push('excludeFromLatest');
      // A version that joins `latest` ages the ones below it, as if it had just published.
      if (!input.excludeFromLatest) await ageBelow(q, before.imageId, parseVersion(before.name), now);
    }
    for (const p of perRegion) {
      await q.query(`UPDATE gallery_version_regions SET exclude_from_latest = $3, updated_at = $4 WHERE version_id = $1 AND region = $2`, [before.id, p.region, p.value, now]);
      changes.push(`targetRegions/${p.region}/excludeFromLatest`);
    }
    if (eol !== undefined) {
      await q.query(`UPDATE gallery_versions SET end_of_life_date = $2 WHERE id = $1`, [before.id, eol]);
      changes.push('endOfLifeDate');
    }
    if (input.metadata && Object.keys(input.metadata).length) {
      const merged: Record<string, unknown> = { ...before.metadata };
      for (const [k, val] of Object.entries(input.metadata)) {
        if (val === null) delete merged[k];
        else merged[k] = val;
      }
      await q.query(`UPDATE gallery_versions SET metadata = $2 WHERE id = $1`, [before.id, merged]);
      changes.push(...Object.keys(input.metadata).map((k) => `metadata/${k}`));
    }
    for (const r of removed) {
      await q.query(`DELETE FROM gallery_version_regions WHERE version_id = $1 AND region = $2`, [before.id, r]);
      changes.push(`targetRegions/${r}-`);
    }
    const base = before.targetRegions.length + 1;
    for (const [i, t] of added.entries()) {
      const st = replication[i]!;
      await insertRegion(q, before.id, base + i, t, { region: t.name, state: st.state, details: st.details }, now);
      changes.push(`targetRegions/${t.name}+`);
    }
    const [after] = await loadVersions(q, `v.id = $1`, [before.id]);
    await upsertResource(q, versionDocument(after!), now);
    q.emit({ type: 'gallery.version.updated', subject: before.id, data: { changes } });
    return after!;
  });
  if (removed.length) await collectGarbage(ctx, before.artifacts.map((a) => a.digest), removed);
  return { version, replication };
}
