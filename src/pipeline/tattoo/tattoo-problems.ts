import { isVersionName } from '../../arm/index.js';
import { TATTOO_KEYS, type Tattoo, type TattooKey } from './tattoo.js';

export interface TattooProblem {
  key: TattooKey;
  problem: 'missing' | 'invalid';
  message: string;
}

const OOB_KEYS: readonly TattooKey[] = ['OOB', 'CVE_IDS', 'ADVISORY_IDS', 'PATCH_DATE'];
const CVE_ID = /^CVE-\d{4}-\d{4,}$/;
/** OSV ids: a database prefix, a dash, then letters, digits and . _ : - (DSA-5673-1, GHSA-…, x_ for private databases). */
const ADVISORY_ID = /^(x_)?[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9._:-]+$/;
const UTC_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Keys a complete tattoo must carry: the base set, plus for emergency builds OOB, PATCH_DATE and what
 * the build fixes: CVE_IDS, or ADVISORY_IDS alone when none of its advisories has a CVE id.
 */
export function requiredTattooKeys(t: Partial<Tattoo>): TattooKey[] {
  const fixes: TattooKey = !t.cveIds?.length && t.advisoryIds?.length ? 'ADVISORY_IDS' : 'CVE_IDS';
  return TATTOO_KEYS.map(([k]) => k).filter((k) => !OOB_KEYS.includes(k) || (t.oob === true && (k === 'OOB' || k === 'PATCH_DATE' || k === fixes)));
}

function validDate(s: string, withTime: boolean): boolean {
  if (!(withTime ? UTC_DATE_TIME : DATE).test(s)) return false;
  const d = new Date(withTime ? s : s + 'T00:00:00Z');
  // Round-trip the calendar part so 2026-02-30 is rejected rather than rolled over.
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s.slice(0, 10);
}

/** Missing and invalid fields, in file order; empty means complete. */
export function tattooProblems(t: Partial<Tattoo>): TattooProblem[] {
  const out: TattooProblem[] = [];
  const field = new Map<TattooKey, keyof Tattoo>(TATTOO_KEYS);
  const bad = (key: TattooKey, message: string) => out.push({ key, problem: 'invalid', message: `${key} ${message}` });
  for (const key of requiredTattooKeys(t)) {
    const v = t[field.get(key)!];
    const empty = v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
    if (empty) out.push({ key, problem: 'missing', message: `${key} is missing` });
  }
  const has = (key: TattooKey) => !out.some((p) => p.key === key);
  if (t.sourceVersion !== undefined && has('SOURCE_VERSION') && t.sourceVersion.toLowerCase() === 'latest') {
    bad('SOURCE_VERSION', 'must be the exact resolved base version, not "latest"');
  }
  if (t.imageVersion && !isVersionName(t.imageVersion)) {
    bad('IMAGE_VERSION', `must be Major.Minor.Patch, got ${JSON.stringify(t.imageVersion)}`);
  }
  if (t.publishDate && !validDate(t.publishDate, true)) {
    bad('PUBLISH_DATE', `must be an ISO-8601 UTC date-time like 2026-11-23T18:00:00Z, got ${JSON.stringify(t.publishDate)}`);
  }
  if (t.templateDigest && !/^(sha256:)?[0-9a-f]{64}$/.test(t.templateDigest)) {
    bad('TEMPLATE_DIGEST', 'must be a sha256 hex digest');
  }
  if (t.cveIds?.length) {
    const wrong = t.cveIds.filter((c) => !CVE_ID.test(c));
    if (wrong.length) bad('CVE_IDS', `has ids not of the form CVE-YYYY-NNNN: ${wrong.map((w) => JSON.stringify(w)).join(', ')}`);
  }
  if (t.advisoryIds?.length) {
    const wrong = t.advisoryIds.filter((c) => !ADVISORY_ID.test(c));
    if (wrong.length) bad('ADVISORY_IDS', `has ids that are not OSV advisory ids like DSA-5673-1 or GHSA-…: ${wrong.map((w) => JSON.stringify(w)).join(', ')}`);
  }
  if (t.patchDate && !validDate(t.patchDate, false) && !validDate(t.patchDate, true)) {
    bad('PATCH_DATE', `must be an ISO-8601 date (YYYY-MM-DD) or UTC date-time, got ${JSON.stringify(t.patchDate)}`);
  }
  if (t.oob !== true && t.cveIds?.length) bad('CVE_IDS', 'is set but OOB is not true: only emergency builds carry CVE ids');
  if (t.oob !== true && t.advisoryIds?.length) bad('ADVISORY_IDS', 'is set but OOB is not true: only emergency builds carry advisory ids');
  return out;
}
