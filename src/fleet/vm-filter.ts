import { formatVersion, parseVersion, type GalleryService } from '../gallery/index.js';
import type { Queryable } from '../store/index.js';
import { likePrefix } from '../arm/index.js';
import { parseImageSpec } from './vm-document.js';
import type { ArmResource, VmFilter } from './types.js';

const REF = `doc#>'{properties,storageProfile,imageReference}'`;

/** VM documents matching the filter; tag names and values compare case-insensitively, as in Azure. */
export async function listVmDocs(q: Queryable, gallery: GalleryService, f: VmFilter): Promise<ArmResource[]> {
  const where = [`type = 'microsoft.compute/virtualmachines'`];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.subscription) where.push(`lower(subscription) = lower(${p(f.subscription)})`);
  if (f.resourceGroup) where.push(`lower(resource_group) = lower(${p(f.resourceGroup)})`);
  for (const key of ['team', 'application', 'role'] as const) {
    const v = f[key];
    if (v !== undefined) {
      where.push(`EXISTS (SELECT 1 FROM jsonb_each_text(doc->'tags') t WHERE lower(t.key) = '${key}' AND lower(t.value) = lower(${p(v)}))`);
    }
  }
  if (f.image) where.push(await imageCondition(gallery, f.image, p));
  const rows = await q.query<{ doc: ArmResource }>(`SELECT doc FROM resources WHERE ${where.join(' AND ')} ORDER BY id_lower`, params);
  return rows.map((r) => r.doc);
}

/** Runs this version (by id, or by `latest` + exactVersion), or any version of a definition, or a marketplace image. */
async function imageCondition(gallery: GalleryService, image: string, p: (v: unknown) => string): Promise<string> {
  const spec = parseImageSpec(image, 'image');
  if (spec.kind === 'marketplace' || spec.kind === 'reference') {
    const r = spec.reference;
    const parts = [`lower(${REF}->>'publisher') = lower(${p(r.publisher)})`, `lower(${REF}->>'offer') = lower(${p(r.offer)})`, `lower(${REF}->>'sku') = lower(${p(r.sku)})`];
    if (r.version && r.version.toLowerCase() !== 'latest') parts.push(`coalesce(${REF}->>'exactVersion', ${REF}->>'version') = ${p(r.version)}`);
    return `(${parts.join(' AND ')})`;
  }
  let defId: string;
  if (spec.kind === 'gallery') defId = (await gallery.getImageDefinition(spec.gallery, spec.image)).id;
  else defId = spec.definitionId;
  const def = defId.toLowerCase();
  if (spec.version === 'latest') {
    return `(lower(${REF}->>'id') = ${p(def)} OR lower(${REF}->>'id') LIKE ${p(likePrefix(def + '/versions/'))})`;
  }
  const version = formatVersion(parseVersion(spec.version, 'image'));
  return `(lower(${REF}->>'id') = ${p(`${def}/versions/${version}`)} OR (lower(${REF}->>'id') = ${p(def)} AND ${REF}->>'exactVersion' = ${p(version)}))`;
}

/** VMs with this name (case-insensitive, as Azure names are), optionally within one resource group. */
export async function findVmsByName(q: Queryable, name: string, resourceGroup?: string): Promise<ArmResource[]> {
  const rows = await q.query<{ doc: ArmResource }>(
    `SELECT doc FROM resources WHERE type = 'microsoft.compute/virtualmachines' AND lower(name) = lower($1)
       AND ($2::text IS NULL OR lower(resource_group) = lower($2)) ORDER BY id_lower`,
    [name, resourceGroup ?? null],
  );
  return rows.map((r) => r.doc);
}
