import type { Queryable } from '../store/index.js';
import type {
  ArtifactRef,
  Gallery,
  GalleryVersion,
  ImageDefinition,
  RegionReplicationStatus,
  StorageAccountType,
  TargetRegion,
} from './types.js';

/** Row ↔ domain mapping and the SQL the service shares. No business rules here. */
type Row = Record<string, unknown>;
const opt = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export function toGallery(r: Row): Gallery {
  return {
    id: String(r.id),
    subscription: String(r.subscription),
    resourceGroup: String(r.resource_group),
    name: String(r.name),
    location: String(r.location),
    description: opt(r.description),
    softDeleteRetentionDays: Number(r.soft_delete_retention_days),
    createdAt: String(r.created_at),
  };
}

export function toImage(r: Row): ImageDefinition {
  return {
    id: String(r.id),
    galleryId: String(r.gallery_id),
    gallery: String(r.gallery_name),
    name: String(r.name),
    identifier: { publisher: String(r.publisher), offer: String(r.offer), sku: String(r.sku) },
    osType: r.os_type as ImageDefinition['osType'],
    osState: r.os_state as ImageDefinition['osState'],
    hyperVGeneration: r.hyper_v_generation as ImageDefinition['hyperVGeneration'],
    securityType: opt(r.security_type) as ImageDefinition['securityType'],
    architecture: r.architecture as ImageDefinition['architecture'],
    endOfLifeDate: opt(r.end_of_life_date),
    description: opt(r.description),
    createdAt: String(r.created_at),
  };
}

export const IMAGE_SELECT = `SELECT i.*, g.name AS gallery_name FROM gallery_images i JOIN gallery_galleries g ON g.id = i.gallery_id`;

// Regions ride along as one jsonb array per version: one round trip, and far fewer rows than a join
// (row transfer, not planning, dominates listing thousands of versions on PGlite).
const VERSION_SELECT = `SELECT v.*, i.name AS image_name, g.name AS gallery_name,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('region', r.region, 'replica_count', r.replica_count, 'exclude_from_latest', r.exclude_from_latest,
        'storage_account_type', r.storage_account_type, 'state', r.state, 'details', r.details) ORDER BY r.ordinal), '[]'::jsonb)
     FROM gallery_version_regions r WHERE r.version_id = v.id) AS regions
  FROM gallery_versions v JOIN gallery_images i ON i.id = v.image_id JOIN gallery_galleries g ON g.id = i.gallery_id`;

/** Load versions with their regions: `where` filters gallery_versions aliased `v`. */
export async function loadVersions(q: Queryable, where: string, params: unknown[]): Promise<GalleryVersion[]> {
  const rows = await q.query<Row>(`${VERSION_SELECT} WHERE ${where} ORDER BY v.major, v.minor, v.patch`, params);
  return rows.map((r) => toVersion(r, (r.regions ?? []) as Row[]));
}

function toVersion(r: Row, regions: Row[]): GalleryVersion {
  const targetRegions: TargetRegion[] = regions.map((x) => ({
    name: String(x.region),
    replicaCount: Number(x.replica_count),
    excludeFromLatest: Boolean(x.exclude_from_latest),
    ...(x.storage_account_type ? { storageAccountType: x.storage_account_type as StorageAccountType } : {}),
  }));
  const replicationStatus: RegionReplicationStatus[] = regions.map((x) => ({
    region: String(x.region),
    state: x.state as RegionReplicationStatus['state'],
    ...(x.details ? { details: String(x.details) } : {}),
  }));
  return {
    id: String(r.id),
    imageId: String(r.image_id),
    gallery: String(r.gallery_name),
    image: String(r.image_name),
    name: String(r.name),
    location: String(r.location),
    targetRegions,
    replicationStatus,
    excludeFromLatest: Boolean(r.exclude_from_latest),
    replicaCount: Number(r.replica_count),
    storageAccountType: r.storage_account_type as StorageAccountType,
    endOfLifeDate: opt(r.end_of_life_date),
    publishedDate: String(r.published_date),
    artifacts: (r.artifacts ?? []) as ArtifactRef[],
    tattoo: (r.tattoo ?? {}) as Record<string, string>,
    buildRunId: opt(r.build_run_id),
    safetyProfile: {
      blockDeletionBeforeEndOfLife: Boolean(r.block_deletion_before_eol),
      allowDeletionOfReplicatedLocations: Boolean(r.allow_deletion_of_replicated_locations),
    },
    metadata: (r.metadata ?? {}) as Record<string, unknown>,
    agedAt: opt(r.aged_at),
    deletedAt: opt(r.deleted_at),
    purgeAfter: opt(r.purge_after),
  };
}

export async function insertRegion(q: Queryable, versionId: string, ordinal: number, t: TargetRegion, status: RegionReplicationStatus, at: string): Promise<void> {
  await q.query(
    `INSERT INTO gallery_version_regions (version_id, region, ordinal, replica_count, exclude_from_latest, storage_account_type, state, details, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [versionId, t.name, ordinal, t.replicaCount, t.excludeFromLatest ?? false, t.storageAccountType ?? null, status.state, status.details ?? null, at],
  );
}

/**
 * Two writers racing past the existence check both reach the INSERT; the unique index stops the
 * second. Turn that into the same typed conflict the check would have raised.
 */
export async function insertUnique<T>(write: () => Promise<T>, conflict: () => Error): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if ((e as { code?: string })?.code === '23505') throw conflict();
    throw e;
  }
}
