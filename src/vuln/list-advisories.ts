/** `goldsmith cve list`: advisories with their packages, fixes and how many image versions each affects. */
import type { Queryable } from '../store/index.js';
import { listAdvisories } from './advisory-repo.js';
import { affectedVersionsFor } from './impact.js';

export interface AdvisorySummary {
  id: string;
  aliases: string[];
  source: string;
  published: string | null;
  modified: string;
  summary: string | null;
  packages: string[];
  /** "ecosystem package fixed-version" for every entry that names a fix. */
  fixed: string[];
  affectedVersions: number;
}

export async function summarizeAdvisories(q: Queryable, opts: { limit?: number; package?: string } = {}): Promise<AdvisorySummary[]> {
  const list = await listAdvisories(q, opts);
  const out: AdvisorySummary[] = [];
  for (const a of list) {
    const affected = await affectedVersionsFor(q, [a]);
    const fixed = new Set<string>();
    for (const e of a.affected) {
      for (const r of e.ranges) for (const ev of r.events) if ('fixed' in ev) fixed.add(`${e.ecosystem} ${e.package} ${ev.fixed}`);
    }
    out.push({
      id: a.id,
      aliases: a.aliases,
      source: a.source,
      published: a.published,
      modified: a.modified,
      summary: a.summary,
      packages: [...new Set(a.affected.map((e) => `${e.ecosystem}/${e.package}`))],
      fixed: [...fixed],
      affectedVersions: affected.length,
    });
  }
  return out;
}
