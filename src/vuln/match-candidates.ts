/**
 * The pure half of blast radius: given advisories' affected entries and candidate package rows
 * (already selected by ecosystem and package name in SQL), decide which rows are affected.
 * Results are memoised per (entry, version): ten thousand image versions share a few package versions.
 */
import type { AffectedPackage } from './advisory.js';
import { comparatorFor, ecosystemRule } from './ecosystems.js';
import { matchAffected, prepareAffected, type MatchResult, type PreparedAffected } from './match-affected.js';

/** A package row as image versions hold it: what matching decides on. */
export interface CandidateRow {
  ecosystem: string;
  package: string;
  version: string;
  source: string;
  sourceVersion: string;
  arch: string;
}

export interface AffectedPackageHit {
  name: string;
  arch: string;
  installed: string;
  source: string;
  sourceVersion: string;
  /** The source version that fixes it; null when no fix is known (open, or last_affected ranges). */
  fixed: string | null;
  lastAffected?: string;
  advisory: string;
}

export interface EntryOf {
  advisoryId: string;
  entry: AffectedPackage;
}

export class CandidateMatcher {
  private byKey = new Map<string, Array<{ advisoryId: string; prepared: PreparedAffected; memo: Map<string, MatchResult> }>>();

  constructor(entries: readonly EntryOf[]) {
    for (const { advisoryId, entry } of entries) {
      const cmp = comparatorFor(entry.ecosystem);
      if (!cmp) continue;
      const key = `${entry.ecosystem}\0${entry.package}`;
      const list = this.byKey.get(key) ?? [];
      list.push({ advisoryId, prepared: prepareAffected(entry, cmp), memo: new Map() });
      this.byKey.set(key, list);
    }
  }

  /** The (ecosystem, package, bySource) pairs to select candidates for. */
  wanted(): Array<{ ecosystem: string; package: string; bySource: boolean }> {
    return [...this.byKey.keys()].map((k) => {
      const [ecosystem, pkg] = k.split('\0') as [string, string];
      return { ecosystem, package: pkg, bySource: ecosystemRule(ecosystem)?.bySource ?? true };
    });
  }

  /** The best match for one (ecosystem, advisory package name, version), memoised; undefined when not affected. */
  matchKey(ecosystem: string, name: string, version: string): { m: MatchResult; advisoryId: string } | undefined {
    const list = this.byKey.get(`${ecosystem}\0${name}`);
    if (!list) return undefined;
    const cmp = comparatorFor(ecosystem)!;
    let best: { m: MatchResult; advisoryId: string } | undefined;
    for (const e of list) {
      let m = e.memo.get(version);
      if (!m) {
        m = matchAffected(version, e.prepared, cmp);
        e.memo.set(version, m);
      }
      // Several advisories (DSA and tracker) may describe one CVE: prefer one that names a fix, the higher one.
      if (m.affected && (!best || (m.fixed && (!best.m.fixed || cmp(m.fixed, best.m.fixed) > 0)))) best = { m, advisoryId: e.advisoryId };
    }
    return best;
  }

  /** The hit for one package row, or undefined when the row is not affected by any entry. */
  match(row: CandidateRow): AffectedPackageHit | undefined {
    const bySource = ecosystemRule(row.ecosystem)?.bySource ?? true;
    const best = this.matchKey(row.ecosystem, bySource ? row.source : row.package, bySource ? row.sourceVersion : row.version);
    if (!best) return undefined;
    return {
      name: row.package,
      arch: row.arch,
      installed: row.version,
      source: row.source,
      sourceVersion: row.sourceVersion,
      fixed: best.m.fixed ?? null,
      ...(best.m.lastAffected ? { lastAffected: best.m.lastAffected } : {}),
      advisory: best.advisoryId,
    };
  }
}
