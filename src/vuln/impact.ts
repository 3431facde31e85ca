/**
 * Blast radius of one advisory: the image versions that contain an affected package and the VMs that
 * run them. One query path: SQL selects candidates by (ecosystem, package) on the image package
 * index, version ranges are decided in JS with the ecosystem's comparator, then one query finds VMs.
 */
import { NotFoundError } from '../errors/index.js';
import { parseVersionId } from '../gallery/index.js';
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

/** Version ids sort by number (1.0.9 before 1.0.10); one collator, made once. */
const byNumericId = new Intl.Collator('en', { numeric: true });

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
  name: string;
  excludeFromLatest: boolean;
  buildRunId: string | null;
  templateName: string | null;
  /** [ecosystem, package, version, source, sourceVersion, arch] */
  pkgs: Array<[string, string, string, string, string, string]>;
}

/** Phase 2: the non-deleted versions holding an affected key, one row each with its matching packages.
 * Gallery and image names come from the Azure id, not a join (the planner misjudges that join badly). */
async function versionsWithKeys(q: Queryable, keys: KeyRow[]): Promise<VersionSqlRow[]> {
  // One row holding one JSON array: per-row overhead, not SQL, dominates large results on PGlite.
  const [row] = await q.query<{ list: VersionSqlRow[] }>(
    `WITH hit AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS h(ecosystem text, name text, version text, "bySource" boolean)),
     rows AS (
       SELECT p.* FROM image_packages p JOIN hit h ON h."bySource" AND p.ecosystem = h.ecosystem AND p.source = h.name AND p.source_version = h.version
       UNION ALL
       SELECT p.* FROM image_packages p JOIN hit h ON NOT h."bySource" AND p.ecosystem = h.ecosystem AND p.package = h.name AND p.version = h.version
     )
     SELECT COALESCE(jsonb_agg(jsonb_build_object('id', v.id, 'name', v.name, 'excludeFromLatest', v.exclude_from_latest, 'buildRunId', v.build_run_id,
                                                  'templateName', v.metadata->>'templateName', 'pkgs', r.pkgs)), '[]'::jsonb) AS list
     FROM (SELECT version_id, jsonb_agg(jsonb_build_array(ecosystem, package, version, source, source_version, arch)) AS pkgs FROM rows GROUP BY version_id) r
     JOIN gallery_versions v ON v.id = r.version_id AND v.deleted_at IS NULL`,
    [JSON.stringify(keys)],
  );
  return row?.list ?? [];
}

/** VMs (and scale sets) whose image reference names one of the versions, directly or via latest + exactVersion. */
export async function vmsOn(q: Queryable, versionIds: readonly string[]): Promise<ImpactVm[]> {
  if (!versionIds.length) return [];
  const canonical = new Map(versionIds.map((id) => [id.toLowerCase(), id]));
  const refs = [...new Set([...canonical.keys()].flatMap((id) => [id, id.replace(/\/versions\/[^/]+$/, '')]))];
  // The WHERE clause repeats the indexed expression (vuln_vm_image_ref) verbatim; one JSON row as above.
  const [row] = await q.query<{ list: Array<[string, string, string, string | null, string | null, string, string | null]> }>(
    `SELECT COALESCE(jsonb_agg(jsonb_build_array(r.id, r.name, r.type, r.doc->'tags'->>'team', r.doc->'tags'->>'role',
              lower(COALESCE(doc #>> '{properties,storageProfile,imageReference,id}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}')),
              COALESCE(doc #>> '{properties,storageProfile,imageReference,exactVersion}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,exactVersion}'))), '[]'::jsonb) AS list
     FROM resources r
     WHERE lower(COALESCE(doc #>> '{properties,storageProfile,imageReference,id}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}')) = ANY($1::text[])
       AND r.type IN ('microsoft.compute/virtualmachines', 'microsoft.compute/virtualmachinescalesets')`,
    [refs],
  );
  const out: ImpactVm[] = [];
  for (const [id, name, type, team, role, refId, exactVersion] of row?.list ?? []) {
    const vid = refId.includes('/versions/') ? refId : exactVersion ? `${refId}/versions/${exactVersion}`.toLowerCase() : undefined;
    const imageVersion = vid ? canonical.get(vid) : undefined;
    if (imageVersion) out.push({ id, name, type, team, role, imageVersion });
  }
  const k = (s: string | null) => s ?? '\uffff';
  const c = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => c(k(a.team), k(b.team)) || c(k(a.role), k(b.role)) || c(a.name, b.name) || c(a.id, b.id));
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
    const at = parseVersionId(r.id);
    list.push({ id: r.id, gallery: at.gallery, image: at.image, imageId: r.id.slice(0, r.id.lastIndexOf('/versions/')), version: r.name, excludeFromLatest: r.excludeFromLatest, buildRunId: r.buildRunId, templateName: r.templateName, packages });
  }
  return list.sort((a, b) => byNumericId.compare(a.id, b.id));
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
