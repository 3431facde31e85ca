/** Advisory persistence: bulk upsert by id (the affected rows of a re-imported advisory are replaced). */
import type { Queryable, Store } from '../store/index.js';
import type { Advisory, AffectedPackage } from './advisory.js';

export interface ImportSummary {
  inserted: number;
  updated: number;
  /** Already stored with a newer `modified`: left alone. */
  stale: number;
  affectedRows: number;
}

const CHUNK = 1000;

/** Write advisories in one transaction: all or nothing. */
export async function upsertAdvisories(store: Store, advisories: Advisory[], now: Date): Promise<ImportSummary> {
  const summary: ImportSummary = { inserted: 0, updated: 0, stale: 0, affectedRows: 0 };
  const at = now.toISOString();
  await store.tx(async (tx) => {
    for (let i = 0; i < advisories.length; i += CHUNK) {
      const chunk = advisories.slice(i, i + CHUNK);
      const existing = new Map(
        (await tx.query<{ id: string; modified: string }>(`SELECT id, modified FROM advisories WHERE id = ANY($1::text[])`, [chunk.map((a) => a.id)])).map((r) => [r.id, r.modified]),
      );
      const write = chunk.filter((a) => {
        const m = existing.get(a.id);
        if (m !== undefined && Date.parse(m) > Date.parse(a.modified)) {
          summary.stale++;
          return false;
        }
        if (m === undefined) summary.inserted++;
        else summary.updated++;
        return true;
      });
      if (!write.length) continue;
      const ids = write.map((a) => a.id);
      await tx.query(
        `INSERT INTO advisories (id, aliases, source, modified, published, summary, raw, imported_at)
         SELECT x.id, x.aliases, x.source, x.modified, x.published, x.summary, x.raw, $2::timestamptz
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, aliases jsonb, source text, modified timestamptz, published timestamptz, summary text, raw jsonb)
         ON CONFLICT (id) DO UPDATE SET aliases = EXCLUDED.aliases, source = EXCLUDED.source, modified = EXCLUDED.modified,
           published = EXCLUDED.published, summary = EXCLUDED.summary, raw = EXCLUDED.raw, imported_at = EXCLUDED.imported_at`,
        [JSON.stringify(write.map((a) => ({ id: a.id, aliases: a.aliases, source: a.source, modified: a.modified, published: a.published ?? null, summary: a.summary ?? null, raw: a.raw }))), at],
      );
      await tx.query(`DELETE FROM advisory_affected WHERE advisory_id = ANY($1::text[])`, [ids]);
      await tx.query(`DELETE FROM advisory_aliases WHERE advisory_id = ANY($1::text[])`, [ids]);
      const affected = write.flatMap((a) => a.affected.map((e, ordinal) => ({ advisory_id: a.id, ordinal, ecosystem: e.ecosystem, package: e.package, ranges: e.ranges, versions: e.versions })));
      if (affected.length) {
        await tx.query(
          `INSERT INTO advisory_affected (advisory_id, ordinal, ecosystem, package, ranges, versions)
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(advisory_id text, ordinal integer, ecosystem text, package text, ranges jsonb, versions jsonb)`,
          [JSON.stringify(affected)],
        );
      }
      summary.affectedRows += affected.length;
      const aliases = write.flatMap((a) => a.aliases.map((alias) => ({ alias, advisory_id: a.id })));
      if (aliases.length) {
        await tx.query(`INSERT INTO advisory_aliases (alias, advisory_id) SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(alias text, advisory_id text)`, [JSON.stringify(aliases)]);
      }
      await tx.query(`INSERT INTO cve_events (cve, step, at, data) SELECT id, 'imported', $2::timestamptz, NULL FROM unnest($1::text[]) AS id`, [ids, at]);
    }
    tx.emit({ type: 'vuln.advisories.imported', subject: 'advisories', data: { ...summary } });
  });
  return summary;
}

export interface StoredAdvisory {
  id: string;
  aliases: string[];
  source: 'osv' | 'debian-tracker';
  modified: string;
  published: string | null;
  summary: string | null;
  importedAt: string;
  affected: AffectedPackage[];
}

const ADVISORY_COLS = `a.id, a.aliases, a.source, a.modified, a.published, a.summary, a.imported_at AS "importedAt",
  COALESCE((SELECT jsonb_agg(jsonb_build_object('ecosystem', f.ecosystem, 'package', f.package, 'ranges', f.ranges, 'versions', f.versions) ORDER BY f.ordinal)
            FROM advisory_affected f WHERE f.advisory_id = a.id), '[]'::jsonb) AS affected`;

/**
 * Advisories that are, or are aliases of, `ref` (a DSA id, a CVE id…): the one whose id is `ref`
 * first, then those that list it as an alias, then those sharing an alias with it.
 */
export async function findAdvisories(q: Queryable, ref: string): Promise<StoredAdvisory[]> {
  return q.query<StoredAdvisory>(
    `WITH direct AS (
       SELECT id, 0 AS rank FROM advisories WHERE id = $1
       UNION SELECT advisory_id, 1 FROM advisory_aliases WHERE alias = $1
     ), names AS (
       SELECT id AS name FROM direct UNION SELECT alias FROM advisory_aliases WHERE advisory_id IN (SELECT id FROM direct)
     ), related AS (
       SELECT advisory_id AS id, 2 AS rank FROM advisory_aliases WHERE alias IN (SELECT name FROM names)
       UNION SELECT id, 2 FROM advisories WHERE id IN (SELECT name FROM names)
     ), hits AS (SELECT id, min(rank) AS rank FROM (SELECT * FROM direct UNION ALL SELECT * FROM related) u GROUP BY id)
     SELECT ${ADVISORY_COLS}, h.rank FROM hits h JOIN advisories a ON a.id = h.id ORDER BY h.rank, a.id`,
    [ref],
  );
}

export async function listAdvisories(q: Queryable, opts: { limit?: number; package?: string } = {}): Promise<StoredAdvisory[]> {
  return q.query<StoredAdvisory>(
    `SELECT ${ADVISORY_COLS} FROM advisories a
     WHERE ($1::text IS NULL OR EXISTS (SELECT 1 FROM advisory_affected f WHERE f.advisory_id = a.id AND f.package = $1))
     ORDER BY a.published DESC NULLS LAST, a.id LIMIT $2`,
    [opts.package ?? null, opts.limit ?? 100],
  );
}
