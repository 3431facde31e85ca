import { compareVersions, toVersion, type VersionNumber } from './version-number.js';

/** What `latest` resolution needs to know about one version. */
export interface LatestCandidate {
  version: VersionNumber | string;
  excludeFromLatest: boolean;
  deleted: boolean;
  regions: ReadonlyArray<{ name: string; excludeFromLatest?: boolean; state?: string }>;
}

/**
 * Is this version eligible for `latest`? Azure's rule: not soft-deleted, not excluded globally and,
 * for a region, present there (replication completed) and not excluded for that region.
 */
export function eligibleForLatest(c: LatestCandidate, region?: string): boolean {
  if (c.deleted || c.excludeFromLatest) return false;
  if (region === undefined) return true;
  const r = c.regions.find((x) => x.name === region);
  return !!r && !r.excludeFromLatest && (r.state === undefined || r.state === 'Completed');
}

/** The highest version NUMBER that is eligible — never the most recently published one. */
export function resolveLatest<T extends LatestCandidate>(candidates: readonly T[], region?: string): T | undefined {
  let best: T | undefined;
  let bestV: VersionNumber | undefined;
  for (const c of candidates) {
    if (!eligibleForLatest(c, region)) continue;
    const v = toVersion(c.version);
    if (!bestV || compareVersions(v, bestV) > 0) {
      best = c;
      bestV = v;
    }
  }
  return best;
}

/** For each region any candidate targets, which candidate is latest there. Computed in one pass per region. */
export function latestByRegion<T extends LatestCandidate>(candidates: readonly T[]): Map<string, T> {
  const regions = new Set<string>();
  for (const c of candidates) for (const r of c.regions) regions.add(r.name);
  const out = new Map<string, T>();
  for (const region of [...regions].sort()) {
    const l = resolveLatest(candidates, region);
    if (l) out.set(region, l);
  }
  return out;
}
