/**
 * The one owner of the core `resources` table: every write goes through here (a test holds the rest
 * of src to it), so gallery, fleet and compliance agree on one key. The key is `id_lower` =
 * `idKey(id)`, computed here rather than by SQL lower() so lookups made with `idKey` always match;
 * `id` keeps the casing the latest writer used, as Azure returns it. `type` is stored lower-cased,
 * subscription and resource group as the id names them.
 */
import type { Queryable } from '../store/index.js';
import { idKey, parseId } from './id.js';

/** What a row needs of a document; the whole document is stored as `doc`. */
export interface ResourceDocument {
  id: string;
  type: string;
  name: string;
}

/** Documents per statement: ONE jsonb parameter each, so no backend's parameter limit is ever hit. */
const CHUNK = 2000;

const INSERT = `INSERT INTO resources (id, id_lower, type, subscription, resource_group, name, doc, created_at, updated_at)
  SELECT r->>'id', r->>'k', lower(r->>'type'), r->>'s', r->>'g', r->>'n', r->'doc', $2::timestamptz, $2::timestamptz
  FROM jsonb_array_elements($1::jsonb) AS r`;

function rowsJson(docs: readonly ResourceDocument[]): string {
  return JSON.stringify(
    docs.map((d) => {
      const p = parseId(d.id);
      return { id: d.id, k: idKey(d.id), type: d.type, s: p?.subscription ?? null, g: p?.resourceGroup ?? null, n: d.name, doc: d };
    }),
  );
}

async function writeChunks(q: Queryable, docs: readonly ResourceDocument[], at: string, conflict: string): Promise<void> {
  for (let i = 0; i < docs.length; i += CHUNK) {
    await q.query(`${INSERT} ${conflict}`, [rowsJson(docs.slice(i, i + CHUNK)), at]);
  }
}

/**
 * Create or replace documents (a hundred thousand take fifty round trips on either backend). A
 * rewrite keeps created_at and takes the new casing of the id.
 */
export async function upsertResources(q: Queryable, docs: readonly ResourceDocument[], at: string): Promise<void> {
  await writeChunks(
    q,
    docs,
    at,
    `ON CONFLICT (id_lower) DO UPDATE SET id = EXCLUDED.id, type = EXCLUDED.type, subscription = EXCLUDED.subscription,
       resource_group = EXCLUDED.resource_group, name = EXCLUDED.name, doc = EXCLUDED.doc, updated_at = EXCLUDED.updated_at`,
  );
}

/** One document; see `upsertResources`. */
export async function upsertResource(q: Queryable, doc: ResourceDocument, at: string): Promise<void> {
  await upsertResources(q, [doc], at);
}

/** Insert documents known to be new (bulk seeding): an existing id is an error. */
export async function insertResources(q: Queryable, docs: readonly ResourceDocument[], at: string): Promise<void> {
  await writeChunks(q, docs, at, '');
}

/** Insert documents, skipping any whose id exists. */
export async function insertResourcesIfAbsent(q: Queryable, docs: readonly ResourceDocument[], at: string): Promise<void> {
  await writeChunks(q, docs, at, 'ON CONFLICT (id_lower) DO NOTHING');
}

/**
 * Merge `patch` into the object at `path` inside each document (creating it when missing), for
 * changes that touch many documents at once (a publish ageing every older version).
 */
export async function mergeIntoResources(q: Queryable, ids: readonly string[], path: readonly string[], patch: Record<string, unknown>, at: string): Promise<void> {
  if (ids.length === 0) return;
  await q.query(
    `UPDATE resources SET doc = jsonb_set(doc, $2::text[], COALESCE(doc #> $2::text[], '{}'::jsonb) || $3::jsonb), updated_at = $4::timestamptz
     WHERE id_lower IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [JSON.stringify(ids.map(idKey)), [...path], JSON.stringify(patch), at],
  );
}

export async function getResource<T = ResourceDocument>(q: Queryable, id: string): Promise<T | undefined> {
  const rows = await q.query<{ doc: T }>(`SELECT doc FROM resources WHERE id_lower = $1`, [idKey(id)]);
  return rows[0]?.doc;
}

/** Which of these ids exist, as keys (`idKey`). One query. */
export async function existingIds(q: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await q.query<{ id_lower: string }>(
    `SELECT id_lower FROM resources WHERE id_lower IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [JSON.stringify(ids.map(idKey))],
  );
  return new Set(rows.map((r) => r.id_lower));
}

/** Delete one document, whatever the casing of `id`. Returns whether it existed. */
export async function deleteResource(q: Queryable, id: string): Promise<boolean> {
  const rows = await q.query(`DELETE FROM resources WHERE id_lower = $1 RETURNING id`, [idKey(id)]);
  return rows.length > 0;
}

/** Delete a resource and everything nested in it (a VM's extensions and guest assignments), as Azure does. */
export async function deleteResourceTree(q: Queryable, id: string): Promise<Array<{ id: string; type: string }>> {
  const key = idKey(id);
  return q.query<{ id: string; type: string }>(
    `DELETE FROM resources WHERE id_lower = $1 OR id_lower LIKE $2 RETURNING id, doc->>'type' AS type`,
    [key, likePrefix(key + '/')],
  );
}

/** A LIKE pattern matching strings that start with `s` (its own wildcards escaped). */
export function likePrefix(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
}
