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

const likeCache = new Map<string, (s: string) => boolean>();

/**
 * `like`: `*` stands for any run of characters; everything else is literal; ignores case (by lower-casing
 * both sides, as `equals` does). Matched without a regex: translated to `^a.*b.*c$`, a pattern with many
 * stars backtracks polynomially (40 stars against a 30,000-character value never finishes). Here the
 * first piece must be a prefix, the last a suffix, and each piece between is found leftmost after the
 * previous one, which is enough for `*` alone: O(pattern × value) at worst, one pass in practice.
 */
export function likeMatcher(pattern: string): (s: string) => boolean {
  let m = likeCache.get(pattern);
  if (!m) {
    const parts = pattern.toLowerCase().split('*');
    if (parts.length === 1) {
      const whole = parts[0]!;
      m = (s) => s.toLowerCase() === whole;
    } else {
      const first = parts[0]!;
      const last = parts[parts.length - 1]!;
      const middle = parts.slice(1, -1).filter((x) => x !== '');
      const fixed = first.length + last.length;
      m = (raw) => {
        const s = raw.toLowerCase();
        if (s.length < fixed || !s.startsWith(first) || !s.endsWith(last)) return false;
        let at = first.length;
        const end = s.length - last.length;
        for (const piece of middle) {
          const i = s.indexOf(piece, at);
          if (i < 0 || i + piece.length > end) return false;
          at = i + piece.length;
        }
        return true;
      };
    }
    if (likeCache.size > 5000) likeCache.clear();
    likeCache.set(pattern, m);
  }
  return m;
}

/**
 * `match`: # is a digit, ? a letter, . any character, anything else itself. One character of the
 * pattern stands for one character of the value, so it is a single comparison pass; no regex is built
 * (compiling one per 30,000-character pattern cost seconds).
 */
export function matchPattern(pattern: string, insensitive: boolean): { test(s: string): boolean } {
  const lower = (u: number) => String.fromCharCode(u).toLowerCase();
  return {
    test(v: string): boolean {
      if (v.length !== pattern.length) return false;
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern.charCodeAt(i);
        const x = v.charCodeAt(i);
        if (c === 0x23 /* # */) {
          if (x < 0x30 || x > 0x39) return false;
        } else if (c === 0x3f /* ? */) {
          if (!((x >= 0x41 && x <= 0x5a) || (x >= 0x61 && x <= 0x7a))) return false;
        } else if (c !== 0x2e /* . */ && c !== x && !(insensitive && lower(c) === lower(x))) return false;
      }
      return true;
    },
  };
}

export function scalarString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}
