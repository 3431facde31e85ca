/**
 * Blast radius of one advisory: the image versions that contain an affected package and the VMs that
 * run them. SQL reads the distinct package rows of the advisory's packages, JS decides each row with
 * the ecosystem's comparator, then SQL maps the affected rows to versions (integer keys) and those to
 * the VMs running them, counted per team and role. Work grows with the answer, not with the gallery.
 */
import { NotFoundError } from '../errors/index.js';
import { parseVersionId } from '../gallery/index.js';
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
  packages: AffectedPackageHit[];
}

export interface ImpactVm {
  id: string;
  name: string;
  type: string;
  team: string | null;
  /** The role tag, lower-cased (pet, cattle). */
  role: string | null;
  /** The gallery version the VM runs (for `latest` references: the version it resolved to). */
  imageVersion: string;
}

export interface Impact {
  advisory: StoredAdvisory;
  /** Other advisories describing the same vulnerability (DSA ↔ CVE ↔ tracker), matched too. */
  related: string[];
  affectedVersions: AffectedImageVersion[];
  /** Every VM and scale set running an affected version. */
  vmCount: number;
  /** VMs per team, and per role within it; untagged ones under "(no team)" / "(no role)". */
  byTeam: Record<string, { vms: number; byRole: Record<string, number> }>;
  byRole: Record<string, number>;
  /** The first VMs by team, role and name (all of them when listed with no limit); `vmCount` counts them all. */
  vms: ImpactVm[];
}

export const NO_TEAM = '(no team)';
export const NO_ROLE = '(no role)';

type Wanted = Array<{ ecosystem: string; package: string; bySource: boolean }>;
/** A distinct package row (package_rows): every version holding it shares it. */
interface PackageRow extends CandidateRow {
  id: number;
}

/**
 * Phase 1: the distinct package rows the advisories name: by source package (Debian) or binary (RPM,
 * Alpine). A package in every image version still has only a few dozen distinct rows.
 */
async function packageRowsFor(q: Queryable, wanted: Wanted): Promise<PackageRow[]> {
  return q.query<PackageRow>(
    `WITH want AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(ecosystem text, package text, "bySource" boolean))
     SELECT r.id, r.ecosystem, r.package, r.version, r.source, r.source_version AS "sourceVersion", r.arch
       FROM want w JOIN package_rows r ON w."bySource" AND r.ecosystem = w.ecosystem AND r.source = w.package
     UNION ALL
     SELECT r.id, r.ecosystem, r.package, r.version, r.source, r.source_version, r.arch
       FROM want w JOIN package_rows r ON NOT w."bySource" AND r.ecosystem = w.ecosystem AND r.package = w.package`,
    [JSON.stringify(wanted)],
  );
}

/** Phase 2: per affected package row, the keys (gallery_versions.seq) of the versions holding it: a few bytes per version. */
async function versionKeysOf(q: Queryable, rowIds: number[]): Promise<Array<{ row: number; seqs: number[] }>> {
  return q.query<{ row: number; seqs: number[] }>(
    `SELECT row_id AS row, json_agg(version_seq) AS seqs FROM version_packages WHERE row_id = ANY($1::int[]) GROUP BY row_id`,
    [rowIds],
  );
}

/** [image definition id, "key major minor patch excluded(0|1) name" per live version, comma-separated, in no particular order] */
type ImageSql = [string, string];
/** [team, role, VMs] */
type CountSql = [string | null, string | null, number];
/** [id, name, is a scale set, team, role, image version (lower-cased)] */
type VmSql = [string, string, boolean, string | null, string | null, string];

/** Above this many affected versions, reading whole indexes beats probing them once per version (measured: see docs/vuln.md). */
const MANY_VERSIONS = 2000;

/** Team, role, name; untagged last; code-point order whatever the database's collation. */
const vmOrder = (r = '') => `${r}team COLLATE "C" NULLS LAST, ${r}role COLLATE "C" NULLS LAST, ${r}name COLLATE "C"`;

/**
 * Phase 3, one statement: of the affected version keys, the live (not soft-deleted) versions, grouped by
 * image definition; when `vms` is given also the VMs and scale sets running them, counted per team
 * and role, and the first `vms.limit` of them by team, role and name (null: all). Versions and VM counts
 * are read from indexes alone (gallery_versions_seq, resources_image_version); only listed VMs are fetched.
 */
async function liveVersionsAndVms(q: Queryable, seqs: string, count: number, vms?: VmListing): Promise<{ images: ImageSql[]; counts: CountSql[]; vms: VmSql[] }> {
  // Usually an advisory hits a few versions of a large gallery and fleet: then one probe of the covering
  // index per version, and of resources_image_version per version (LATERAL … LIMIT 1 / OFFSET 0 keep the
  // planner from a hash join that reads every version and every VM). When it hits thousands, reading
  // the index whole into a hash join is cheaper than thousands of probes. Either way only the indexes'
  // columns are selected, so the (wide) version rows and VM documents are never read.
  const many = count > MANY_VERSIONS;
  const cols = (vms: boolean) => `g.seq, g.image_id, g.name, g.major, g.minor, g.patch, g.exclude_from_latest${vms ? ', g.id_lower' : ''}`;
  const live = (vms: boolean) =>
    many
      ? `SELECT ${cols(vms)} FROM gallery_versions g WHERE g.seq = ANY(string_to_array($1::text, ',')::int[]) AND g.deleted_at IS NULL`
      : `SELECT g.* FROM unnest(string_to_array($1::text, ',')::int[]) AS s(seq)
         CROSS JOIN LATERAL (SELECT ${cols(vms)} FROM gallery_versions g WHERE g.seq = s.seq AND g.deleted_at IS NULL LIMIT 1) g`;
  const onVersions = many
    ? `SELECT r.image_version, r.team, r.role, r.name FROM v JOIN resources r ON r.image_version = v.id_lower`
    : `SELECT r.* FROM v CROSS JOIN LATERAL (SELECT r.image_version, r.team, r.role, r.name FROM resources r WHERE r.image_version = v.id_lower OFFSET 0) r`;
  // Per image definition, its versions as one string: ordered aggregates and per-row JSON cost more in SQL
  // than sorting a few thousand entries in JS.
  const images = `SELECT json_agg(json_build_array(i.image_id, i.versions)) FROM (
      SELECT image_id, string_agg(concat_ws(' ', seq, major, minor, patch, CASE WHEN exclude_from_latest THEN 1 ELSE 0 END, name), ',') AS versions FROM v GROUP BY image_id) i`;
  if (!vms) {
    const [row] = await q.query<{ images: ImageSql[] | null }>(`WITH v AS (${live(false)}) SELECT (${images}) AS images`, [seqs]);
    return { images: row?.images ?? [], counts: [], vms: [] };
  }
  const [row] = await q.query<{ images: ImageSql[] | null; counts: CountSql[] | null; vms: VmSql[] | null }>(
    `WITH v AS MATERIALIZED (${live(true)}),
     vm AS MATERIALIZED (${onVersions}),
     page AS (SELECT * FROM vm ORDER BY ${vmOrder()} LIMIT $2)
     SELECT (${images}) AS images,
            (SELECT json_agg(json_build_array(c.team, c.role, c.n)) FROM (SELECT team, role, count(*)::int AS n FROM vm GROUP BY team, role) c) AS counts,
            (SELECT json_agg(json_build_array(r.id, r.name, r.type = 'microsoft.compute/virtualmachinescalesets', r.team, r.role, r.image_version) ORDER BY ${vmOrder('r.')}, r.id COLLATE "C")
               FROM (SELECT DISTINCT image_version, name FROM page) p
               JOIN resources r ON r.image_version = p.image_version AND r.name = p.name) AS vms`,
    [seqs, vms.limit],
  );
  // Two VMs of one name on one version (in different resource groups) both join: keep the page its size.
  const listed = row?.vms ?? [];
  return { images: row?.images ?? [], counts: row?.counts ?? [], vms: vms.limit === null ? listed : listed.slice(0, vms.limit) };
}

/** VMs (and scale sets) running any of these versions, directly or via latest + exactVersion; ordered by team, role, name. */
export async function vmsOn(q: Queryable, versionIds: readonly string[]): Promise<ImpactVm[]> {
  if (!versionIds.length) return [];
  const canonical = new Map(versionIds.map((id) => [id.toLowerCase(), id]));
  const rows = await q.query<{ list: VmSql[] | null }>(
    `SELECT json_agg(json_build_array(r.id, r.name, r.type = 'microsoft.compute/virtualmachinescalesets', r.team, r.role, r.image_version) ORDER BY ${vmOrder()}, id COLLATE "C") AS list
       FROM resources r WHERE r.image_version = ANY($1::text[])`,
    [[...canonical.keys()]],
  );
  return (rows[0]?.list ?? []).map((r) => vmOf(r, canonical));
}

function vmOf([id, name, scaleSet, team, role, version]: VmSql, canonical: ReadonlyMap<string, string>): ImpactVm {
  return { id, name, type: scaleSet ? 'microsoft.compute/virtualmachinescalesets' : 'microsoft.compute/virtualmachines', team, role, imageVersion: canonical.get(version) ?? version };
}

interface Radius {
  affectedVersions: AffectedImageVersion[];
  counts: CountSql[];
  vms: VmSql[];
}

/** Which VMs to read with the versions: counted always, the first `limit` listed (null: all). */
interface VmListing {
  limit: number | null;
}

/** Which image versions a set of advisories affects (SQL narrows by package, JS decides by version), and optionally who runs them. */
async function radiusOf(q: Queryable, advisories: readonly StoredAdvisory[], vms?: VmListing): Promise<Radius> {
  const none: Radius = { affectedVersions: [], counts: [], vms: [] };
  const matcher = new CandidateMatcher(advisories.flatMap((a) => a.affected.map((entry) => ({ advisoryId: a.id, entry }))));
  const wanted = matcher.wanted();
  if (!wanted.length) return none;
  // Per version key, the package hits: one decision per package row, shared (read-only) by every version holding it.
  const decided = new Map<number, AffectedPackageHit>();
  for (const row of await packageRowsFor(q, wanted)) {
    const hit = matcher.match(row);
    if (hit) decided.set(row.id, hit);
  }
  if (!decided.size) return none;
  // Version keys are small integers: an array indexed by key beats a map for thousands of versions.
  const hits: AffectedPackageHit[][] = [];
  const keys: number[] = [];
  for (const { row, seqs } of await versionKeysOf(q, [...decided.keys()])) {
    const hit = decided.get(row)!;
    for (const seq of seqs) {
      const list = hits[seq];
      if (list) list.push(hit);
      else (hits[seq] = [hit]), keys.push(seq);
    }
  }
  if (!keys.length) return none;
  const { images, counts, vms: listed } = await liveVersionsAndVms(q, keys.join(','), keys.length, vms);
  const affectedVersions: AffectedImageVersion[] = [];
  // Image definitions by id, case-insensitively as Azure compares them; versions by number (1.0.9 before 1.0.10).
  for (const [imageId, versions] of images.sort((a, b) => (a[0].toLowerCase() < b[0].toLowerCase() ? -1 : 1))) {
    const at = parseImageId(imageId);
    const mine = versions.split(',').map((entry) => {
      const [seq, major, minor, patch, excluded, name] = entry.split(' ') as [string, string, string, string, string, string];
      return { seq: Number(seq), major: Number(major), minor: Number(minor), patch: Number(patch), excluded: excluded === '1', name };
    });
    type V = (typeof mine)[number];
    const byNumber = (a: V, b: V) => a.major - b.major || a.minor - b.minor || a.patch - b.patch;
    // Versions are mostly stored in publish order, which is version order: sort only when they are not.
    if (mine.some((x, i) => i > 0 && byNumber(mine[i - 1]!, x) > 0)) mine.sort(byNumber);
    for (const x of mine) {
      const packages = hits[x.seq]!;
      if (packages.length > 1) packages.sort(byNameArch);
      affectedVersions.push({ id: `${imageId}/versions/${x.name}`, gallery: at.gallery, image: at.image, imageId, version: x.name, excludeFromLatest: x.excluded, packages });
    }
  }
  return { affectedVersions, counts, vms: listed };
}

const byNameArch = (a: AffectedPackageHit, b: AffectedPackageHit) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0);

/** Gallery and image names of an image definition id. */
function parseImageId(imageId: string): { gallery: string; image: string } {
  const at = parseVersionId(`${imageId}/versions/0`);
  return { gallery: at.gallery, image: at.image };
}

/** Which image versions a set of advisories affects. */
export async function affectedVersionsFor(q: Queryable, advisories: readonly StoredAdvisory[]): Promise<AffectedImageVersion[]> {
  return (await radiusOf(q, advisories)).affectedVersions;
}

export interface ImpactOptions {
  /** How many VMs to list (by team, role, name): null lists all, 0 none. The counts always cover every VM. Default 100. */
  vmLimit?: number | null;
}

export const DEFAULT_VM_LIMIT = 100;

export async function impact(q: Queryable, ref: string, opts: ImpactOptions = {}): Promise<Impact> {
  const advisories = await findAdvisories(q, ref);
  if (!advisories.length) throw new NotFoundError('VULN_ADVISORY_NOT_FOUND', `no advisory ${ref} (by id or alias); import it with goldsmith cve import`, { where: ref });
  const limit = opts.vmLimit === undefined ? DEFAULT_VM_LIMIT : opts.vmLimit;
  const r = await radiusOf(q, advisories, { limit: limit === null ? null : Math.max(0, limit) });
  const canonical = new Map(r.affectedVersions.map((v) => [v.id.toLowerCase(), v.id]));
  const byTeam: Impact['byTeam'] = {};
  const byRole: Impact['byRole'] = {};
  let vmCount = 0;
  for (const [team, role, n] of r.counts) {
    const t = (byTeam[team ?? NO_TEAM] ??= { vms: 0, byRole: {} });
    t.vms += n;
    t.byRole[role ?? NO_ROLE] = (t.byRole[role ?? NO_ROLE] ?? 0) + n;
    byRole[role ?? NO_ROLE] = (byRole[role ?? NO_ROLE] ?? 0) + n;
    vmCount += n;
  }
  return {
    advisory: advisories[0]!,
    related: advisories.slice(1).map((a) => a.id),
    affectedVersions: r.affectedVersions,
    vmCount,
    byTeam: sortKeys(byTeam),
    byRole: sortKeys(byRole),
    vms: r.vms.map((v) => vmOf(v, canonical)),
  };
}

/** Keys in code-point order with the "(no …)" buckets last, as the VM list is ordered. */
function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const keys = Object.keys(o).sort((a, b) => Number(a.startsWith('(no ')) - Number(b.startsWith('(no ')) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, o[k]!]));
}
