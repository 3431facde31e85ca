import type { ArtifactStore } from '../artifacts/index.js';
import { ConflictError, InputError, type ErrorCode } from '../errors/index.js';
import type { Store, Tx } from '../store/index.js';
import { galleryDocument, imageDocument } from './arm-documents.js';
import { deleteResource, upsertResource } from '../arm/index.js';
import { IMAGE_SELECT, insertUnique, loadVersions, toGallery, toImage } from './gallery-rows.js';
import { findGallery, findImage, findVersion, type VersionRef } from './lookups.js';
import { nextVersion } from './next-version.js';
import { replicateArtifacts } from './replication.js';
import { assertGalleryName, assertImageName, assertScopeName, galleryId, imageId, normalizeRegion } from './resource-ids.js';
import { inTx, type ServiceContext } from './service-context.js';
import {
  DEFAULT_LOCATION,
  DEFAULT_RESOURCE_GROUP,
  DEFAULT_SOFT_DELETE_RETENTION_DAYS,
  DEFAULT_SUBSCRIPTION,
  type Gallery,
  type GalleryVersion,
  type GalleryVersionView,
  type ImageDefinition,
  type RegionReplicationResult,
  type ReplicationProgress,
  type TargetRegion,
} from './types.js';
import { checkImageInput, sameDefinition, type ImageDefinitionInput } from './image-input.js';
import { deleteVersion, purgeExpired, purgeVersion, recoverVersion, type PurgeResult } from './version-delete.js';
import { publishVersion, type PublishVersionInput } from './version-publish.js';
import { updateVersion, type UpdateVersionInput, type UpdateVersionResult } from './version-update.js';
import { latestVersionId, toViews, viewOne } from './version-views.js';

export interface GalleryInput {
  name: string;
  subscription?: string;
  resourceGroup?: string;
  location?: string;
  description?: string;
  softDeleteRetentionDays?: number;
}

export interface GalleryServiceOptions {
  clock?: () => Date;
}

/** Azure Compute Gallery semantics over the Store port: galleries → image definitions → versions. */
export class GalleryService {
  private readonly ctx: ServiceContext;
  constructor(store: Store, artifacts: ArtifactStore, opts: GalleryServiceOptions = {}) {
    const clock = opts.clock ?? (() => new Date());
    this.ctx = { store, artifacts, now: clock };
  }

  // ── galleries ────────────────────────────────────────────────────────────
  async createGallery(input: GalleryInput, tx?: Tx): Promise<Gallery> {
    const g = this.galleryFromInput(input);
    return inTx(this.ctx, tx, async (q) => {
      const clash = await q.query(`SELECT 1 FROM gallery_galleries WHERE id_lower = lower($1)`, [g.id]);
      if (clash.length) throw new ConflictError('GALLERY_EXISTS', `gallery ${g.name} already exists in ${g.resourceGroup}`, { where: g.id });
      await insertUnique(
        () =>
          q.query(
            `INSERT INTO gallery_galleries (id, id_lower, subscription, resource_group, name, location, description, soft_delete_retention_days, created_at)
             VALUES ($1, lower($1), $2, $3, $4, $5, $6, $7, $8)`,
            [g.id, g.subscription, g.resourceGroup, g.name, g.location, g.description ?? null, g.softDeleteRetentionDays, g.createdAt],
          ),
        () => new ConflictError('GALLERY_EXISTS', `gallery ${g.name} already exists in ${g.resourceGroup}`, { where: g.id }),
      );
      await upsertResource(q, galleryDocument(g), g.createdAt);
      q.emit({ type: 'gallery.created', subject: g.id });
      return g;
    });
  }

  /** Create the gallery unless one with that name exists in the same scope (then return it). */
  async ensureGallery(input: GalleryInput, tx?: Tx): Promise<Gallery> {
    const g = this.galleryFromInput(input);
    const rows = await (tx ?? this.ctx.store).query(`SELECT * FROM gallery_galleries WHERE id_lower = lower($1)`, [g.id]);
    return rows.length ? toGallery(rows[0]!) : retryRace(() => this.createGallery(input, tx), tx, 'GALLERY_EXISTS', () => this.ensureGallery(input));
  }

  async listGalleries(): Promise<Gallery[]> {
    return (await this.ctx.store.query(`SELECT * FROM gallery_galleries ORDER BY lower(name), id`)).map(toGallery);
  }

  getGallery(ref: string): Promise<Gallery> {
    return findGallery(this.ctx.store, ref);
  }

  async deleteGallery(ref: string): Promise<void> {
    await this.ctx.store.tx(async (q) => {
      const g = await findGallery(q, ref);
      const images = await q.query(`SELECT name FROM gallery_images WHERE gallery_id = $1`, [g.id]);
      if (images.length) throw new ConflictError('GALLERY_NOT_EMPTY', `gallery ${g.name} still has ${images.length} image definition(s); delete them first`, { where: g.id });
      await q.query(`DELETE FROM gallery_galleries WHERE id = $1`, [g.id]);
      await deleteResource(q, g.id);
      q.emit({ type: 'gallery.deleted', subject: g.id });
    });
  }

  private galleryFromInput(input: GalleryInput): Gallery {
    assertGalleryName(input.name, 'name');
    const subscription = input.subscription ?? DEFAULT_SUBSCRIPTION;
    const resourceGroup = input.resourceGroup ?? DEFAULT_RESOURCE_GROUP;
    assertScopeName(subscription, 'subscription');
    assertScopeName(resourceGroup, 'resourceGroup');
    const days = input.softDeleteRetentionDays ?? DEFAULT_SOFT_DELETE_RETENTION_DAYS;
    if (!Number.isInteger(days) || days < 1 || days > 365) {
      throw new InputError('GALLERY_BAD_RETENTION', `softDeleteRetentionDays must be an integer from 1 to 365, got ${days}`, { where: 'softDeleteRetentionDays' });
    }
    return {
      id: galleryId(subscription, resourceGroup, input.name),
      subscription,
      resourceGroup,
      name: input.name,
      location: normalizeRegion(input.location ?? DEFAULT_LOCATION, 'location'),
      description: input.description,
      softDeleteRetentionDays: days,
      createdAt: this.ctx.now().toISOString(),
    };
  }

  // ── image definitions ────────────────────────────────────────────────────
  async createImageDefinition(input: ImageDefinitionInput, tx?: Tx): Promise<ImageDefinition> {
    return this.writeImage(input, tx, false);
  }

  /** Idempotent: returns the existing definition when identical; GALLERY_IMAGE_CONFLICT when it differs. */
  async ensureImageDefinition(input: ImageDefinitionInput, tx?: Tx): Promise<ImageDefinition> {
    return retryRace(() => this.writeImage(input, tx, true), tx, 'GALLERY_IMAGE_EXISTS');
  }

  private async writeImage(input: ImageDefinitionInput, tx: Tx | undefined, ensure: boolean): Promise<ImageDefinition> {
    assertImageName(input.name, 'name');
    const d = checkImageInput(input);
    return inTx(this.ctx, tx, async (q) => {
      const g = await findGallery(q, input.gallery);
      const id = imageId(g.id, input.name);
      const same = await q.query(`${IMAGE_SELECT} WHERE i.id_lower = lower($1)`, [id]);
      if (same.length) {
        const existing = toImage(same[0]!);
        const diff = sameDefinition(existing, d);
        if (ensure && diff.length === 0) return existing;
        throw new ConflictError(
          ensure ? 'GALLERY_IMAGE_CONFLICT' : 'GALLERY_IMAGE_EXISTS',
          ensure ? `image definition ${input.name} exists with a different ${diff.join(', ')}` : `image definition ${input.name} already exists in gallery ${g.name}`,
          { where: id, data: { differs: diff } },
        );
      }
      const { publisher, offer, sku } = d.identifier;
      const taken = await q.query<{ name: string }>(
        `SELECT name FROM gallery_images WHERE gallery_id = $1 AND lower(publisher) = lower($2) AND lower(offer) = lower($3) AND lower(sku) = lower($4)`,
        [g.id, publisher, offer, sku],
      );
      if (taken.length && taken[0]!.name.toLowerCase() === input.name.toLowerCase()) {
        // A concurrent writer committed this very definition between our two reads: let ensure re-read it.
        throw new ConflictError('GALLERY_IMAGE_EXISTS', `image definition ${input.name} already exists in gallery ${g.name}`, { where: id });
      }
      if (taken.length) {
        throw new ConflictError('GALLERY_IDENTIFIER_TAKEN', `identifier ${publisher}/${offer}/${sku} is already used by image definition ${taken[0]!.name} in gallery ${g.name}`, { where: `${id}/identifier` });
      }
      const def: ImageDefinition = { ...d, id, galleryId: g.id, gallery: g.name, name: input.name, createdAt: this.ctx.now().toISOString() };
      await insertUnique(
        () =>
          q.query(
            `INSERT INTO gallery_images (id, id_lower, gallery_id, name, publisher, offer, sku, os_type, os_state, hyper_v_generation, security_type, architecture, end_of_life_date, description, created_at)
             VALUES ($1, lower($1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
            [id, g.id, def.name, publisher, offer, sku, def.osType, def.osState, def.hyperVGeneration, def.securityType ?? null, def.architecture, def.endOfLifeDate ?? null, def.description ?? null, def.createdAt],
          ),
        () => new ConflictError('GALLERY_IMAGE_EXISTS', `image definition ${input.name} (or its identifier ${publisher}/${offer}/${sku}) already exists in gallery ${g.name}`, { where: id }),
      );
      await upsertResource(q, imageDocument(def, g.location), def.createdAt);
      q.emit({ type: 'gallery.image.created', subject: id });
      return def;
    });
  }

  async listImageDefinitions(gallery: string): Promise<ImageDefinition[]> {
    const g = await findGallery(this.ctx.store, gallery);
    return (await this.ctx.store.query(`${IMAGE_SELECT} WHERE i.gallery_id = $1 ORDER BY lower(i.name)`, [g.id])).map(toImage);
  }

  async getImageDefinition(gallery: string, image: string): Promise<ImageDefinition> {
    return findImage(this.ctx.store, await findGallery(this.ctx.store, gallery), image);
  }

  /** Refused while any version exists, soft-deleted ones included (purge them first), as in Azure. */
  async deleteImageDefinition(gallery: string, image: string): Promise<void> {
    await this.ctx.store.tx(async (q) => {
      const def = await findImage(q, await findGallery(q, gallery), image);
      const [{ n }] = (await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM gallery_versions WHERE image_id = $1`, [def.id])) as [{ n: number }];
      if (n > 0) throw new ConflictError('GALLERY_IMAGE_HAS_VERSIONS', `image definition ${def.name} still has ${n} version(s), soft-deleted ones included; delete and purge them first`, { where: def.id });
      await q.query(`DELETE FROM gallery_images WHERE id = $1`, [def.id]);
      await deleteResource(q, def.id);
      q.emit({ type: 'gallery.image.deleted', subject: def.id });
    });
  }

  // ── versions ─────────────────────────────────────────────────────────────
  /** Next version per Azure Image Builder's "Latest" scheme; soft-deleted versions still hold their numbers. */
  async nextVersion(gallery: string, image: string, major?: number): Promise<string> {
    const def = await this.getImageDefinition(gallery, image);
    const m = major !== undefined && Number.isInteger(major) && major >= 0 && major <= 2147483647 ? major : null;
    // Only the highest candidate matters to the scheme; the unique index hands it over without a scan.
    // (An invalid major is rejected by the pure nextVersion below.)
    const rows = await this.ctx.store.query<{ name: string }>(
      `SELECT name FROM gallery_versions WHERE image_id = $1 AND ($2::int IS NULL OR major = $2::int)
       ORDER BY major DESC, minor DESC, patch DESC LIMIT 1`,
      [def.id, m],
    );
    return nextVersion(rows.map((r) => r.name), major);
  }

  replicateArtifacts(digests: string[], sourceRegion: string, regions: TargetRegion[], onProgress?: (p: ReplicationProgress) => void): Promise<RegionReplicationResult[]> {
    return replicateArtifacts(this.ctx.artifacts, digests, sourceRegion, regions, onProgress);
  }

  publishVersion(input: PublishVersionInput, tx?: Tx): Promise<GalleryVersion> {
    return publishVersion(this.ctx, input, tx);
  }

  updateVersion(ref: VersionRef, input: UpdateVersionInput): Promise<UpdateVersionResult> {
    return updateVersion(this.ctx, ref, input);
  }

  deleteVersion(ref: VersionRef): Promise<GalleryVersion> {
    return deleteVersion(this.ctx, ref);
  }

  recoverVersion(ref: VersionRef): Promise<GalleryVersion> {
    return recoverVersion(this.ctx, ref);
  }

  purgeVersion(ref: VersionRef): Promise<PurgeResult> {
    return purgeVersion(this.ctx, ref);
  }

  purgeExpired(): Promise<PurgeResult> {
    return purgeExpired(this.ctx);
  }

  async listVersions(gallery: string, image: string, opts: { includeDeleted?: boolean } = {}): Promise<GalleryVersionView[]> {
    const def = await this.getImageDefinition(gallery, image);
    const all = await loadVersions(this.ctx.store, `v.image_id = $1`, [def.id]);
    const views = toViews(all, def, this.ctx.now());
    return opts.includeDeleted ? views : views.filter((v) => !v.deletedAt);
  }

  async showVersion(ref: VersionRef): Promise<GalleryVersionView> {
    const { version, image } = await findVersion(this.ctx.store, ref);
    return viewOne(this.ctx.store, version, image, this.ctx.now());
  }

  /** A version by its Azure id (e.g. a VM's storageProfile.imageReference.id). */
  getVersion(id: string): Promise<GalleryVersionView> {
    return this.showVersion(id);
  }

  /** What `latest` means for this definition (in `region`, when given); undefined when nothing is eligible. */
  async resolveLatest(gallery: string, image: string, region?: string): Promise<GalleryVersionView | undefined> {
    const def = await this.getImageDefinition(gallery, image);
    const id = await latestVersionId(this.ctx.store, def.id, region === undefined ? undefined : normalizeRegion(region));
    if (!id) return undefined;
    const [v] = await loadVersions(this.ctx.store, `v.id = $1`, [id]);
    return viewOne(this.ctx.store, v!, def, this.ctx.now());
  }
}

/**
 * ensure* lost a creation race to another writer (the unique index fired): the thing now exists, so
 * run once more to return it or report a real difference. Inside a caller's transaction the
 * transaction is already aborted on PostgreSQL, so the conflict is left to the caller.
 */
async function retryRace<T>(run: () => Promise<T>, tx: Tx | undefined, code: ErrorCode, again: () => Promise<T> = run): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!tx && (e as { code?: string }).code === code) return again();
    throw e;
  }
}
