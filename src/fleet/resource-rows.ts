import type { Queryable } from '../store/index.js';
import { idKey, parseId } from './arm-id.js';
import { likePrefix } from './scopes.js';
import type { ArmResource } from './types.js';

/** Row access to the core `resources` table for fleet documents. No rules here. */
const CHUNK = 2000;

/**
 * Upsert documents in chunks: each chunk is ONE statement with ONE jsonb parameter, so a hundred
 * thousand documents take fifty round trips on either backend and never hit a parameter limit.
 * Ids are case-insensitive (id_lower); a rewrite keeps created_at and takes the new casing.
 */
export async function upsertResources(q: Queryable, docs: readonly ArmResource[], at: string): Promise<void> {
  for (let i = 0; i < docs.length; i += CHUNK) {
    const rows = docs.slice(i, i + CHUNK).map((d) => {
      const p = parseId(d.id);
      return { id: d.id, type: d.type, s: p?.subscription ?? null, g: p?.resourceGroup ?? null, n: d.name, doc: d };
    });
    await q.query(
      `INSERT INTO resources (id, id_lower, type, subscription, resource_group, name, doc, created_at, updated_at)
       SELECT r->>'id', lower(r->>'id'), lower(r->>'type'), r->>'s', r->>'g', r->>'n', r->'doc', $2::timestamptz, $2::timestamptz
       FROM jsonb_array_elements($1::jsonb) AS r
       ON CONFLICT (id_lower) DO UPDATE SET id = EXCLUDED.id, type = EXCLUDED.type, subscription = EXCLUDED.subscription,
         resource_group = EXCLUDED.resource_group, name = EXCLUDED.name, doc = EXCLUDED.doc, updated_at = EXCLUDED.updated_at`,
      [JSON.stringify(rows), at],
    );
  }
}

/** Insert documents known to be new (bulk seeding): no conflict handling, so an existing id is an error. */
export async function insertResources(q: Queryable, docs: readonly ArmResource[], at: string): Promise<void> {
  await insertChunks(q, docs, at, '');
}

/** Insert documents, skipping any whose id exists. */
export async function insertResourcesIfAbsent(q: Queryable, docs: readonly ArmResource[], at: string): Promise<void> {
  await insertChunks(q, docs, at, 'ON CONFLICT (id_lower) DO NOTHING');
}

async function insertChunks(q: Queryable, docs: readonly ArmResource[], at: string, conflict: string): Promise<void> {
  for (let i = 0; i < docs.length; i += CHUNK) {
    const rows = docs.slice(i, i + CHUNK).map((d) => {
      const p = parseId(d.id);
      return { id: d.id, type: d.type, s: p?.subscription ?? null, g: p?.resourceGroup ?? null, n: d.name, doc: d };
    });
    await q.query(
      `INSERT INTO resources (id, id_lower, type, subscription, resource_group, name, doc, created_at, updated_at)
       SELECT r->>'id', lower(r->>'id'), lower(r->>'type'), r->>'s', r->>'g', r->>'n', r->'doc', $2::timestamptz, $2::timestamptz
       FROM jsonb_array_elements($1::jsonb) AS r
       ${conflict}`,
      [JSON.stringify(rows), at],
    );
  }
}

export async function getResource(q: Queryable, id: string): Promise<ArmResource | undefined> {
  const rows = await q.query<{ doc: ArmResource }>(`SELECT doc FROM resources WHERE id_lower = $1`, [idKey(id)]);
  return rows[0]?.doc;
}

/** Which of these ids exist (lower-cased keys). One query. */
export async function existingIds(q: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await q.query<{ id_lower: string }>(
    `SELECT id_lower FROM resources WHERE id_lower IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [JSON.stringify(ids.map(idKey))],
  );
  return new Set(rows.map((r) => r.id_lower));
}

/** Delete a resource and everything nested in it (a VM's extensions and guest assignments), as Azure does. */
export async function deleteResourceTree(q: Queryable, id: string): Promise<Array<{ id: string; type: string }>> {
  const key = idKey(id);
  return q.query<{ id: string; type: string }>(
    `DELETE FROM resources WHERE id_lower = $1 OR id_lower LIKE $2 RETURNING id, doc->>'type' AS type`,
    [key, likePrefix(key + '/')],
  );
}
