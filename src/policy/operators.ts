import { PolicyEvaluationError } from './runtime.js';
import { azureCompare, azureDeepEqual, likeMatcher, matchPattern, scalarString } from './values.js';

/** Every condition operator, in the casing Azure documents. Keys in definitions match ignoring case. */
export const OPERATORS = [
  'equals', 'notEquals', 'like', 'notLike', 'match', 'matchInsensitively', 'notMatch', 'notMatchInsensitively',
  'contains', 'notContains', 'in', 'notIn', 'containsKey', 'notContainsKey',
  'less', 'lessOrEquals', 'greater', 'greaterOrEquals', 'exists',
] as const;
export type OperatorName = (typeof OPERATORS)[number];

const byLower = new Map<string, OperatorName>(OPERATORS.map((o) => [o.toLowerCase(), o]));
export function canonicalOperator(key: string): OperatorName | undefined {
  return byLower.get(key.toLowerCase());
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function asList(op: string, expected: unknown): unknown[] {
  if (Array.isArray(expected)) return expected;
  throw new PolicyEvaluationError(`${op}: the value to compare with must be an array, got ${JSON.stringify(expected)}`);
}

/** `exists` takes a boolean or "true"/"false" in any case (Microsoft's built-ins use "True"). */
export function parseExistsFlag(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return undefined;
}

function containsOp(actual: unknown, expected: unknown): boolean {
  if (actual === undefined || actual === null) return false;
  if (Array.isArray(actual)) return actual.some((x) => azureDeepEqual(x, expected));
  const a = scalarString(actual);
  const e = scalarString(expected);
  if (a === undefined || e === undefined) return false;
  return a.toLowerCase().includes(e.toLowerCase());
}

function containsKeyOp(actual: unknown, expected: unknown): boolean {
  if (!isObj(actual)) return false;
  const k = scalarString(expected);
  if (k === undefined) return false;
  if (k in actual) return true;
  const kl = k.toLowerCase();
  for (const x of Object.keys(actual)) if (x.toLowerCase() === kl) return true;
  return false;
}

function patternOp(actual: unknown, expected: unknown, re: (p: string) => { test(s: string): boolean }): boolean {
  const a = scalarString(actual);
  const p = scalarString(expected);
  if (a === undefined || p === undefined) return false;
  return re(p).test(a);
}

const likeTest = (p: string) => ({ test: likeMatcher(p) });

export type OperatorFn = (actual: unknown, expected: unknown) => boolean;

/** The operator's semantics over one actual value (elements of `[*]` fields are fed one at a time). */
export const OPERATOR_FNS: Record<OperatorName, OperatorFn> = {
  equals: (a, e) => azureDeepEqual(a, e),
  notEquals: (a, e) => !azureDeepEqual(a, e),
  like: (a, e) => patternOp(a, e, likeTest),
  notLike: (a, e) => !patternOp(a, e, likeTest),
  match: (a, e) => patternOp(a, e, (p) => matchPattern(p, false)),
  matchInsensitively: (a, e) => patternOp(a, e, (p) => matchPattern(p, true)),
  notMatch: (a, e) => !patternOp(a, e, (p) => matchPattern(p, false)),
  notMatchInsensitively: (a, e) => !patternOp(a, e, (p) => matchPattern(p, true)),
  contains: containsOp,
  notContains: (a, e) => !containsOp(a, e),
  in: (a, e) => {
    const list = asList('in', e);
    return a !== undefined && list.some((x) => azureDeepEqual(a, x));
  },
  notIn: (a, e) => {
    const list = asList('notIn', e);
    return a === undefined || !list.some((x) => azureDeepEqual(a, x));
  },
  containsKey: containsKeyOp,
  notContainsKey: (a, e) => !containsKeyOp(a, e),
  less: (a, e) => (azureCompare(a, e, 'less') ?? 0) < 0 && a !== undefined && a !== null,
  lessOrEquals: (a, e) => { const c = azureCompare(a, e, 'lessOrEquals'); return c !== undefined && c <= 0; },
  greater: (a, e) => { const c = azureCompare(a, e, 'greater'); return c !== undefined && c > 0; },
  greaterOrEquals: (a, e) => { const c = azureCompare(a, e, 'greaterOrEquals'); return c !== undefined && c >= 0; },
  exists: (a, e) => {
    const want = parseExistsFlag(e);
    if (want === undefined) throw new PolicyEvaluationError(`exists: expected true or false, got ${JSON.stringify(e)}`);
    return (a !== undefined && a !== null) === want;
  },
};

/**
 * Faster forms for a constant expected value: lower-case once, a Set for in/notIn, a compiled
 * pattern for like/match. Same results as OPERATOR_FNS (the conformance cases run both paths).
 */
export function specializeOperator(op: OperatorName, e: unknown): OperatorFn | undefined {
  const general = OPERATOR_FNS[op];
  if ((op === 'equals' || op === 'notEquals') && typeof e === 'string') {
    const el = e.toLowerCase();
    const eq: OperatorFn = (a) => (typeof a === 'string' ? a.length === el.length && (a === e || a.toLowerCase() === el) : azureDeepEqual(a, e));
    return op === 'equals' ? eq : (a) => !eq(a, e);
  }
  if ((op === 'in' || op === 'notIn') && Array.isArray(e) && e.every((x) => typeof x === 'string')) {
    // Exact spellings first: most values match the list's casing, and that lookup allocates nothing.
    const exact = new Set(e as string[]);
    const set = new Set((e as string[]).map((x) => x.toLowerCase()));
    const has: OperatorFn = (a) =>
      typeof a === 'string' ? exact.has(a) || set.has(a.toLowerCase()) : a !== undefined && e.some((x) => azureDeepEqual(a, x));
    return op === 'in' ? has : (a) => a === undefined || !has(a, e);
  }
  if ((op === 'like' || op === 'notLike') && typeof e === 'string') {
    const like = likeMatcher(e);
    const m: OperatorFn = (a) => {
      const s = scalarString(a);
      return s !== undefined && like(s);
    };
    return op === 'like' ? m : (a) => !m(a, e);
  }
  if (op === 'exists') {
    const want = parseExistsFlag(e);
    if (want === undefined) return undefined;
    return (a) => (a !== undefined && a !== null) === want;
  }
  return general === undefined ? undefined : undefined;
}
