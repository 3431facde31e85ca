/**
 * Blast radius of one advisory: the image versions that contain an affected package and the VMs that
 * run them. One query path: SQL selects candidates by (ecosystem, package) on the image package
 * index, version ranges are decided in JS with the ecosystem's comparator, then one query finds VMs.
 */
import { NotFoundError } from '../errors/index.js';
import type { Queryable } from '../store/index.js';
import { findAdvisories, type StoredAdvisory } from './advisory-repo.js';
import { CandidateMatcher, type AffectedPackageHit } from './match-candidates.js';

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

type Wanted = Array<{ ecosystem: string; package: string; bySource: boolean }>;
interface KeyRow {
  ecosystem: string;
  name: string;
  version: string;
  bySource: boolean;
}

/**
 * Phase 1: the distinct (ecosystem, package, version) keys the advisories could match, read from the
 * index alone. Ten thousand image versions share a handful of versions of any one package.
 */
async function candidateKeys(q: Queryable, wanted: Wanted): Promise<KeyRow[]> {
  return q.query<KeyRow>(
    `WITH want AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(ecosystem text, package text, "bySource" boolean))
     SELECT DISTINCT p.ecosystem, p.source AS name, p.source_version AS version, true AS "bySource"
       FROM image_packages p JOIN want w ON w."bySource" AND p.ecosystem = w.ecosystem AND p.source = w.package
     UNION
     SELECT DISTINCT p.ecosystem, p.package, p.version, false
       FROM image_packages p JOIN want w ON NOT w."bySource" AND p.ecosystem = w.ecosystem AND p.package = w.package`,
    [JSON.stringify(wanted)],
  );
}

interface VersionSqlRow {
  id: string;
  gallery: string;
  image: string;
  imageId: string;
  name: string;
  excludeFromLatest: boolean;
  buildRunId: string | null;
  templateName: string | null;
  /** [ecosystem, package, version, source, sourceVersion, arch] */
  pkgs: Array<[string, string, string, string, string, string]>;
}

/** Phase 2: the non-deleted versions holding an affected key, one row each with its matching packages. */
async function versionsWithKeys(q: Queryable, keys: KeyRow[]): Promise<VersionSqlRow[]> {
  return q.query<VersionSqlRow>(
    `WITH hit AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS h(ecosystem text, name text, version text, "bySource" boolean)),
     rows AS (
       SELECT p.* FROM image_packages p JOIN hit h ON h."bySource" AND p.ecosystem = h.ecosystem AND p.source = h.name AND p.source_version = h.version
       UNION ALL
       SELECT p.* FROM image_packages p JOIN hit h ON NOT h."bySource" AND p.ecosystem = h.ecosystem AND p.package = h.name AND p.version = h.version
     )
     SELECT v.id, g.name AS gallery, i.name AS image, i.id AS "imageId", v.name, v.exclude_from_latest AS "excludeFromLatest",
            v.build_run_id AS "buildRunId", v.metadata->>'templateName' AS "templateName",
            jsonb_agg(jsonb_build_array(r.ecosystem, r.package, r.version, r.source, r.source_version, r.arch)) AS pkgs
     FROM rows r JOIN gallery_versions v ON v.id = r.version_id AND v.deleted_at IS NULL
     JOIN gallery_images i ON i.id = v.image_id JOIN gallery_galleries g ON g.id = i.gallery_id
     GROUP BY v.id, g.name, i.name, i.id`,
    [JSON.stringify(keys)],
  );
}

/** VMs (and scale sets) whose image reference names one of the versions, directly or via latest + exactVersion. */
export async function vmsOn(q: Queryable, versionIds: readonly string[]): Promise<ImpactVm[]> {
  if (!versionIds.length) return [];
  const canonical = new Map(versionIds.map((id) => [id.toLowerCase(), id]));
  const refs = [...new Set([...canonical.keys()].flatMap((id) => [id, id.replace(/\/versions\/[^/]+$/, '')]))];
  // The WHERE clauses repeat the indexed expressions (vuln_vm_image_ref, vuln_vmss_image_ref) verbatim.
  const rows = await q.query<Omit<ImpactVm, 'imageVersion'> & { refId: string; exactVersion: string | null }>(
    `SELECT r.id, r.name, r.type, r.doc->'tags'->>'team' AS team, r.doc->'tags'->>'role' AS role,
            lower(r.doc #>> '{properties,storageProfile,imageReference,id}') AS "refId",
            r.doc #>> '{properties,storageProfile,imageReference,exactVersion}' AS "exactVersion"
     FROM resources r WHERE r.type = 'microsoft.compute/virtualmachines'
       AND lower(doc #>> '{properties,storageProfile,imageReference,id}') = ANY($1::text[])
     UNION ALL
     SELECT r.id, r.name, r.type, r.doc->'tags'->>'team', r.doc->'tags'->>'role',
            lower(r.doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}'),
            r.doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,exactVersion}'
     FROM resources r WHERE r.type = 'microsoft.compute/virtualmachinescalesets'
       AND lower(doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}') = ANY($1::text[])`,
    [refs],
  );
  const out: ImpactVm[] = [];
  for (const { refId, exactVersion, ...vm } of rows) {
    const vid = /\/versions\/[^/]+$/.test(refId) ? refId : exactVersion ? `${refId}/versions/${exactVersion}`.toLowerCase() : undefined;
    const imageVersion = vid ? canonical.get(vid) : undefined;
    if (imageVersion) out.push({ ...vm, imageVersion });
  }
  const k = (s: string | null) => s ?? '\uffff';
  return out.sort((a, b) => k(a.team).localeCompare(k(b.team)) || k(a.role).localeCompare(k(b.role)) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

export function groupBy(vms: readonly ImpactVm[], key: (v: ImpactVm) => string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of vms) (out[key(v)] ??= []).push(v.name);
  return out;
}

/** Which image versions a set of advisories affects: SQL narrows by package, JS decides by version. */
export async function affectedVersionsFor(q: Queryable, advisories: readonly StoredAdvisory[]): Promise<AffectedImageVersion[]> {
  const matcher = new CandidateMatcher(advisories.flatMap((a) => a.affected.map((entry) => ({ advisoryId: a.id, entry }))));
  const wanted = matcher.wanted();
  if (!wanted.length) return [];
  const keys = (await candidateKeys(q, wanted)).filter((k) => matcher.matchKey(k.ecosystem, k.name, k.version));
  if (!keys.length) return [];
  const list: AffectedImageVersion[] = [];
  for (const r of await versionsWithKeys(q, keys)) {
    const packages: AffectedPackageHit[] = [];
    for (const [ecosystem, pkg, version, source, sourceVersion, arch] of r.pkgs) {
      const hit = matcher.match({ versionId: r.id, ecosystem, package: pkg, version, source, sourceVersion, arch });
      if (hit) packages.push(hit);
    }
    packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : 1));
    list.push({ id: r.id, gallery: r.gallery, image: r.image, imageId: r.imageId, version: r.name, excludeFromLatest: r.excludeFromLatest, buildRunId: r.buildRunId, templateName: r.templateName, packages });
  }
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
