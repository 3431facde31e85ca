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

/**
 * The collator is slow on thousands of ids: order by a cheap key first (digit runs padded), then check
 * the result with the collator in one pass and fall back to a full collator sort only if it disagrees.
 */
function sortByNumericId<T extends { id: string }>(list: T[]): T[] {
  const keyed = list.map((v) => ({ k: v.id.toLowerCase().replace(/\d+/g, (d) => d.padStart(20, '0')), v }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const out = keyed.map((x) => x.v);
  for (let i = 1; i < out.length; i++) if (byNumericId.compare(out[i - 1]!.id, out[i]!.id) > 0) return list.sort((a, b) => byNumericId.compare(a.id, b.id));
  return out;
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
 * index alone. A package in every image version has tens of thousands of rows but a handful of
 * versions, so this skips from one version to the next (a loose index scan) instead of reading them all.
 */
async function candidateKeys(q: Queryable, wanted: Wanted): Promise<KeyRow[]> {
  return q.query<KeyRow>(
    `WITH RECURSIVE want AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(ecosystem text, package text, "bySource" boolean)),
     src AS (
       SELECT w.ecosystem, w.package, (SELECT min(p.source_version) FROM image_packages p WHERE p.ecosystem = w.ecosystem AND p.source = w.package) AS v
         FROM want w WHERE w."bySource"
       UNION ALL
       SELECT s.ecosystem, s.package, (SELECT min(p.source_version) FROM image_packages p WHERE p.ecosystem = s.ecosystem AND p.source = s.package AND p.source_version > s.v)
         FROM src s WHERE s.v IS NOT NULL
     ), bin AS (
       SELECT w.ecosystem, w.package, (SELECT min(p.version) FROM image_packages p WHERE p.ecosystem = w.ecosystem AND p.package = w.package) AS v
         FROM want w WHERE NOT w."bySource"
       UNION ALL
       SELECT b.ecosystem, b.package, (SELECT min(p.version) FROM image_packages p WHERE p.ecosystem = b.ecosystem AND p.package = b.package AND p.version > b.v)
         FROM bin b WHERE b.v IS NOT NULL
     )
     SELECT ecosystem, package AS name, v AS version, true AS "bySource" FROM src WHERE v IS NOT NULL
     UNION
     SELECT ecosystem, package, v, false FROM bin WHERE v IS NOT NULL`,
    [JSON.stringify(wanted)],
  );
}

/** [ecosystem, package, version, source, sourceVersion, arch, version ids holding it] */
type GroupSql = [string, string, string, string, string, string, string[]];
/** [id, name, excludeFromLatest, buildRunId, templateName] */
type VersionSql = [string, string, boolean, string | null, string | null];

/**
 * Phase 2: the index rows of the affected keys, grouped by package row (a few dozen groups, each listing
 * the versions holding it), and the non-deleted versions among them. Grouping by package rather than by
 * version keeps the result small; json (not jsonb) in one row because building and sending thousands of
 * rows or jsonb values dominates otherwise. Gallery and image names come from the Azure id, not a join.
 */
async function rowsWithKeys(q: Queryable, keys: KeyRow[]): Promise<{ groups: GroupSql[]; versions: VersionSql[] }> {
  const [row] = await q.query<{ groups: GroupSql[] | null; versions: VersionSql[] | null }>(
    `WITH hit AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS h(ecosystem text, name text, version text, "bySource" boolean)),
     rows AS MATERIALIZED (
       SELECT p.version_id, p.ecosystem, p.package, p.version, p.source, p.source_version, p.arch
         FROM image_packages p JOIN hit h ON h."bySource" AND p.ecosystem = h.ecosystem AND p.source = h.name AND p.source_version = h.version
       UNION ALL
       SELECT p.version_id, p.ecosystem, p.package, p.version, p.source, p.source_version, p.arch
         FROM image_packages p JOIN hit h ON NOT h."bySource" AND p.ecosystem = h.ecosystem AND p.package = h.name AND p.version = h.version
     )
     SELECT (SELECT json_agg(g.a) FROM (SELECT json_build_array(ecosystem, package, version, source, source_version, arch, json_agg(version_id)) AS a
                                          FROM rows GROUP BY ecosystem, package, version, source, source_version, arch) g) AS groups,
            (SELECT json_agg(json_build_array(v.id, v.name, v.exclude_from_latest, v.build_run_id, v.metadata->>'templateName'))
               FROM gallery_versions v WHERE v.deleted_at IS NULL AND v.id IN (SELECT version_id FROM rows)) AS versions`,
    [JSON.stringify(keys)],
  );
  return { groups: row?.groups ?? [], versions: row?.versions ?? [] };
}

/**
 * The version a VM's image reference resolves to, lower-cased: the reference itself when it names a
 * version, else the definition plus exactVersion (what a `latest` reference resolved to). The WHERE
 * clause below repeats this expression verbatim so the planner uses its index (vuln_vm_image_version).
 */
const VM_IMAGE_VERSION = `lower(CASE WHEN strpos(lower(COALESCE(doc #>> '{properties,storageProfile,imageReference,id}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}')), '/versions/') > 0
  THEN COALESCE(doc #>> '{properties,storageProfile,imageReference,id}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}')
  ELSE COALESCE(doc #>> '{properties,storageProfile,imageReference,id}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}')
    || '/versions/' || COALESCE(doc #>> '{properties,storageProfile,imageReference,exactVersion}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,exactVersion}') END)`;

const nullLast = (s: string | null) => s ?? '\uffff';
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const vmOrder = (a: ImpactVm, b: ImpactVm) => cmp(nullLast(a.team), nullLast(b.team)) || cmp(nullLast(a.role), nullLast(b.role)) || cmp(a.name, b.name) || cmp(a.id, b.id);

/** VMs (and scale sets) whose image reference names one of the versions, directly or via latest + exactVersion. */
export async function vmsOn(q: Queryable, versionIds: readonly string[]): Promise<ImpactVm[]> {
  if (!versionIds.length) return [];
  const canonical = new Map(versionIds.map((id) => [id.toLowerCase(), id]));
  const wanted = [...canonical.values()];
  // One index probe per version (OFFSET 0 keeps the planner from turning it into a scan of every VM
  // that evaluates the expression per row); the version comes back as its position in $1, the type as
  // a flag: thousands of VMs make the JSON size matter. Sorted in JS, usually already in order.
  const [row] = await q.query<{ list: Array<[string, string, boolean, string | null, string | null, number]> | null }>(
    `SELECT json_agg(json_build_array(r.id, r.name, r.scale_set, r.team, r.role, u.ord)) AS list
       FROM unnest($1::text[]) WITH ORDINALITY AS u(vid, ord)
       CROSS JOIN LATERAL (
         SELECT r.id, r.name, r.type = 'microsoft.compute/virtualmachinescalesets' AS scale_set, r.doc->'tags'->>'team' AS team, r.doc->'tags'->>'role' AS role
           FROM resources r
          WHERE ${VM_IMAGE_VERSION} = u.vid
            AND r.type IN ('microsoft.compute/virtualmachines', 'microsoft.compute/virtualmachinescalesets')
         OFFSET 0) r`,
    [[...canonical.keys()]],
  );
  const out: ImpactVm[] = [];
  let sorted = true;
  for (const [id, name, scaleSet, team, role, ord] of row?.list ?? []) {
    const vm = { id, name, type: scaleSet ? 'microsoft.compute/virtualmachinescalesets' : 'microsoft.compute/virtualmachines', team, role, imageVersion: wanted[ord - 1]! };
    if (sorted && out.length && vmOrder(out[out.length - 1]!, vm) > 0) sorted = false;
    out.push(vm);
  }
  return sorted ? out : out.sort(vmOrder);
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
  const { groups, versions } = await rowsWithKeys(q, keys);
  const byId = new Map<string, AffectedImageVersion>();
  for (const [id, name, excludeFromLatest, buildRunId, templateName] of versions) {
    const at = parseVersionId(id);
    byId.set(id, { id, gallery: at.gallery, image: at.image, imageId: id.slice(0, id.lastIndexOf('/versions/')), version: name, excludeFromLatest, buildRunId, templateName, packages: [] });
  }
  for (const [ecosystem, pkg, version, source, sourceVersion, arch, ids] of groups) {
    // One decision per package row, shared by every version holding it; each version gets its own copy.
    const hit = matcher.match({ versionId: '', ecosystem, package: pkg, version, source, sourceVersion, arch });
    if (!hit) continue;
    for (const id of ids) byId.get(id)?.packages.push({ ...hit });
  }
  const list = [...byId.values()];
  for (const v of list) if (v.packages.length > 1) v.packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : 1));
  return sortByNumericId(list);
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
