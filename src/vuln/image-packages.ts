/** The image package index: what every gallery version contains, keyed for advisory matching. */
import type { Inventory } from '../sbom/index.js';
import type { Queryable } from '../store/index.js';
import { ecosystemOf } from './ecosystems.js';

export interface ImagePackageRow {
  ecosystem: string;
  package: string;
  version: string;
  source: string;
  source_version: string;
  arch: string;
}

/** Rows for an inventory; the ecosystem is the image's OSV ecosystem ("Debian:12") from os-release. */
export function imagePackageRows(inventory: Inventory): ImagePackageRow[] {
  const eco = ecosystemOf(inventory.os) ?? (inventory.os ? `${inventory.os.id}:${inventory.os.versionId ?? inventory.os.versionCodename ?? ''}` : 'unknown');
  const seen = new Set<string>();
  const rows: ImagePackageRow[] = [];
  for (const p of inventory.packages) {
    const key = `${p.name}\0${p.arch}\0${p.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // A Source: field without a version means the binary's version (deb-src-control(5)).
    rows.push({ ecosystem: eco, package: p.name, version: p.version, source: p.source?.name ?? p.name, source_version: p.source?.version ?? p.version, arch: p.arch });
  }
  return rows;
}

/**
 * Replace the index rows of one version. Call it inside the publish transaction: the foreign key to
 * gallery_versions is checked at commit, so order within that transaction does not matter.
 */
export async function recordImagePackages(q: Queryable, versionId: string, inventory: Inventory): Promise<number> {
  const rows = imagePackageRows(inventory);
  await q.query(`DELETE FROM image_packages WHERE version_id = $1`, [versionId]);
  for (let i = 0; i < rows.length; i += 2000) {
    await q.query(
      `INSERT INTO image_packages (version_id, ecosystem, package, version, source, source_version, arch)
       SELECT $1, x.ecosystem, x.package, x.version, x.source, x.source_version, x.arch
       FROM jsonb_to_recordset($2::jsonb) AS x(ecosystem text, package text, version text, source text, source_version text, arch text)`,
      [versionId, JSON.stringify(rows.slice(i, i + 2000))],
    );
  }
  return rows.length;
}
