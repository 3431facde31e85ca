/**
 * The Debian Security Tracker's JSON (https://security-tracker.debian.org/tracker/data/json):
 * { sourcePackage: { "CVE-…": { description, releases: { bookworm: { status, fixed_version, urgency } } } } }.
 * One advisory per CVE, one affected entry per (source package, release). Pure.
 */
import { InputError, type InputCode } from '../errors/index.js';
import type { Advisory, AffectedPackage } from './advisory.js';
import { DEBIAN_RELEASES } from './ecosystems.js';
import { debianVersionProblem } from './version/index.js';

const ptr = (...segs: string[]) => segs.map((s) => '/' + s.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Does this document look like the tracker's JSON rather than an OSV record? */
export function looksLikeDebianTracker(doc: unknown): boolean {
  if (!isObject(doc) || 'id' in doc || 'modified' in doc) return false;
  const first = Object.values(doc)[0];
  return isObject(first) && Object.values(first).every((e) => isObject(e) && 'releases' in e);
}

export function parseDebianTracker(doc: unknown, file: string, now: Date): Advisory[] {
  const fail = (path: string, code: InputCode, message: string) =>
    new InputError(code, `${file}: at ${path || '/'}: ${message}`, { where: `${file}${path}`, data: { file, path } });
  if (!isObject(doc)) throw fail('', 'VULN_TRACKER_INVALID', 'expected an object of source packages');
  const byCve = new Map<string, { affected: AffectedPackage[]; summary?: string; raw: Record<string, unknown> }>();
  for (const [pkg, cves] of Object.entries(doc)) {
    if (!isObject(cves)) throw fail(ptr(pkg), 'VULN_TRACKER_INVALID', 'expected an object of CVE entries');
    for (const [cve, entry] of Object.entries(cves)) {
      const at = ptr(pkg, cve);
      if (!isObject(entry) || !isObject(entry.releases)) throw fail(at, 'VULN_TRACKER_INVALID', 'expected an object with "releases"');
      const acc = byCve.get(cve) ?? { affected: [], raw: {} };
      byCve.set(cve, acc);
      acc.raw[pkg] = entry;
      if (typeof entry.description === 'string' && !acc.summary) acc.summary = entry.description;
      for (const [release, info] of Object.entries(entry.releases)) {
        const rat = ptr(pkg, cve, 'releases', release);
        if (!(release in DEBIAN_RELEASES)) {
          throw fail(rat, 'VULN_UNKNOWN_ECOSYSTEM', `unknown Debian release "${release}" (known: ${Object.keys(DEBIAN_RELEASES).join(', ')})`);
        }
        const ecosystem = DEBIAN_RELEASES[release];
        if (!ecosystem) continue; // unstable has no release number an image could report
        if (!isObject(info) || typeof info.status !== 'string') throw fail(rat, 'VULN_TRACKER_INVALID', 'expected {status, fixed_version?, urgency?}');
        const ranges = rangesFor(info, rat, fail);
        if (ranges) acc.affected.push({ ecosystem, package: pkg, ranges, versions: [] });
      }
    }
  }
  const modified = now.toISOString();
  return [...byCve].map(([id, a]) => ({
    id,
    aliases: [],
    source: 'debian-tracker' as const,
    modified,
    ...(a.summary ? { summary: a.summary } : {}),
    affected: a.affected,
    raw: a.raw,
  }));
}

function rangesFor(info: Record<string, unknown>, at: string, fail: (p: string, c: InputCode, m: string) => InputError): AffectedPackage['ranges'] | undefined {
  switch (info.status) {
    case 'resolved': {
      const fv = info.fixed_version;
      if (typeof fv !== 'string') throw fail(`${at}/fixed_version`, 'VULN_TRACKER_INVALID', 'a resolved entry needs fixed_version');
      if (fv === '0') return undefined; // never vulnerable in this release
      const p = debianVersionProblem(fv);
      if (p) throw fail(`${at}/fixed_version`, 'VULN_VERSION_INVALID', `"${fv}" is not a Debian version: ${p}`);
      return [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: fv }] }];
    }
    // No fix yet, or not yet triaged: every version is treated as affected until the tracker says otherwise.
    case 'open':
    case 'undetermined':
      return [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }];
    default:
      throw fail(`${at}/status`, 'VULN_TRACKER_INVALID', `unknown status "${String(info.status)}" (resolved, open, undetermined)`);
  }
}
