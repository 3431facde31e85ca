/**
 * Is one installed version affected by one advisory entry? OSV's documented evaluation: within each
 * ECOSYSTEM range, events are sorted by version ("0" lowest) and walked; `introduced` at or below
 * the version turns "affected" on, `fixed` at or below turns it off, `last_affected` strictly below
 * turns it off; `limit` events cap the range (the version must be below one of them, "*" = no cap).
 * Any affected range, or an exact hit in `versions`, makes the version affected. Pure.
 */
import type { AffectedPackage, AffectedRange, RangeEvent } from './advisory.js';
import type { Comparator } from './ecosystems.js';

export interface MatchResult {
  affected: boolean;
  /** The first fixed version above the installed one in the range that matched, when the range has one. */
  fixed?: string;
  /** The range's last_affected bound, when the range says "up to and including" instead of "fixed in". */
  lastAffected?: string;
  /** Why: "range", or "versions" for an explicit list hit. */
  via?: 'range' | 'versions';
}

interface SortedEvent {
  kind: 'introduced' | 'fixed' | 'last_affected';
  version: string;
}

function eventOf(e: RangeEvent): { kind: 'introduced' | 'fixed' | 'last_affected' | 'limit'; version: string } {
  if ('introduced' in e) return { kind: 'introduced', version: e.introduced };
  if ('fixed' in e) return { kind: 'fixed', version: e.fixed };
  if ('last_affected' in e) return { kind: 'last_affected', version: e.last_affected };
  return { kind: 'limit', version: e.limit };
}

/** A range prepared once: events sorted with the ecosystem's comparator, limits split out. */
export interface PreparedRange {
  events: SortedEvent[];
  limits: string[];
}

export function prepareRange(range: AffectedRange, cmp: Comparator): PreparedRange {
  const events: SortedEvent[] = [];
  const limits: string[] = [];
  for (const raw of range.events) {
    const e = eventOf(raw);
    if (e.kind === 'limit') limits.push(e.version);
    else events.push(e as SortedEvent);
  }
  const zeroFirst = (a: SortedEvent, b: SortedEvent) => {
    const az = a.kind === 'introduced' && a.version === '0';
    const bz = b.kind === 'introduced' && b.version === '0';
    if (az || bz) return az === bz ? 0 : az ? -1 : 1;
    return cmp(a.version, b.version);
  };
  events.sort(zeroFirst);
  return { events, limits };
}

export function matchRange(version: string, r: PreparedRange, cmp: Comparator): MatchResult {
  if (r.limits.length && !r.limits.some((l) => l === '*' || cmp(version, l) < 0)) return { affected: false };
  let affected = false;
  let lastAffected: string | undefined;
  for (const e of r.events) {
    if (e.kind === 'introduced') {
      if (e.version === '0' || cmp(version, e.version) >= 0) affected = true;
    } else if (e.kind === 'fixed') {
      if (cmp(version, e.version) >= 0) affected = false;
    } else if (cmp(version, e.version) > 0) {
      affected = false;
    }
  }
  if (!affected) return { affected: false };
  // The fix that applies is the first fixed event above the installed version.
  let fixed: string | undefined;
  for (const e of r.events) {
    if (e.kind === 'fixed' && cmp(version, e.version) < 0) {
      fixed = e.version;
      break;
    }
    if (e.kind === 'last_affected' && cmp(version, e.version) <= 0) {
      lastAffected = e.version;
      break;
    }
  }
  return { affected: true, via: 'range', ...(fixed ? { fixed } : {}), ...(lastAffected ? { lastAffected } : {}) };
}

/** A whole affected[] entry prepared for repeated matching (blast radius: thousands of versions). */
export interface PreparedAffected {
  entry: AffectedPackage;
  ranges: PreparedRange[];
  versions: Set<string>;
}

export function prepareAffected(entry: AffectedPackage, cmp: Comparator): PreparedAffected {
  return {
    entry,
    ranges: entry.ranges.filter((r) => r.type === 'ECOSYSTEM').map((r) => prepareRange(r, cmp)),
    versions: new Set(entry.versions),
  };
}

export function matchAffected(version: string, p: PreparedAffected, cmp: Comparator): MatchResult {
  let hit: MatchResult | undefined;
  for (const r of p.ranges) {
    const m = matchRange(version, r, cmp);
    if (m.affected && (!hit || (m.fixed && !hit.fixed))) hit = m;
  }
  if (hit) return hit;
  if (p.versions.has(version)) return { affected: true, via: 'versions' };
  // Explicit lists may spell versions differently (epoch 0 written out): compare, not just look up.
  for (const v of p.versions) if (cmp(version, v) === 0) return { affected: true, via: 'versions' };
  return { affected: false };
}
