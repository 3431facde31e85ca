import { bootProvesTrustedLaunch, type BootRecord } from '../attest/index.js';
import { ConflictError, InputError } from '../errors/index.js';
import type { Tx } from '../store/index.js';
import { versionDocument } from './arm-documents.js';
import { mergeIntoResources, upsertResource } from '../arm/index.js';
import { insertUnique } from './gallery-rows.js';
import { findGallery, findImage } from './lookups.js';
import { normalizeRegion, parseVersionId, versionId } from './resource-ids.js';
import { inTx, type ServiceContext } from './service-context.js';
import type { ArtifactRef, GalleryVersion, RegionReplicationStatus, SafetyProfile, StorageAccountType, TargetRegion } from './types.js';
import { checkArtifacts, checkReplicaCount, checkStorageType, checkTargetRegions, checkTattoo, parseDate } from './validate-input.js';
import { formatVersion, parseVersion, type VersionNumber } from './version-number.js';

export interface PublishVersionInput {
  gallery: string;
  image: string;
  version: string;
  /** Source region: where the artifacts were produced. Defaults to the gallery's location. */
  location?: string;
  /** Defaults to the source region with the default replica count. */
  targetRegions?: TargetRegion[];
  excludeFromLatest?: boolean;
  endOfLifeDate?: string | Date;
  publishedDate?: string | Date;
  replicaCount?: number;
  storageAccountType?: StorageAccountType;
  artifacts: ArtifactRef[];
  tattoo?: Record<string, string>;
  buildRunId?: string;
  safetyProfile?: Partial<SafetyProfile>;
  metadata?: Record<string, unknown>;
  /** What replicateArtifacts reported; a region reported Failed is refused. */
  replication?: readonly RegionReplicationStatus[];
}

/** Publish a version: one transaction writes it, its regions, its ARM document, and ages older versions. */
export async function publishVersion(ctx: ServiceContext, input: PublishVersionInput, tx?: Tx): Promise<GalleryVersion> {
  const number = parseVersion(input.version, 'version');
  const name = formatVersion(number);
  const artifacts = checkArtifacts(input.artifacts ?? []);
  const replicaCount = checkReplicaCount(input.replicaCount ?? 1, 'replicaCount');
  const storageAccountType = checkStorageType(input.storageAccountType, 'storageAccountType') ?? 'Standard_LRS';
  const endOfLifeDate = input.endOfLifeDate === undefined ? undefined : parseDate(input.endOfLifeDate, 'endOfLifeDate');
  const tattoo = checkTattoo(input.tattoo);
  const now = ctx.now().toISOString();
  const publishedDate = input.publishedDate === undefined ? now : parseDate(input.publishedDate, 'publishedDate');

  // Reads and filesystem checks first, so a refusal writes nothing even when the caller's tx goes on.
  const gallery = await findGallery(tx ?? ctx.store, input.gallery);
  const location = normalizeRegion(input.location ?? gallery.location, 'location');
  const targetRegions = checkTargetRegions(input.targetRegions?.length ? input.targetRegions : [{ name: location, replicaCount }]);
  for (const r of input.replication ?? []) {
    if (r.state === 'Failed' && targetRegions.some((t) => t.name === r.region)) {
      throw new ConflictError('GALLERY_REPLICATION_FAILED', `replication to ${r.region} failed: ${r.details ?? 'no details'}`, { where: `replication/${r.region}` });
    }
  }
  for (const t of targetRegions) {
    for (const a of artifacts) {
      if (!(await ctx.artifacts.has(t.name, a.digest))) {
        throw new ConflictError('GALLERY_NOT_REPLICATED', `artifact ${a.digest} (${a.kind}) is not in region ${t.name}; replicate the artifacts before publishing`, {
          where: `targetRegions/${t.name}`,
        });
      }
    }
  }

  return inTx(ctx, tx, async (q) => {
    const image = await findImage(q, gallery, input.image);
    const id = versionId(image.id, name);
    if (image.securityType?.startsWith('TrustedLaunch') && !bootProvesTrustedLaunch(input.metadata?.boot as BootRecord | undefined)) {
      throw new ConflictError(
        'GALLERY_TRUSTED_LAUNCH_UNPROVEN',
        `image definition ${gallery.name}/${image.name} declares securityType ${image.securityType}: a version needs a passing boot with Secure Boot enforced and a vTPM (metadata.boot from the build's boot step); this one has ${describeBoot(input.metadata?.boot as BootRecord | undefined)}`,
        { where: id },
      );
    }
    // One round trip: does this number exist (a soft-deleted one still holds it), and is a higher eligible version there?
    const [state] = await q.query<{ taken: boolean; held: boolean; higher: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM gallery_versions WHERE image_id = $1 AND major = $2 AND minor = $3 AND patch = $4) AS taken,
              EXISTS (SELECT 1 FROM gallery_versions WHERE image_id = $1 AND major = $2 AND minor = $3 AND patch = $4 AND deleted_at IS NOT NULL) AS held,
              EXISTS (SELECT 1 FROM gallery_versions WHERE image_id = $1 AND deleted_at IS NULL AND NOT exclude_from_latest
                        AND (major, minor, patch) > ($2, $3, $4)) AS higher`,
      [image.id, number.major, number.minor, number.patch],
    );
    if (state!.taken) {
      const held = state!.held ? ' (soft-deleted: its number is held until it is purged)' : '';
      throw new ConflictError('GALLERY_VERSION_EXISTS', `version ${name} of ${gallery.name}/${image.name} already exists${held}`, { where: id });
    }
    const version: GalleryVersion = {
      id,
      imageId: image.id,
      gallery: gallery.name,
      image: image.name,
      name,
      location,
      targetRegions,
      replicationStatus: targetRegions.map((t) => ({ region: t.name, state: 'Completed' })),
      excludeFromLatest: input.excludeFromLatest === true,
      replicaCount,
      storageAccountType,
      endOfLifeDate,
      publishedDate,
      artifacts,
      tattoo,
      buildRunId: input.buildRunId,
      safetyProfile: {
        blockDeletionBeforeEndOfLife: input.safetyProfile?.blockDeletionBeforeEndOfLife === true,
        allowDeletionOfReplicatedLocations: input.safetyProfile?.allowDeletionOfReplicatedLocations !== false,
      },
      metadata: input.metadata ?? {},
      // Aged at birth when a higher eligible version already exists (e.g. a hotfix to an older line).
      // Its own exclusion does not matter here: exclusion only stops a version from aging others.
      agedAt: state!.higher ? now : undefined,
    };
    const conflict = () => new ConflictError('GALLERY_VERSION_EXISTS', `version ${name} of ${gallery.name}/${image.name} already exists`, { where: id });
    await insertUnique(
      () =>
        q.query(
          `INSERT INTO gallery_versions (id, id_lower, image_id, name, major, minor, patch, location, exclude_from_latest, replica_count,
             storage_account_type, end_of_life_date, published_date, aged_at, block_deletion_before_eol, allow_deletion_of_replicated_locations,
             artifacts, tattoo, build_run_id, metadata)
           VALUES ($1, lower($1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
          [
            id, image.id, name, number.major, number.minor, number.patch, location, version.excludeFromLatest, replicaCount,
            storageAccountType, endOfLifeDate ?? null, publishedDate, version.agedAt ?? null, version.safetyProfile.blockDeletionBeforeEndOfLife,
            version.safetyProfile.allowDeletionOfReplicatedLocations, JSON.stringify(artifacts), tattoo, input.buildRunId ?? null, version.metadata,
          ],
        ),
      conflict,
    );
    await insertRegions(q, id, targetRegions, now);
    await upsertResource(q, versionDocument(version), now);
    q.emit({ type: 'gallery.version.published', subject: id, data: { version: name, image: image.id, regions: targetRegions.map((t) => t.name) } });
    if (!version.excludeFromLatest) await ageBelow(q, image.id, number, now);
    return version;
  });
}

/** All target regions of a new version in one statement. */
async function insertRegions(q: Tx, versionId: string, regions: readonly TargetRegion[], now: string): Promise<void> {
  const params: unknown[] = [versionId, now];
  const rows = regions.map((t, i) => {
    params.push(t.name, i, t.replicaCount, t.excludeFromLatest ?? false, t.storageAccountType ?? null);
    const b = params.length - 4;
    return `($1, $${b}, $${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, 'Completed', NULL, $2::timestamptz)`;
  });
  await q.query(
    `INSERT INTO gallery_version_regions (version_id, region, ordinal, replica_count, exclude_from_latest, storage_account_type, state, details, updated_at)
     VALUES ${rows.join(', ')}`,
    params,
  );
}

/** Mark every version below `number` aged (once), and keep their ARM documents in step. */
export async function ageBelow(q: Tx, imageId: string, number: VersionNumber, now: string): Promise<string[]> {
  const aged = await q.query<{ id: string }>(
    `UPDATE gallery_versions SET aged_at = $5::timestamptz
     WHERE image_id = $1 AND aged_at IS NULL AND (major, minor, patch) < ($2, $3, $4) RETURNING id`,
    [imageId, number.major, number.minor, number.patch, now],
  );
  const ids = aged.map((r) => r.id);
  await mergeIntoResources(q, ids, ['properties', 'goldsmith'], { lifecycle: 'aged', agedAt: now }, now);
  for (const id of ids) {
    q.emit({ type: 'gallery.version.aged', subject: id, data: { by: formatVersion(number), version: parseVersionId(id).version } });
  }
  return ids;
}

export function assertRegionsKnown(v: GalleryVersion, regions: readonly string[], where: string): void {
  for (const r of regions) {
    if (!v.targetRegions.some((t) => t.name === r)) {
      throw new InputError('GALLERY_REGION_NOT_TARGETED', `version ${v.name} has no target region ${r}`, { where });
    }
  }
}


function describeBoot(b: BootRecord | undefined): string {
  if (!b) return 'no boot result';
  if (!b.ok) return `a failed boot (${b.reason ?? 'unknown reason'})`;
  if (!b.secureBoot.enforced || !b.secureBoot.verified) return 'a boot without Secure Boot verified';
  return 'a boot without a vTPM and measured boot';
}
