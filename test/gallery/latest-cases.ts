import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LatestCandidate } from '../../src/gallery/index.js';

/** Conformance cases for `latest`, as data: the pure resolver and the indexed SQL resolver must both pass them. */
export interface LatestCase {
  note: string;
  versions: Array<{
    version: string;
    excludeFromLatest?: boolean;
    deleted?: boolean;
    regions: Array<string | { name: string; excludeFromLatest?: boolean; state?: 'Completed' | 'Failed' }>;
  }>;
  /** Region → expected latest version (null: none); "*" means no region given. */
  want: Record<string, string | null>;
}

const root = fileURLToPath(new URL(/\/dist\//.test(import.meta.url) ? '../../../' : '../../', import.meta.url));
export const latestCases: LatestCase[] = JSON.parse(readFileSync(join(root, 'test/gallery/cases/latest.json'), 'utf8'));

export function regionOf(r: LatestCase['versions'][number]['regions'][number]) {
  return typeof r === 'string' ? { name: r, excludeFromLatest: false, state: 'Completed' as const } : { excludeFromLatest: false, state: 'Completed' as const, ...r };
}

export function candidatesOf(c: LatestCase): LatestCandidate[] {
  return c.versions.map((v) => ({ version: v.version, excludeFromLatest: !!v.excludeFromLatest, deleted: !!v.deleted, regions: v.regions.map(regionOf) }));
}
