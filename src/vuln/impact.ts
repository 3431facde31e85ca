/**
 * Blast radius of one advisory: the image versions that contain an affected package and the VMs that
 * run them. One query path: SQL selects candidates by (ecosystem, package) on the image package
 * index, version ranges are decided in JS with the ecosystem's comparator, then one query finds VMs.
 */
import { NotFoundError } from '../errors/index.js';
import type { Queryable } from '../store/index.js';
import { findAdvisories, type StoredAdvisory } from './advisory-repo.js';
import { CandidateMatcher, type AffectedPackageHit, type CandidateRow } from './match-candidates.js';

export interface AffectedImageVersion {
  id: string;
  gallery: string;
  image: string;
  imageId: string;
  version: string;
  excludeFromLatest: boolean;
  buildRunId: string | null;
  templateName: string | null;
  packages: AffectedPackageHit[];
}

export interface ImpactVm {
  id: string;
  name: string;
  type: string;
  team: string | null;
  role: string | null;
  /** The gallery version the VM runs (for `latest` references: the version it resolved to). */
  imageVersion: string;
}

export interface Impact {
  advisory: StoredAdvisory;
  /** Other advisories describing the same vulnerability (DSA ↔ CVE ↔ tracker), matched too. */
  related: string[];
  affectedVersions: AffectedImageVersion[];
  vms: ImpactVm[];
  byTeam: Record<string, string[]>;
  byRole: Record<string, string[]>;
}

export const NO_TEAM = '(no team)';
export const NO_ROLE = '(no role)';

type CandidateSqlRow = CandidateRow & { gallery: string; image: string; imageId: string; name: string; excludeFromLatest: boolean; buildRunId: string | null; templateName: string | null };

/** Candidate rows for the wanted (ecosystem, package) pairs, from non-deleted versions. */
export async function selectCandidates(q: Queryable, wanted: Array<{ ecosystem: string; package: string; bySource: boolean }>): Promise<CandidateSqlRow[]> {
  if (!wanted.length) return [];
  return q.query<CandidateSqlRow>(
    `WITH want AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(ecosystem text, package text, "bySource" boolean)),
     hits AS (
       SELECT p.* FROM image_packages p JOIN want w ON w."bySource" AND p.ecosystem = w.ecosystem AND p.source = w.package
       UNION ALL
       SELECT p.* FROM image_packages p JOIN want w ON NOT w."bySource" AND p.ecosystem = w.ecosystem AND p.package = w.package
     )
     SELECT h.version_id AS "versionId", h.ecosystem, h.package, h.version, h.source, h.source_version AS "sourceVersion", h.arch,
            g.name AS gallery, i.name AS image, i.id AS "imageId", v.name, v.exclude_from_latest AS "excludeFromLatest",
            v.build_run_id AS "buildRunId", v.metadata->>'templateName' AS "templateName"
     FROM hits h JOIN gallery_versions v ON v.id = h.version_id AND v.deleted_at IS NULL
     JOIN gallery_images i ON i.id = v.image_id JOIN gallery_galleries g ON g.id = i.gallery_id`,
    [JSON.stringify(wanted)],
  );
}

/** VMs (and scale sets) whose image reference names one of the versions, directly or via latest + exactVersion. */
export async function vmsOn(q: Queryable, versionIds: readonly string[]): Promise<ImpactVm[]> {
  if (!versionIds.length) return [];
  return q.query<ImpactVm>(
    `WITH refs AS (
       SELECT r.id, r.name, r.type, r.doc->'tags'->>'team' AS team, r.doc->'tags'->>'role' AS role,
              COALESCE(r.doc#>'{properties,storageProfile,imageReference}', r.doc#>'{properties,virtualMachineProfile,storageProfile,imageReference}') AS ref
       FROM resources r WHERE r.type IN ('microsoft.compute/virtualmachines', 'microsoft.compute/virtualmachinescalesets')
     ), eff AS (
       SELECT id, name, type, team, role,
              CASE WHEN lower(ref->>'id') LIKE '%/versions/%' THEN lower(ref->>'id')
                   WHEN ref->>'exactVersion' IS NOT NULL THEN lower(ref->>'id') || '/versions/' || (ref->>'exactVersion') END AS vid
       FROM refs WHERE ref->>'id' IS NOT NULL
     )
     SELECT e.id, e.name, e.type, e.team, e.role, v.id AS "imageVersion"
     FROM eff e JOIN gallery_versions v ON v.id_lower = e.vid
     WHERE v.id_lower = ANY($1::text[]) ORDER BY e.team NULLS LAST, e.role NULLS LAST, e.name, e.id`,
    [versionIds.map((id) => id.toLowerCase())],
  );
}

export function groupBy(vms: readonly ImpactVm[], key: (v: ImpactVm) => string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of vms) (out[key(v)] ??= []).push(v.name);
  return out;
}

/** Which image versions a set of advisories affects (the pure decision over SQL candidates). */
export async function affectedVersionsFor(q: Queryable, advisories: readonly StoredAdvisory[]): Promise<AffectedImageVersion[]> {
  const matcher = new CandidateMatcher(advisories.flatMap((a) => a.affected.map((entry) => ({ advisoryId: a.id, entry }))));
  const rows = await selectCandidates(q, matcher.wanted());
  const byVersion = new Map<string, AffectedImageVersion>();
  for (const row of rows) {
    const hit = matcher.match(row);
    if (!hit) continue;
    let v = byVersion.get(row.versionId);
    if (!v) {
      v = { id: row.versionId, gallery: row.gallery, image: row.image, imageId: row.imageId, version: row.name, excludeFromLatest: row.excludeFromLatest, buildRunId: row.buildRunId, templateName: row.templateName, packages: [] };
      byVersion.set(row.versionId, v);
    }
    v.packages.push(hit);
  }
  const list = [...byVersion.values()];
  for (const v of list) v.packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return list.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

export async function impact(q: Queryable, ref: string): Promise<Impact> {
  const advisories = await findAdvisories(q, ref);
  if (!advisories.length) throw new NotFoundError('VULN_ADVISORY_NOT_FOUND', `no advisory ${ref} (by id or alias); import it with goldsmith cve import`, { where: ref });
  const affectedVersions = await affectedVersionsFor(q, advisories);
  const vms = await vmsOn(q, affectedVersions.map((v) => v.id));
  return {
    advisory: advisories[0]!,
    related: advisories.slice(1).map((a) => a.id),
    affectedVersions,
    vms,
    byTeam: groupBy(vms, (v) => v.team ?? NO_TEAM),
    byRole: groupBy(vms, (v) => v.role?.toLowerCase() ?? NO_ROLE),
  };
}
