import { PolicyEvaluationError } from './runtime.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Deep equality. `caseSensitive` false is the policy-condition flavour: strings compare ignoring case,
 * and a scalar compares with a scalar of another type through its string form, so a boolean property
 * `true` equals the string "true" (Microsoft's built-ins rely on this, e.g. notEquals "true").
 */
export function azureDeepEqual(a: unknown, b: unknown, caseSensitive = false): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return (a ?? null) === (b ?? null);
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'string' && tb === 'string') return caseSensitive ? false : (a as string).toLowerCase() === (b as string).toLowerCase();
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!azureDeepEqual(a[i], b[i], caseSensitive)) return false;
    return true;
  }
  if (isObj(a) || isObj(b)) {
    if (!isObj(a) || !isObj(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) {
      const other = k in b ? k : caseSensitive ? undefined : Object.keys(b).find((x) => x.toLowerCase() === k.toLowerCase());
      if (other === undefined || !azureDeepEqual(a[k], b[other], caseSensitive)) return false;
    }
    return true;
  }
  if (caseSensitive) return false;
  // Mixed scalar types (boolean/number/string): compare their string forms ignoring case.
  return String(a).toLowerCase() === String(b).toLowerCase();
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Ordering for less/greater/lessOrEquals/greaterOrEquals. Numbers compare numerically, ISO 8601
 * dates as instants, other strings ignoring case (InvariantCultureIgnoreCase); a type mismatch is an
 * evaluation error, as Azure documents. Returns undefined when the property is missing.
 */
export function azureCompare(actual: unknown, expected: unknown, op: string): number | undefined {
  if (actual === undefined || actual === null) return undefined;
  if (typeof actual === 'number' && typeof expected === 'number') return actual - expected;
  if (typeof actual === 'string' && typeof expected === 'string') {
    if (ISO_DATE.test(actual) && ISO_DATE.test(expected)) {
      const ta = Date.parse(actual);
      const tb = Date.parse(expected);
      if (!Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
    }
    const la = actual.toLowerCase();
    const lb = expected.toLowerCase();
    return la < lb ? -1 : la > lb ? 1 : 0;
  }
  throw new PolicyEvaluationError(
    `${op}: cannot compare ${JSON.stringify(actual)} (${kindOf(actual)}) with ${JSON.stringify(expected)} (${kindOf(expected)}); the types must match`,
  );
}

export function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'float') : typeof v;
}

const likeCache = new Map<string, RegExp>();
const matchCache = new Map<string, RegExp>();
const esc = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** `like`: `*` stands for any run of characters; everything else is literal; ignores case. */
export function likeRegex(pattern: string): RegExp {
  let re = likeCache.get(pattern);
  if (!re) {
    re = new RegExp('^' + pattern.split('*').map(esc).join('[\\s\\S]*') + '$', 'i');
    if (likeCache.size > 5000) likeCache.clear();
    likeCache.set(pattern, re);
  }
  return re;
}

/** `match`: # is a digit, ? a letter, . any character, anything else itself. */
export function matchRegex(pattern: string, insensitive: boolean): RegExp {
  const key = (insensitive ? 'i:' : 's:') + pattern;
  let re = matchCache.get(key);
  if (!re) {
    let src = '^';
    for (const c of pattern) src += c === '#' ? '[0-9]' : c === '?' ? '[A-Za-z]' : c === '.' ? '[\\s\\S]' : esc(c);
    re = new RegExp(src + '$', insensitive ? 'i' : '');
    if (matchCache.size > 5000) matchCache.clear();
    matchCache.set(key, re);
  }
  return re;
}

export function scalarString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}
