/**
 * The part of the OSV format Goldsmith reads, checked by hand: used when the official schema is not
 * on this machine (it is read from GOLDSMITH_OSV_SCHEMA, the project's schemas/ folder or the
 * developers' shared folder, never re-typed). Every field the importer touches is checked here, so
 * a record either has the shape the code relies on or is refused with the field named.
 */
const RANGE_TYPES = new Set(['SEMVER', 'ECOSYSTEM', 'GIT']);
const EVENT_KINDS = new Set(['introduced', 'fixed', 'last_affected', 'limit']);
const DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first problem as { path, message }, or undefined when the record has the shape Goldsmith reads. */
export function osvShapeProblem(doc: unknown): { path: string; message: string } | undefined {
  if (!isObject(doc)) return { path: '', message: 'must be an object' };
  if (typeof doc.id !== 'string' || doc.id === '') return { path: '/id', message: 'must be a non-empty string' };
  if (typeof doc.modified !== 'string' || !DATE.test(doc.modified)) return { path: '/modified', message: 'must be an RFC 3339 date-time' };
  for (const k of ['published', 'withdrawn'] as const) {
    if (doc[k] !== undefined && (typeof doc[k] !== 'string' || !DATE.test(doc[k] as string))) return { path: `/${k}`, message: 'must be an RFC 3339 date-time' };
  }
  for (const k of ['summary', 'details'] as const) if (doc[k] !== undefined && typeof doc[k] !== 'string') return { path: `/${k}`, message: 'must be a string' };
  for (const k of ['aliases', 'upstream'] as const) {
    const v = doc[k];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v)) return { path: `/${k}`, message: 'must be an array of strings' };
    const i = v.findIndex((x) => typeof x !== 'string');
    if (i >= 0) return { path: `/${k}/${i}`, message: 'must be a string' };
  }
  const affected = doc.affected;
  if (affected === undefined || affected === null) return undefined;
  if (!Array.isArray(affected)) return { path: '/affected', message: 'must be an array' };
  for (const [i, a] of affected.entries()) {
    const at = `/affected/${i}`;
    if (!isObject(a)) return { path: at, message: 'must be an object' };
    if (a.package !== undefined) {
      if (!isObject(a.package)) return { path: `${at}/package`, message: 'must be an object' };
      for (const k of ['ecosystem', 'name'] as const) if (typeof a.package[k] !== 'string' || a.package[k] === '') return { path: `${at}/package/${k}`, message: 'must be a non-empty string' };
    }
    if (a.versions !== undefined) {
      if (!Array.isArray(a.versions)) return { path: `${at}/versions`, message: 'must be an array of strings' };
      const j = a.versions.findIndex((x) => typeof x !== 'string');
      if (j >= 0) return { path: `${at}/versions/${j}`, message: 'must be a string' };
    }
    if (a.ranges === undefined) continue;
    if (!Array.isArray(a.ranges)) return { path: `${at}/ranges`, message: 'must be an array' };
    for (const [j, r] of a.ranges.entries()) {
      const rt = `${at}/ranges/${j}`;
      if (!isObject(r)) return { path: rt, message: 'must be an object' };
      if (typeof r.type !== 'string' || !RANGE_TYPES.has(r.type)) return { path: `${rt}/type`, message: `must be one of ${[...RANGE_TYPES].join(', ')}` };
      if (!Array.isArray(r.events) || r.events.length === 0) return { path: `${rt}/events`, message: 'must be a non-empty array' };
      // A range starts somewhere: without an "introduced" event it would match nothing, or everything.
      if (!r.events.some((e) => isObject(e) && 'introduced' in e)) return { path: `${rt}/events`, message: 'must contain an "introduced" event' };
      for (const [k, e] of r.events.entries()) {
        const keys = isObject(e) ? Object.keys(e) : [];
        if (!isObject(e) || keys.length !== 1 || !EVENT_KINDS.has(keys[0]!) || typeof e[keys[0]!] !== 'string') {
          return { path: `${rt}/events/${k}`, message: `must be one of {introduced|fixed|last_affected|limit: string}` };
        }
      }
    }
  }
  return undefined;
}
