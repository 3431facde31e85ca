/**
 * Blast radius of one advisory: the image versions that contain an affected package and the VMs that
 * run them. SQL reads the distinct package rows of the advisory's packages, JS decides each row with
 * the ecosystem's comparator, then SQL maps the affected rows to versions (integer keys), counts the
 * VMs on them per team and role from image_usage, and lists the first of them. Work grows with the
 * answer, not with the gallery or the fleet.
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

export interface SoftDeletedVersion {
  id: string;
  imageId: string;
  gallery: string;
  image: string;
  version: string;
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
  /** The affected versions new VMs can still get (not soft-deleted). */
  affectedVersions: AffectedImageVersion[];
  /** Affected versions since soft-deleted: no new VM gets them, but VMs created before still run them. */
  softDeletedVersions: SoftDeletedVersion[];
  /** Every VM and scale set running an affected version, soft-deleted ones included. */
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

/** [image definition id, "key name" per version ('!' in place of the space: excluded from latest; '~': soft-deleted), comma-separated, in no particular order] */
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
 * Phase 3, one statement: the versions of the affected keys, grouped by image definition (soft-deleted ones
 * only when `vms` is given, flagged: VMs still run them); when `vms` is given also how many VMs and scale sets run them per team and role,
 * read from image_usage (counts kept per version, team and role by triggers) without touching a VM,
 * and the first `vms.limit` of them by team, role and name (null: all). Only the VMs of the (team, role)
 * groups that page reaches into are read, from resources_image_version, and only the page's rows fetched.
 */
async function versionsAndVms(q: Queryable, seqs: string, count: number, vms?: VmListing): Promise<{ images: ImageSql[]; counts: CountSql[]; vms: VmSql[] }> {
  // Usually an advisory hits a few versions of a large gallery: then one probe per version of the covering
  // index, and of image_usage_version (LATERAL … LIMIT 1 / OFFSET 0 keep the planner from a hash join
  // that reads every version). When it hits thousands, reading the indexes whole into a hash join is
  // cheaper than thousands of probes. Either way only the indexes' columns are selected.
  const many = count > MANY_VERSIONS;
  // id_lower joins the VMs when all are listed; a page finds its versions' ids from usage rows instead.
  const cols = `g.seq, g.image_id, g.name, g.exclude_from_latest, g.deleted_at IS NOT NULL AS deleted${vms?.limit === null ? ', g.id_lower' : ''}`;
  // Soft-deleted versions are read only to count the VMs still running them.
  const alive = vms ? '' : 'AND g.deleted_at IS NULL';
  const read = many
    ? `SELECT ${cols} FROM gallery_versions g WHERE g.seq = ANY(string_to_array($1::text, ',')::int[]) ${alive}`
    : `SELECT g.* FROM unnest(string_to_array($1::text, ',')::int[]) AS s(seq)
       CROSS JOIN LATERAL (SELECT ${cols} FROM gallery_versions g WHERE g.seq = s.seq ${alive} LIMIT 1) g`;
  // Per image definition, its versions as one string: ordered aggregates and per-row JSON cost more in SQL
  // than sorting a few thousand entries in JS.
  const images = `SELECT json_agg(json_build_array(i.image_id, i.versions)) FROM (
      SELECT image_id, string_agg(seq || CASE WHEN deleted THEN '~' WHEN exclude_from_latest THEN '!' ELSE ' ' END || name, ',') AS versions FROM v GROUP BY image_id) i`;
  if (!vms) {
    const [row] = await q.query<{ images: ImageSql[] | null }>(`WITH v AS (${read}) SELECT (${images}) AS images`, [seqs]);
    return { images: row?.images ?? [], counts: [], vms: [] };
  }
  const usage = many
    ? `SELECT v.seq, u.team, u.role, u.vms FROM v JOIN image_usage u ON u.version_seq = v.seq`
    : `SELECT v.seq, u.* FROM v CROSS JOIN LATERAL (SELECT u.team, u.role, u.vms FROM image_usage u WHERE u.version_seq = v.seq OFFSET 0) u`;
  const sameGroup = (a: string, b: string) => `${a}.team IS NOT DISTINCT FROM ${b}.team AND ${a}.role IS NOT DISTINCT FROM ${b}.role`;
  const vmJson = (from: string) =>
    `SELECT json_agg(json_build_array(r.id, r.name, r.type = 'microsoft.compute/virtualmachinescalesets', r.team, r.role, r.image_version) ORDER BY ${vmOrder('r.')}, r.id COLLATE "C") FROM ${from}`;
  // All listed: every VM on the versions, read once. A page: only the VMs of the (team, role) groups it
  // reaches into, from the versions that have any, by index alone; then the page's own rows.
  const listing =
    vms.limit === null
      ? vmJson(many ? `v JOIN resources r ON r.image_version = v.id_lower` : `v CROSS JOIN LATERAL (SELECT * FROM resources r WHERE r.image_version = v.id_lower OFFSET 0) r`)
      : vmJson(`(WITH needed AS MATERIALIZED (
            -- The groups the page reaches into: in list order, those that start before its last VM.
            SELECT team, role FROM (SELECT team, role, sum(n) OVER (ORDER BY team COLLATE "C" NULLS LAST, role COLLATE "C" NULLS LAST) - n AS before FROM counts) c WHERE before < $2::int),
          onv AS (SELECT DISTINCT (SELECT g.id_lower FROM gallery_versions g WHERE g.seq = u.seq) AS image_version FROM u JOIN needed k ON ${sameGroup('k', 'u')}),
          page AS (SELECT r.* FROM onv CROSS JOIN LATERAL (SELECT r.image_version, r.team, r.role, r.name FROM resources r WHERE r.image_version = onv.image_version OFFSET 0) r
                   WHERE EXISTS (SELECT 1 FROM needed k WHERE ${sameGroup('k', 'r')})
                   ORDER BY ${vmOrder('r.')}, r.image_version COLLATE "C" LIMIT $2::int)
          SELECT DISTINCT image_version, name FROM page) p JOIN resources r ON r.image_version = p.image_version AND r.name = p.name`);
  const [row] = await q.query<{ images: ImageSql[] | null; counts: CountSql[] | null; vms: VmSql[] | null }>(
    `WITH v AS MATERIALIZED (${read}),
     u AS MATERIALIZED (${usage}),
     counts AS MATERIALIZED (SELECT team, role, sum(vms)::int AS n FROM u GROUP BY team, role)
     SELECT (${images}) AS images,
            (SELECT json_agg(json_build_array(c.team, c.role, c.n)) FROM counts c) AS counts,
            (${listing}) AS vms`,
    vms.limit === null ? [seqs] : [seqs, vms.limit],
  );
  // Two VMs of one name on one version (in different resource groups) both join: keep the page its size.
  const listed = row?.vms ?? [];
  return { images: row?.images ?? [], counts: row?.counts ?? [], vms: vms.limit === null ? listed : listed.slice(0, vms.limit) };
}

function vmOf([id, name, scaleSet, team, role]: VmSql, imageVersion: string): ImpactVm {
  return { id, name, type: scaleSet ? 'microsoft.compute/virtualmachinescalesets' : 'microsoft.compute/virtualmachines', team, role, imageVersion };
}

/** A lower-cased version id as the gallery spells it, given its image definitions' ids by lower-cased id. */
function canonicalVersion(lower: string, imageIds: ReadonlyMap<string, string>): string {
  const at = lower.lastIndexOf('/versions/');
  const image = at < 0 ? undefined : imageIds.get(lower.slice(0, at));
  return image === undefined ? lower : image + lower.slice(at);
}

interface Radius {
  affectedVersions: AffectedImageVersion[];
  /** Affected versions since soft-deleted (read only when VMs are). */
  softDeleted: SoftDeletedVersion[];
  counts: CountSql[];
  vms: VmSql[];
}

/** Which VMs to read with the versions: counted always, the first `limit` listed (null: all). */
interface VmListing {
  limit: number | null;
}

/** Which image versions a set of advisories affects (SQL narrows by package, JS decides by version), and optionally who runs them. */
async function radiusOf(q: Queryable, advisories: readonly StoredAdvisory[], vms?: VmListing): Promise<Radius> {
  const none: Radius = { affectedVersions: [], softDeleted: [], counts: [], vms: [] };
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
  const { images, counts, vms: listed } = await versionsAndVms(q, keys.join(','), keys.length, vms);
  const affectedVersions: AffectedImageVersion[] = [];
  const softDeleted: SoftDeletedVersion[] = [];
  // Image definitions by id, case-insensitively as Azure compares them; versions by number (1.0.9 before 1.0.10).
  for (const [imageId, versions] of images.sort((a, b) => (a[0].toLowerCase() < b[0].toLowerCase() ? -1 : 1))) {
    const at = parseImageId(imageId);
    const mine = versions.split(',').map(parseVersionEntry);
    // Versions are mostly stored in publish order, which is version order: sort only when they are not.
    if (mine.some((x, i) => i > 0 && byNumber(mine[i - 1]!, x) > 0)) mine.sort(byNumber);
    for (const x of mine) {
      if (x.deleted) {
        softDeleted.push({ id: `${imageId}/versions/${x.name}`, imageId, gallery: at.gallery, image: at.image, version: x.name });
        continue;
      }
      const packages = hits[x.seq]!;
      if (packages.length > 1) packages.sort(byNameArch);
      affectedVersions.push({ id: `${imageId}/versions/${x.name}`, gallery: at.gallery, image: at.image, imageId, version: x.name, excludeFromLatest: x.excluded, packages });
    }
  }
  return { affectedVersions, softDeleted, counts, vms: listed };
}

interface VersionEntry {
  seq: number;
  major: number;
  minor: number;
  patch: number;
  excluded: boolean;
  deleted: boolean;
  name: string;
}

/** "seq name", "seq!name" (excluded from latest) or "seq~name" (soft-deleted); name is major.minor.patch. Parsed by hand: thousands per advisory. */
function parseVersionEntry(entry: string): VersionEntry {
  let at = 0;
  let seq = 0;
  for (let c = entry.charCodeAt(at); c >= 48 && c <= 57; c = entry.charCodeAt(++at)) seq = seq * 10 + c - 48;
  const excluded = entry.charCodeAt(at) === 33; // '!'
  const deleted = entry.charCodeAt(at) === 126; // '~'
  const name = entry.slice(at + 1);
  const n = [0, 0, 0];
  for (let i = 0, part = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 46) part++;
    else n[part] = n[part]! * 10 + c - 48;
  }
  return { seq, major: n[0]!, minor: n[1]!, patch: n[2]!, excluded, deleted, name };
}

const byNumber = (a: VersionEntry, b: VersionEntry) => a.major - b.major || a.minor - b.minor || a.patch - b.patch;

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
  return impactOf(q, advisories, opts);
}

/** The impact of advisories already found (the first is the one asked for, the rest related). */
export async function impactOf(q: Queryable, advisories: readonly StoredAdvisory[], opts: ImpactOptions = {}): Promise<Impact> {
  const limit = opts.vmLimit === undefined ? DEFAULT_VM_LIMIT : opts.vmLimit;
  const r = await radiusOf(q, advisories, { limit: limit === null ? null : Math.max(0, limit) });
  // Listed VMs name their version lower-cased: give it back as the gallery spells it.
  const imageIds = new Set([...r.affectedVersions.map((v) => v.imageId), ...r.softDeleted.map((v) => v.imageId)]);
  const canonical = new Map([...imageIds].map((id) => [id.toLowerCase(), id]));
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
    softDeletedVersions: r.softDeleted,
    vmCount,
    byTeam: sortKeys(byTeam),
    byRole: sortKeys(byRole),
    vms: r.vms.map((v) => vmOf(v, canonicalVersion(v[5], canonical))),
  };
}

/** Keys in code-point order with the "(no …)" buckets last, as the VM list is ordered. */
function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const keys = Object.keys(o).sort((a, b) => Number(a.startsWith('(no ')) - Number(b.startsWith('(no ')) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, o[k]!]));
}
