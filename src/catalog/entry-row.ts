import type { BaseOs, CatalogEntry, NormalizedRecipe } from './types.js';

/** A catalog_entries row as the Store returns it (jsonb parsed, timestamps ISO, int8 numbers). */
export interface EntryRow {
  publisher: string;
  offer: string;
  sku: string;
  version: string;
  kind: 'mmdebstrap' | 'import';
  recipe: NormalizedRecipe | null;
  recipe_digest: string | null;
  source: CatalogEntry['source'] | null;
  artifact_digest: string | null;
  artifact_size: number | null;
  artifact_region: string | null;
  os: BaseOs | null;
  created_at: string;
  updated_at: string;
}

export function entryFromRow(r: EntryRow): CatalogEntry {
  return {
    publisher: r.publisher,
    offer: r.offer,
    sku: r.sku,
    version: r.version,
    kind: r.kind,
    ...(r.recipe ? { recipe: r.recipe } : {}),
    ...(r.recipe_digest ? { recipeDigest: r.recipe_digest } : {}),
    ...(r.source ? { source: r.source } : {}),
    ...(r.artifact_digest
      ? { artifact: { digest: r.artifact_digest, size: Number(r.artifact_size), region: r.artifact_region ?? 'local' } }
      : {}),
    ...(r.os ? { os: r.os } : {}),
    bootable: r.kind === 'mmdebstrap' ? r.recipe?.bootable === true : r.source?.bootable === true,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
