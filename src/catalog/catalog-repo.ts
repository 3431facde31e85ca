import { ConflictError } from '../errors/index.js';
import type { Queryable, Store } from '../store/index.js';
import { entryFromRow, type EntryRow } from './entry-row.js';
import { formatCatalogRef } from './ref.js';
import type { BaseOs, CatalogEntry, CatalogRef, NormalizedRecipe } from './types.js';

const KEY_WHERE = 'lower(publisher) = lower($1) AND lower(offer) = lower($2) AND lower(sku) = lower($3)';
const subject = (r: CatalogRef) => `catalog:${formatCatalogRef(r)}`;

export function duplicateEntry(ref: CatalogRef): ConflictError {
  return new ConflictError('CATALOG_DUPLICATE', `catalog entry ${formatCatalogRef(ref)} already exists; versions are immutable, add a new version`, {
    where: formatCatalogRef(ref),
  });
}

export type NewEntry =
  | { kind: 'mmdebstrap'; recipe: NormalizedRecipe; recipeDigest: string }
  | { kind: 'import'; source: NonNullable<CatalogEntry['source']>; artifact: { digest: string; size: number; region: string }; os: BaseOs };

/** The catalog's tables: entries, and built bases by recipe digest. Every write emits a change event. */
export class CatalogRepo {
  constructor(private readonly store: Store) {}

  /** Every version of one publisher/offer/sku (names compared case-insensitively). */
  versionsOf(ref: Omit<CatalogRef, 'version'>): Promise<EntryRow[]> {
    return this.store.query<EntryRow>(`SELECT * FROM catalog_entries WHERE ${KEY_WHERE}`, [ref.publisher, ref.offer, ref.sku]);
  }

  keys(): Promise<CatalogRef[]> {
    return this.store.query<CatalogRef>('SELECT publisher, offer, sku, version FROM catalog_entries');
  }

  list(filter: Partial<Omit<CatalogRef, 'version'>>): Promise<EntryRow[]> {
    return this.store.query<EntryRow>(
      `SELECT * FROM catalog_entries
       WHERE ($1::text IS NULL OR lower(publisher) = lower($1)) AND ($2::text IS NULL OR lower(offer) = lower($2))
         AND ($3::text IS NULL OR lower(sku) = lower($3))`,
      [filter.publisher ?? null, filter.offer ?? null, filter.sku ?? null],
    );
  }

  async assertAbsent(ref: CatalogRef, q: Queryable = this.store): Promise<void> {
    const rows = await q.query(`SELECT 1 FROM catalog_entries WHERE ${KEY_WHERE} AND version = $4`, [ref.publisher, ref.offer, ref.sku, ref.version]);
    if (rows.length) throw duplicateEntry(ref);
  }

  async insert(ref: CatalogRef, e: NewEntry): Promise<CatalogEntry> {
    try {
      return await this.store.tx(async (tx) => {
        await this.assertAbsent(ref, tx);
        const key = [ref.publisher, ref.offer, ref.sku, ref.version];
        const [row] =
          e.kind === 'mmdebstrap'
            ? await tx.query<EntryRow>(
                `INSERT INTO catalog_entries (publisher, offer, sku, version, kind, recipe, recipe_digest)
                 VALUES ($1, $2, $3, $4, 'mmdebstrap', $5, $6) RETURNING *`,
                [...key, e.recipe, e.recipeDigest],
              )
            : await tx.query<EntryRow>(
                `INSERT INTO catalog_entries (publisher, offer, sku, version, kind, source, artifact_digest, artifact_size, artifact_region, os)
                 VALUES ($1, $2, $3, $4, 'import', $5, $6, $7, $8, $9) RETURNING *`,
                [...key, e.source, e.artifact.digest, e.artifact.size, e.artifact.region, e.os],
              );
        tx.emit({ type: e.kind === 'import' ? 'catalog.entry.imported' : 'catalog.entry.added', subject: subject(ref), data: { kind: e.kind } });
        return entryFromRow(row!);
      });
    } catch (err) {
      // Two writers racing past the check: the unique index decides, with the same error.
      if ((err as { code?: string }).code === '23505') throw duplicateEntry(ref);
      throw err;
    }
  }

  async findBuild(recipeDigest: string, region: string): Promise<{ digest: string; size: number; os?: BaseOs } | undefined> {
    const [b] = await this.store.query<{ artifact_digest: string; artifact_size: number; os: BaseOs | null }>(
      'SELECT artifact_digest, artifact_size, os FROM catalog_builds WHERE recipe_digest = $1 AND region = $2',
      [recipeDigest, region],
    );
    return b && { digest: b.artifact_digest, size: b.artifact_size, ...(b.os ? { os: b.os } : {}) };
  }

  /** Remember which artifact a recipe built, so every entry with that recipe reuses it. */
  async recordBuild(recipeDigest: string, art: { digest: string; size: number; region: string }, os: BaseOs | undefined): Promise<void> {
    await this.store.query(
      `INSERT INTO catalog_builds (recipe_digest, artifact_digest, artifact_size, region, os) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (recipe_digest) DO UPDATE SET artifact_digest = EXCLUDED.artifact_digest, artifact_size = EXCLUDED.artifact_size,
         region = EXCLUDED.region, os = EXCLUDED.os, built_at = now()`,
      [recipeDigest, art.digest, art.size, art.region, os ?? null],
    );
  }

  /** Point an entry at an artifact (and record its OS when known). Returns undefined if the entry is gone. */
  async link(ref: CatalogRef, art: { digest: string; size: number; region: string }, os: BaseOs | undefined): Promise<CatalogEntry | undefined> {
    const [row] = await this.store.tx(async (tx) => {
      const rows = await tx.query<EntryRow>(
        `UPDATE catalog_entries SET artifact_digest = $5, artifact_size = $6, artifact_region = $7, os = COALESCE($8, os), updated_at = now()
         WHERE ${KEY_WHERE} AND version = $4 RETURNING *`,
        [ref.publisher, ref.offer, ref.sku, ref.version, art.digest, art.size, art.region, os ?? null],
      );
      if (rows.length) tx.emit({ type: 'catalog.entry.artifact', subject: subject(ref), data: { ...art } });
      return rows;
    });
    return row && entryFromRow(row);
  }
}
