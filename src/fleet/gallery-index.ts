import { latestByRegion, lifecycleState, resolveLatest, type LatestCandidate, type LifecycleState } from '../gallery/index.js';
import type { Queryable } from '../store/index.js';

/** One gallery version as image facts need it. */
export interface IndexedVersion extends LatestCandidate {
  id: string;
  version: string;
  definitionKey: string;
  galleryName: string;
  excludeFromLatest: boolean;
  deleted: boolean;
  regions: Array<{ name: string; excludeFromLatest?: boolean; state?: string }>;
  publishedDate: string;
  publishedMs: number;
  endOfLifeDate?: string;
  agedAt?: string;
  deletedAt?: string;
  tattoo: Record<string, unknown>;
}

export interface IndexedDefinition {
  id: string;
  galleryName: string;
  endOfLifeDate?: string;
  /** The definition's SecurityType feature (TrustedLaunchSupported, …), when it declares one. */
  securityType?: string;
  /** The version `latest` resolves to without a region. */
  latest?: IndexedVersion;
  /** Per region, the version `latest` resolves to there. */
  latestIn: Map<string, IndexedVersion>;
}

/** Every gallery, definition and version, keyed by lower-cased id, with latest precomputed. */
export interface GalleryIndex {
  galleries: Map<string, { id: string; name: string }>;
  definitions: Map<string, IndexedDefinition>;
  versions: Map<string, IndexedVersion>;
}

interface VersionRow {
  id: string;
  name: string;
  image_id: string;
  exclude_from_latest: boolean;
  end_of_life_date: string | null;
  published_date: string;
  aged_at: string | null;
  deleted_at: string | null;
  tattoo: Record<string, unknown> | null;
  regions: Array<[string, boolean, string]>;
}
interface DefinitionRow {
  gallery_id: string;
  gallery_name: string;
  image_id: string | null;
  end_of_life_date: string | null;
  security_type?: string | null;
}

/** Two queries, whatever the gallery's size: definitions (with their galleries) and versions (with their regions). */
export async function loadGalleryIndex(q: Queryable): Promise<GalleryIndex> {
  const defs = await q.query<DefinitionRow>(
    `SELECT g.id AS gallery_id, g.name AS gallery_name, i.id AS image_id, i.end_of_life_date, i.security_type
     FROM gallery_galleries g LEFT JOIN gallery_images i ON i.gallery_id = g.id`,
  );
  const versions = await q.query<VersionRow>(
    `SELECT v.id, v.name, v.image_id, v.exclude_from_latest, v.end_of_life_date, v.published_date, v.aged_at, v.deleted_at, v.tattoo,
            (SELECT coalesce(jsonb_agg(jsonb_build_array(r.region, r.exclude_from_latest, r.state) ORDER BY r.ordinal), '[]'::jsonb)
             FROM gallery_version_regions r WHERE r.version_id = v.id) AS regions
     FROM gallery_versions v`,
  );
  return buildGalleryIndex(defs, versions);
}

/** Pure: rows → index, latest resolved with the gallery's own resolver. */
export function buildGalleryIndex(defs: readonly DefinitionRow[], versions: readonly VersionRow[]): GalleryIndex {
  const galleries = new Map<string, { id: string; name: string }>();
  const definitions = new Map<string, IndexedDefinition>();
  for (const d of defs) {
    galleries.set(d.gallery_id.toLowerCase(), { id: d.gallery_id, name: d.gallery_name });
    if (d.image_id) {
      definitions.set(d.image_id.toLowerCase(), {
        id: d.image_id,
        galleryName: d.gallery_name,
        endOfLifeDate: d.end_of_life_date ?? undefined,
        ...(d.security_type ? { securityType: d.security_type } : {}),
        latestIn: new Map(),
      });
    }
  }
  const byDef = new Map<string, IndexedVersion[]>();
  const index = new Map<string, IndexedVersion>();
  for (const r of versions) {
    const definitionKey = r.image_id.toLowerCase();
    const def = definitions.get(definitionKey);
    const v: IndexedVersion = {
      id: r.id,
      version: r.name,
      definitionKey,
      galleryName: def?.galleryName ?? '',
      excludeFromLatest: r.exclude_from_latest,
      deleted: r.deleted_at !== null,
      regions: (r.regions ?? []).map(([name, excludeFromLatest, state]) => ({ name, excludeFromLatest, state })),
      publishedDate: r.published_date,
      publishedMs: Date.parse(r.published_date),
      endOfLifeDate: r.end_of_life_date ?? undefined,
      agedAt: r.aged_at ?? undefined,
      deletedAt: r.deleted_at ?? undefined,
      tattoo: r.tattoo ?? {},
    };
    index.set(r.id.toLowerCase(), v);
    const list = byDef.get(definitionKey) ?? [];
    list.push(v);
    byDef.set(definitionKey, list);
  }
  for (const [key, list] of byDef) {
    const def = definitions.get(key);
    if (!def) continue;
    def.latest = resolveLatest(list);
    def.latestIn = latestByRegion(list);
  }
  return { galleries, definitions, versions: index };
}

/** Lifecycle without the `deleted` state: image facts report deletion separately. */
export function versionLifecycle(v: IndexedVersion, def: IndexedDefinition | undefined, now: Date): Exclude<LifecycleState, 'deleted'> {
  const s = lifecycleState({ agedAt: v.agedAt, endOfLifeDate: v.endOfLifeDate, definitionEndOfLifeDate: def?.endOfLifeDate }, now);
  return s === 'deleted' ? 'active' : s;
}
