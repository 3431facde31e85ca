/** OSV records → advisories: schema validation, then the checks the schema cannot make. Pure but for the schema file. */
import { InputError, type InputCode } from '../errors/index.js';
import type { Advisory, AffectedPackage, AffectedRange, RangeEvent, RecordOrigin } from './advisory.js';
import { ecosystemRule, normalizeEcosystem, SUPPORTED_ECOSYSTEMS } from './ecosystems.js';
import { firstSchemaError, osvValidator } from './osv-schema.js';
import { osvShapeProblem } from './osv-shape.js';
import { debianVersionProblem } from './version/index.js';

interface OsvRecord {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[] | null;
  upstream?: string[];
  summary?: string;
  details?: string;
  affected?: Array<{
    package?: { ecosystem: string; name: string };
    ranges?: Array<{ type: AffectedRange['type']; events: RangeEvent[] }>;
    versions?: string[];
  }> | null;
}

export const where = (o: RecordOrigin, path: string) => `${o.file}[${o.index}]${path}`;

function bad(o: RecordOrigin, id: string | undefined, path: string, code: InputCode, message: string): InputError {
  const rec = `record ${o.index}${id ? ` (${id})` : ''}`;
  return new InputError(code, `${o.file}: ${rec} at ${path || '/'}: ${message}`, { where: where(o, path), data: { file: o.file, index: o.index, path } });
}

/** Validate one OSV record and convert it; throws InputError naming file, record index and JSON path. */
export function parseOsvRecord(doc: unknown, origin: RecordOrigin): Advisory {
  const validate = osvValidator();
  const maybeId = typeof (doc as { id?: unknown })?.id === 'string' ? (doc as { id: string }).id : undefined;
  if (validate && !validate(doc)) {
    const e = firstSchemaError(validate.errors);
    throw bad(origin, maybeId, e.path, 'VULN_OSV_INVALID', `${e.message} (OSV schema)`);
  }
  const shape = osvShapeProblem(doc);
  if (shape) throw bad(origin, maybeId, shape.path, 'VULN_OSV_INVALID', shape.message);
  const r = doc as OsvRecord;
  const affected: AffectedPackage[] = [];
  for (const [i, a] of (r.affected ?? []).entries()) {
    if (!a.package) continue; // an affected entry may describe only a repository; nothing to match in an image
    const ecosystem = normalizeEcosystem(a.package.ecosystem);
    const rule = ecosystemRule(ecosystem);
    if (!rule) {
      throw bad(origin, r.id, `/affected/${i}/package/ecosystem`, 'VULN_UNKNOWN_ECOSYSTEM', `ecosystem "${a.package.ecosystem}" is not one Goldsmith can match (supported: ${SUPPORTED_ECOSYSTEMS})`);
    }
    const ranges = (a.ranges ?? []).map((rg) => ({ type: rg.type, events: rg.events }));
    if (rule.family === 'deb') checkDebianVersions(origin, r.id, i, ranges, a.versions ?? []);
    affected.push({ ecosystem, package: a.package.name, ranges, versions: a.versions ?? [] });
  }
  return {
    id: r.id,
    // A DSA's upstream CVE names the same vulnerability for lookup purposes ("cve impact CVE-…").
    aliases: [...new Set([...(r.aliases ?? []), ...(r.upstream ?? [])])].filter((a) => a !== r.id),
    source: 'osv',
    modified: new Date(r.modified).toISOString(),
    ...(r.published ? { published: new Date(r.published).toISOString() } : {}),
    ...(r.summary || r.details ? { summary: r.summary ?? firstLine(r.details!) } : {}),
    // A withdrawn record stays on file but matches nothing.
    affected: r.withdrawn ? [] : affected,
    raw: doc,
  };
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0]!.slice(0, 300);
}

/** Versions a range compares against must be valid dpkg versions, or matching would throw later. */
function checkDebianVersions(o: RecordOrigin, id: string, i: number, ranges: AffectedRange[], versions: string[]): void {
  for (const [j, rg] of ranges.entries()) {
    if (rg.type !== 'ECOSYSTEM') continue;
    for (const [k, e] of rg.events.entries()) {
      const [kind, v] = Object.entries(e)[0] as [string, string];
      if ((kind === 'introduced' && v === '0') || (kind === 'limit' && v === '*')) continue;
      const p = debianVersionProblem(v);
      if (p) throw bad(o, id, `/affected/${i}/ranges/${j}/events/${k}/${kind}`, 'VULN_VERSION_INVALID', `"${v}" is not a Debian version: ${p}`);
    }
  }
  for (const [k, v] of versions.entries()) {
    const p = debianVersionProblem(v);
    if (p) throw bad(o, id, `/affected/${i}/versions/${k}`, 'VULN_VERSION_INVALID', `"${v}" is not a Debian version: ${p}`);
  }
}
