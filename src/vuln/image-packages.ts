/** The image package index: what every gallery version contains, keyed for advisory matching. */
import type { Inventory } from '../sbom/index.js';
import { NotFoundError } from '../errors/index.js';
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
 * Replace the index rows of one version. Call it inside the publish transaction, after the version
 * row is written: the rows become visible together with the version. Package rows are shared between
 * versions; a concurrent publish adding the same row waits for the other and is absorbed by ON CONFLICT.
 * Rows are inserted in key order, so two publishes wait on each other in the same order, never in a cycle.
 */
export async function recordImagePackages(q: Queryable, versionId: string, inventory: Inventory): Promise<number> {
  const key = (r: ImagePackageRow) => `${r.ecosystem}\0${r.package}\0${r.arch}\0${r.version}\0${r.source}\0${r.source_version}`;
  const rows = imagePackageRows(inventory).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const [v] = await q.query<{ seq: number }>(`SELECT seq FROM gallery_versions WHERE id = $1`, [versionId]);
  if (!v) throw new NotFoundError('GALLERY_VERSION_NOT_FOUND', `no gallery version ${versionId} to index packages for`, { where: versionId });
  await q.query(`DELETE FROM version_packages WHERE version_seq = $1`, [v.seq]);
  const x = `jsonb_to_recordset($1::jsonb) AS x(ecosystem text, package text, version text, source text, source_version text, arch text)`;
  for (let i = 0; i < rows.length; i += 2000) {
    const batch = JSON.stringify(rows.slice(i, i + 2000));
    await q.query(
      `INSERT INTO package_rows (ecosystem, package, version, source, source_version, arch)
       SELECT x.ecosystem, x.package, x.version, x.source, x.source_version, x.arch FROM ${x} ON CONFLICT DO NOTHING`,
      [batch],
    );
    await q.query(
      `INSERT INTO version_packages (row_id, version_seq)
       SELECT r.id, $2 FROM ${x}
       JOIN package_rows r ON (r.ecosystem, r.package, r.arch, r.version, r.source, r.source_version) = (x.ecosystem, x.package, x.arch, x.version, x.source, x.source_version)`,
      [batch, v.seq],
    );
  }
  return rows.length;
}
