import { parseGalleryImageId } from '../arm/index.js';
import type { ImageFacts } from '../policy/index.js';
import type { Queryable } from '../store/index.js';
import type { GalleryIndex } from './gallery-index.js';
import { imageFactsFor, outdatedReasons, type OutdatedReason } from './image-facts.js';
import type { ImageReference } from './types.js';

/** The part of a VM document fleet questions need; loading only this keeps 100k VMs cheap. */
export type VmSummary = {
  id: string;
  name: string;
  subscription: string;
  resourceGroup: string;
  location?: string;
  tags: Record<string, string>;
  properties: { storageProfile: { imageReference?: ImageReference } };
  /** How many VMs this row stands for (grouped loads); 1 when absent. */
  count?: number;
};

const tagSql = (key: string) =>
  `coalesce(doc->'tags'->>'${key}', (SELECT t.value FROM jsonb_each_text(doc->'tags') t WHERE lower(t.key) = '${key}' LIMIT 1))`;
const REF_SQL = `doc#>'{properties,storageProfile,imageReference}'`;

/**
 * VMs grouped by what fleet questions look at (tags, region, image reference), counted in SQL: a
 * hundred thousand VMs come back as a few hundred rows, which is what makes roll-ups cheap on PGlite,
 * where row transfer costs far more than the scan.
 */
export async function loadVmGroups(q: Queryable, tags: ReadonlyArray<'team' | 'application' | 'role'>): Promise<VmSummary[]> {
  const cols = tags.map((k, i) => `${tagSql(k)} AS t${i}`);
  const rows = await q.query<Record<string, unknown> & { location: string | null; ref: ImageReference | null; n: number }>(
    `SELECT ${[...cols, `doc->>'location' AS location`, `${REF_SQL} AS ref`, 'count(*)::int AS n'].join(', ')}
     FROM resources WHERE type = 'microsoft.compute/virtualmachines'
     GROUP BY ${[...tags.map((_, i) => String(i + 1)), String(tags.length + 1), String(tags.length + 2)].join(', ')}`,
  );
  return rows.map((r) => {
    const t: Record<string, string> = {};
    tags.forEach((k, i) => {
      const v = r[`t${i}`];
      if (typeof v === 'string') t[k] = v;
    });
    return {
      id: '',
      name: '',
      subscription: '',
      resourceGroup: '',
      ...(r.location ? { location: r.location } : {}),
      tags: t,
      properties: { storageProfile: r.ref ? { imageReference: r.ref } : {} },
      count: r.n,
    };
  });
}

/** Only the VMs whose (image reference, region) is in `keys`: the second phase of `outdated`. */
export async function loadVmsByImage(q: Queryable, keys: ReadonlyArray<[string, string, string]>): Promise<VmSummary[]> {
  if (!keys.length) return [];
  const rows = await q.query<VmSummaryRow>(
    `SELECT id, name, subscription, resource_group, doc->>'location' AS location, doc->'tags' AS tags, ${REF_SQL} AS ref
     FROM resources
     WHERE type = 'microsoft.compute/virtualmachines'
       AND (coalesce(lower(${REF_SQL}->>'id'), ''), coalesce(${REF_SQL}->>'exactVersion', ''), coalesce(doc->>'location', ''))
           IN (SELECT e->>0, e->>1, e->>2 FROM jsonb_array_elements($1::jsonb) AS e)
     ORDER BY id_lower`,
    [JSON.stringify(keys)],
  );
  return rows.map(toVmSummary);
}

interface VmSummaryRow {
  id: string;
  name: string;
  subscription: string;
  resource_group: string;
  location: string | null;
  tags: Record<string, string> | null;
  ref: ImageReference | null;
}

function toVmSummary(r: VmSummaryRow): VmSummary {
  return {
    id: r.id,
    name: r.name,
    subscription: r.subscription,
    resourceGroup: r.resource_group,
    ...(r.location ? { location: r.location } : {}),
    tags: r.tags ?? {},
    properties: { storageProfile: r.ref ? { imageReference: r.ref } : {} },
  };
}

/** The key loadVmsByImage matches on. */
export function imageKey(vm: VmSummary): [string, string, string] {
  const ref = vm.properties.storageProfile.imageReference;
  return [ref?.id ? ref.id.toLowerCase() : '', ref?.exactVersion ?? '', vm.location ?? ''];
}

export async function loadVmSummaries(q: Queryable): Promise<VmSummary[]> {
  const rows = await q.query<VmSummaryRow>(
    `SELECT id, name, subscription, resource_group, doc->>'location' AS location, doc->'tags' AS tags,
            doc#>'{properties,storageProfile,imageReference}' AS ref
     FROM resources WHERE type = 'microsoft.compute/virtualmachines' ORDER BY id_lower`,
  );
  return rows.map(toVmSummary);
}

/** A tag's value, with Azure's case-insensitive tag names. */
export function tagValue(tags: Record<string, string> | undefined, key: string): string | undefined {
  if (!tags) return undefined;
  if (key in tags) return tags[key];
  const k = key.toLowerCase();
  for (const [name, v] of Object.entries(tags)) if (name.toLowerCase() === k) return v;
  return undefined;
}

/** "gallery/definition" for gallery images (Goldsmith's or not), "publisher:offer:sku" for marketplace ones. */
export function imageLabel(ref: ImageReference | undefined, facts: ImageFacts): { image: string; version: string } {
  const g = ref?.id ? parseGalleryImageId(ref.id) : undefined;
  if (g) return { image: `${g.gallery}/${g.image}`, version: facts.version ?? g.version ?? ref?.exactVersion ?? 'latest (unresolved)' };
  if (ref?.publisher) return { image: `${ref.publisher}:${ref.offer}:${ref.sku}`, version: ref.exactVersion ?? ref.version ?? '' };
  if (ref?.id) return { image: ref.id, version: '' };
  return { image: '(none)', version: '' };
}

export type UsageGroupBy = 'team' | 'application' | 'version' | 'role';
export const USAGE_GROUPS: readonly UsageGroupBy[] = ['team', 'application', 'version', 'role'];
const UNTAGGED = '(untagged)';

export interface UsageRow {
  group: string;
  image: string;
  version: string;
  vms: number;
  fromGallery: boolean;
  isLatest?: boolean;
  lifecycle?: string;
  outdated: number;
}

/** How many VMs run each image version, per team/application/role (or per version). Pure. */
export function imageUsage(vms: readonly VmSummary[], index: GalleryIndex, now: Date, groupBy: UsageGroupBy): UsageRow[] {
  const rows = new Map<string, UsageRow>();
  for (const vm of vms) {
    const facts = imageFactsFor(vm, index, now);
    const { image, version } = imageLabel(vm.properties.storageProfile.imageReference, facts);
    const group = groupBy === 'version' ? `${image}${version ? `/${version}` : ''}` : (tagValue(vm.tags, groupBy) ?? UNTAGGED);
    const key = `${group}\u0000${image}\u0000${version}`;
    let row = rows.get(key);
    if (!row) {
      row = { group, image, version, vms: 0, fromGallery: facts.fromGallery === true, outdated: 0 };
      if (facts.isLatest !== undefined) row.isLatest = facts.isLatest;
      if (facts.lifecycle !== undefined) row.lifecycle = facts.lifecycle;
      rows.set(key, row);
    }
    const n = vm.count ?? 1;
    row.vms += n;
    if (outdatedReasons(facts).length) row.outdated += n;
  }
  return [...rows.values()].sort((a, b) => cmp(a.group, b.group) || cmp(a.image, b.image) || cmp(a.version, b.version));
}

export interface OutdatedVm {
  id: string;
  name: string;
  resourceGroup: string;
  team?: string;
  application?: string;
  role?: string;
  image: string;
  version: string;
  latestVersion?: string;
  lifecycle?: string;
  ageDays?: number;
  endOfLifeDate?: string;
  reasons: OutdatedReason[];
}

/** VMs on a gallery version that is not latest, aged, excluded, end-of-life or gone. Pure. */
export function outdatedVms(vms: readonly VmSummary[], index: GalleryIndex, now: Date): OutdatedVm[] {
  const out: OutdatedVm[] = [];
  for (const vm of vms) {
    const facts = imageFactsFor(vm, index, now);
    const reasons = outdatedReasons(facts);
    if (!reasons.length) continue;
    const { image, version } = imageLabel(vm.properties.storageProfile.imageReference, facts);
    out.push({
      id: vm.id,
      name: vm.name,
      resourceGroup: vm.resourceGroup,
      team: tagValue(vm.tags, 'team'),
      application: tagValue(vm.tags, 'application'),
      role: tagValue(vm.tags, 'role'),
      image,
      version,
      latestVersion: facts.latestVersion,
      lifecycle: facts.lifecycle,
      ageDays: facts.ageDays,
      endOfLifeDate: facts.endOfLifeDate,
      reasons,
    });
  }
  return out;
}

export interface RoleSummary {
  role: string;
  vms: number;
  fromGallery: number;
  outdated: number;
}

/** Pets vs cattle: how many of each, how many run gallery images, how many of those are outdated. Pure. */
export function roleSummary(vms: readonly VmSummary[], index: GalleryIndex, now: Date): RoleSummary[] {
  const by = new Map<string, RoleSummary>();
  for (const vm of vms) {
    const role = tagValue(vm.tags, 'role')?.toLowerCase() ?? UNTAGGED;
    const facts = imageFactsFor(vm, index, now);
    const r = by.get(role) ?? { role, vms: 0, fromGallery: 0, outdated: 0 };
    const n = vm.count ?? 1;
    r.vms += n;
    if (facts.fromGallery) r.fromGallery += n;
    if (outdatedReasons(facts).length) r.outdated += n;
    by.set(role, r);
  }
  return [...by.values()].sort((a, b) => cmp(a.role, b.role));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
