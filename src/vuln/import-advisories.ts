/** `goldsmith cve import`: read and validate everything first, then write in one transaction. */
import type { Store } from '../store/index.js';
import { upsertAdvisories, type ImportSummary } from './advisory-repo.js';
import { readAdvisories, type AdvisoryFormat } from './read-advisories.js';

export interface ImportResult extends ImportSummary {
  files: number;
  advisories: number;
  durationMs: number;
}

export async function importAdvisories(store: Store, path: string, opts: { format?: AdvisoryFormat; now?: Date } = {}): Promise<ImportResult> {
  const t0 = performance.now();
  const now = opts.now ?? new Date();
  const { advisories, files } = await readAdvisories(path, { format: opts.format, now });
  const summary = await upsertAdvisories(store, advisories, now);
  return { ...summary, files, advisories: advisories.length, durationMs: Math.round(performance.now() - t0) };
}
