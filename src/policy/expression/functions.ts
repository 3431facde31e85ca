import { parseId, resourceGroupId } from '../../arm/index.js';
import { DEFAULT_INPUT_LIMITS, inputShapeProblem } from '../../input/index.js';
import { envNow, PolicyEvaluationError, type Env } from '../runtime.js';
import { azureDeepEqual } from '../values.js';
import { ipRangeContains } from './ip-range.js';
import { addDuration, formatUtc } from './dates.js';

/** A template function. `lazy` functions receive thunks so if()/and()/or() can short-circuit like ARM. */
export interface TemplateFunction {
  min: number;
  max: number;
  /** Safe to fold at compile time when every argument is constant. */
  pure: boolean;
  lazy?: boolean;
  impl: (args: unknown[], env: Env) => unknown;
}

const fail = (fn: string, msg: string): never => {
  throw new PolicyEvaluationError(`${fn}(): ${msg}`);
};
const str = (fn: string, v: unknown, what = 'argument'): string =>
  typeof v === 'string' ? v : fail(fn, `${what} must be a string, got ${JSON.stringify(v) ?? 'undefined'}`);
const int = (fn: string, v: unknown, what = 'argument'): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fail(fn, `${what} must be an integer, got ${JSON.stringify(v) ?? 'undefined'}`);
const arr = (fn: string, v: unknown): unknown[] => (Array.isArray(v) ? v : fail(fn, `expected an array, got ${JSON.stringify(v) ?? 'undefined'}`));
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const toStr = (v: unknown): string =>
  typeof v === 'string' ? v : v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
const nn = (v: unknown) => (v === undefined ? null : v);

function compareArm(fn: string, a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return fail(fn, `cannot compare ${JSON.stringify(a)} with ${JSON.stringify(b)}: both must be integers or both strings`);
}

/**
 * Members of an array without duplicates (ARM's case-sensitive deep equality). Scalars are keyed in a
 * map, so union(range(0, 10000), …) stays linear; objects and arrays are compared pairwise, within
 * a budget of comparisons.
 */
class Distinct {
  readonly out: unknown[] = [];
  #scalars = new Set<string>();
  #composites: unknown[] = [];
  #budget = 10_000_000;
  has(x: unknown, fn: string): boolean {
    if (x === null || typeof x !== 'object') return this.#scalars.has(`${typeof x}:${String(x)}`);
    this.#budget -= this.#composites.length;
    if (this.#budget < 0) fail(fn, 'the arrays are too large to compare');
    return this.#composites.some((y) => azureDeepEqual(x, y, true));
  }
  add(x: unknown, fn: string): void {
    if (this.has(x, fn)) return;
    this.out.push(x);
    if (x === null || typeof x !== 'object') this.#scalars.add(`${typeof x}:${String(x)}`);
    else this.#composites.push(x);
  }
}

function unionOf(args: unknown[]): unknown {
  if (args.every(Array.isArray)) {
    const d = new Distinct();
    for (const a of args as unknown[][]) for (const x of a) d.add(x, 'union');
    return d.out;
  }
  if (args.every(isObj)) return Object.assign({}, ...(args as object[]));
  return fail('union', 'arguments must be all arrays or all objects');
}

function intersectionOf(args: unknown[]): unknown {
  if (args.every(Array.isArray)) {
    const [first, ...rest] = args as unknown[][];
    const sets = rest.map((r) => {
      const d = new Distinct();
      for (const y of r) d.add(y, 'intersection');
      return d;
    });
    const d = new Distinct();
    for (const x of first!) if (sets.every((r) => r.has(x, 'intersection'))) d.add(x, 'intersection');
    return d.out;
  }
  if (args.every(isObj)) {
    const [first, ...rest] = args as Record<string, unknown>[];
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(first!)) if (rest.every((r) => k in r && azureDeepEqual(r[k], v, true))) out[k] = v;
    return out;
  }
  return fail('intersection', 'arguments must be all arrays or all objects');
}

function resourceGroupOf(env: Env): Record<string, unknown> {
  if (env.ctx.resourceGroup) return env.ctx.resourceGroup;
  const id = env.fnResource.id ?? '';
  const p = parseId(id);
  if (!p?.resourceGroup) return fail('resourceGroup', `the resource id ${JSON.stringify(id)} is not in a resource group`);
  return {
    id: resourceGroupId(p.subscription!, p.resourceGroup),
    name: p.resourceGroup,
    type: 'Microsoft.Resources/resourceGroups',
    location: env.fnResource.location ?? null,
    managedBy: null,
    tags: {},
    properties: { provisioningState: 'Succeeded' },
  };
}

function subscriptionOf(env: Env): Record<string, unknown> {
  if (env.ctx.subscription) return env.ctx.subscription;
  const m = /^\/subscriptions\/([^/]+)/i.exec(env.fnResource.id ?? '');
  if (!m) return fail('subscription', 'the resource id does not name a subscription');
  return { id: `/subscriptions/${m[1]}`, subscriptionId: m[1], displayName: m[1], tenantId: null };
}

const F: Record<string, TemplateFunction> = {
  // logical (lazy: ARM only evaluates the branch it needs, which is what guards like the docs' if(length>=3, substring…) rely on)
  if: { min: 3, max: 3, pure: true, lazy: true, impl: ([c, a, b]) => {
    const cond = (c as () => unknown)();
    if (typeof cond !== 'boolean') fail('if', 'condition must be a boolean');
    return cond ? (a as () => unknown)() : (b as () => unknown)();
  } },
  and: { min: 2, max: 128, pure: true, lazy: true, impl: (args) => {
    for (const a of args) { const v = (a as () => unknown)(); if (typeof v !== 'boolean') fail('and', 'arguments must be booleans'); if (!v) return false; }
    return true;
  } },
  or: { min: 2, max: 128, pure: true, lazy: true, impl: (args) => {
    for (const a of args) { const v = (a as () => unknown)(); if (typeof v !== 'boolean') fail('or', 'arguments must be booleans'); if (v) return true; }
    return false;
  } },
  not: { min: 1, max: 1, pure: true, impl: ([v]) => (typeof v === 'boolean' ? !v : fail('not', 'argument must be a boolean')) },
  true: { min: 0, max: 0, pure: true, impl: () => true },
  false: { min: 0, max: 0, pure: true, impl: () => false },
  null: { min: 0, max: 0, pure: true, impl: () => null },
  bool: { min: 1, max: 1, pure: true, impl: ([v]) => {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    return fail('bool', `cannot convert ${JSON.stringify(v)} to a boolean`);
  } },
  // comparison (ARM semantics: case-sensitive, unlike the policy condition operators)
  equals: { min: 2, max: 2, pure: true, impl: ([a, b]) => azureDeepEqual(nn(a), nn(b), true) },
  less: { min: 2, max: 2, pure: true, impl: ([a, b]) => compareArm('less', a, b) < 0 },
  lessOrEquals: { min: 2, max: 2, pure: true, impl: ([a, b]) => compareArm('lessOrEquals', a, b) <= 0 },
  greater: { min: 2, max: 2, pure: true, impl: ([a, b]) => compareArm('greater', a, b) > 0 },
  greaterOrEquals: { min: 2, max: 2, pure: true, impl: ([a, b]) => compareArm('greaterOrEquals', a, b) >= 0 },
  coalesce: { min: 1, max: 128, pure: true, impl: (args) => nn(args.find((a) => a !== null && a !== undefined)) },
  // strings
  concat: { min: 1, max: 128, pure: true, impl: (args) => {
    if (Array.isArray(args[0])) return args.flatMap((a) => (Array.isArray(a) ? a : fail('concat', 'cannot mix arrays and strings')));
    return args.map((a) => (Array.isArray(a) ? fail('concat', 'cannot mix arrays and strings') : toStr(a))).join('');
  } },
  format: { min: 1, max: 128, pure: true, impl: ([f, ...rest]) =>
    str('format', f).replace(/\{(\d+)(:[^}]*)?\}/g, (_m, i: string) => toStr(rest[Number(i)])) },
  toLower: { min: 1, max: 1, pure: true, impl: ([v]) => str('toLower', v).toLowerCase() },
  toUpper: { min: 1, max: 1, pure: true, impl: ([v]) => str('toUpper', v).toUpperCase() },
  trim: { min: 1, max: 1, pure: true, impl: ([v]) => str('trim', v).trim() },
  split: { min: 2, max: 2, pure: true, impl: ([s, d]) => {
    const delims = Array.isArray(d) ? d.map((x) => str('split', x, 'delimiter')) : [str('split', d, 'delimiter')];
    let parts = [str('split', s)];
    for (const dl of delims) parts = parts.flatMap((p) => p.split(dl));
    return parts;
  } },
  substring: { min: 2, max: 3, pure: true, impl: ([s, start, len]) => {
    const v = str('substring', s);
    const a = int('substring', start, 'startIndex');
    const n = len === undefined ? v.length - a : int('substring', len, 'length');
    if (a < 0 || n < 0 || a + n > v.length) fail('substring', `index ${a} and length ${n} are out of range for a string of length ${v.length}`);
    return v.substr(a, n);
  } },
  replace: { min: 3, max: 3, pure: true, impl: ([s, o, n]) => {
    const parts = str('replace', s).split(str('replace', o, 'oldString'));
    const by = str('replace', n, 'newString');
    size('replace', (parts.length - 1) * by.length);
    return parts.join(by);
  } },
  startsWith: { min: 2, max: 2, pure: true, impl: ([s, p]) => str('startsWith', s).toLowerCase().startsWith(str('startsWith', p).toLowerCase()) },
  endsWith: { min: 2, max: 2, pure: true, impl: ([s, p]) => str('endsWith', s).toLowerCase().endsWith(str('endsWith', p).toLowerCase()) },
  indexOf: { min: 2, max: 2, pure: true, impl: ([s, p]) =>
    Array.isArray(s) ? s.findIndex((x) => azureDeepEqual(x, p, true)) : str('indexOf', s).toLowerCase().indexOf(str('indexOf', p).toLowerCase()) },
  lastIndexOf: { min: 2, max: 2, pure: true, impl: ([s, p]) => {
    if (Array.isArray(s)) { for (let i = s.length - 1; i >= 0; i--) if (azureDeepEqual(s[i], p, true)) return i; return -1; }
    return str('lastIndexOf', s).toLowerCase().lastIndexOf(str('lastIndexOf', p).toLowerCase());
  } },
  padLeft: { min: 2, max: 3, pure: true, impl: ([v, n, c]) => toStr(v).padStart(size('padLeft', int('padLeft', n)), c === undefined ? ' ' : str('padLeft', c)) },
  string: { min: 1, max: 1, pure: true, impl: ([v]) => toStr(v) },
  base64: { min: 1, max: 1, pure: true, impl: ([v]) => Buffer.from(str('base64', v), 'utf8').toString('base64') },
  base64ToString: { min: 1, max: 1, pure: true, impl: ([v]) => Buffer.from(str('base64ToString', v), 'base64').toString('utf8') },
  base64ToJson: { min: 1, max: 1, pure: true, impl: ([v]) => parseJson('base64ToJson', Buffer.from(str('base64ToJson', v), 'base64').toString('utf8')) },
  uri: { min: 2, max: 2, pure: true, impl: ([b, r]) => new URL(str('uri', r), str('uri', b)).toString() },
  json: { min: 1, max: 1, pure: true, impl: ([v]) => parseJson('json', str('json', v)) },
  // numbers
  int: { min: 1, max: 1, pure: true, impl: ([v]) => {
    if (typeof v === 'number') return Math.trunc(v);
    if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return parseInt(v, 10);
    return fail('int', `cannot convert ${JSON.stringify(v)} to an integer`);
  } },
  float: { min: 1, max: 1, pure: true, impl: ([v]) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return Number.isNaN(n) ? fail('float', `cannot convert ${JSON.stringify(v)} to a number`) : n;
  } },
  add: { min: 2, max: 2, pure: true, impl: ([a, b]) => int('add', a) + int('add', b) },
  sub: { min: 2, max: 2, pure: true, impl: ([a, b]) => int('sub', a) - int('sub', b) },
  mul: { min: 2, max: 2, pure: true, impl: ([a, b]) => int('mul', a) * int('mul', b) },
  div: { min: 2, max: 2, pure: true, impl: ([a, b]) => (int('div', b) === 0 ? fail('div', 'division by zero') : Math.trunc(int('div', a) / (b as number))) },
  mod: { min: 2, max: 2, pure: true, impl: ([a, b]) => (int('mod', b) === 0 ? fail('mod', 'division by zero') : int('mod', a) % (b as number)) },
  min: { min: 1, max: 128, pure: true, impl: (args) => {
    const xs = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args).map((x) => int('min', x));
    return xs.length === 0 ? fail('min', 'no values') : Math.min(...xs);
  } },
  max: { min: 1, max: 128, pure: true, impl: (args) => {
    const xs = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args).map((x) => int('max', x));
    return xs.length === 0 ? fail('max', 'no values') : Math.max(...xs);
  } },
  range: { min: 2, max: 2, pure: true, impl: ([s, c]) => {
    const n = int('range', c, 'count');
    if (n < 0 || n > 10000) fail('range', 'count must be between 0 and 10000');
    return Array.from({ length: n }, (_, i) => int('range', s, 'startIndex') + i);
  } },
  // arrays and objects
  createArray: { min: 0, max: 128, pure: true, impl: (args) => args.map(nn) },
  array: { min: 1, max: 1, pure: true, impl: ([v]) => (Array.isArray(v) ? v : [nn(v)]) },
  createObject: { min: 0, max: 128, pure: true, impl: (args) => {
    if (args.length % 2) fail('createObject', 'needs key/value pairs');
    const o: Record<string, unknown> = {};
    for (let i = 0; i < args.length; i += 2) o[str('createObject', args[i], 'key')] = nn(args[i + 1]);
    return o;
  } },
  contains: { min: 2, max: 2, pure: true, impl: ([c, x]) => {
    if (typeof c === 'string') return c.includes(toStr(x));
    if (Array.isArray(c)) return c.some((y) => azureDeepEqual(y, x, true));
    if (isObj(c)) { const k = toStr(x).toLowerCase(); return Object.keys(c).some((y) => y.toLowerCase() === k); }
    return fail('contains', `the container must be a string, array or object, got ${JSON.stringify(c) ?? 'undefined'}`);
  } },
  empty: { min: 1, max: 1, pure: true, impl: ([v]) =>
    v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0) },
  first: { min: 1, max: 1, pure: true, impl: ([v]) => (typeof v === 'string' ? v.slice(0, 1) : nn(arr('first', v)[0])) },
  last: { min: 1, max: 1, pure: true, impl: ([v]) => (typeof v === 'string' ? v.slice(-1) : nn(arr('last', v).at(-1))) },
  length: { min: 1, max: 1, pure: true, impl: ([v]) => {
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (isObj(v)) return Object.keys(v).length;
    return fail('length', `expects an array, object or string, got ${JSON.stringify(v) ?? 'undefined'}`);
  } },
  take: { min: 2, max: 2, pure: true, impl: ([v, n]) => (typeof v === 'string' ? v.slice(0, Math.max(0, int('take', n))) : arr('take', v).slice(0, Math.max(0, int('take', n)))) },
  skip: { min: 2, max: 2, pure: true, impl: ([v, n]) => (typeof v === 'string' ? v.slice(Math.max(0, int('skip', n))) : arr('skip', v).slice(Math.max(0, int('skip', n)))) },
  union: { min: 1, max: 128, pure: true, impl: unionOf },
  intersection: { min: 1, max: 128, pure: true, impl: intersectionOf },
  join: { min: 2, max: 2, pure: true, impl: ([a, d]) => arr('join', a).map(toStr).join(str('join', d)) },
  items: { min: 1, max: 1, pure: true, impl: ([o]) => (isObj(o) ? Object.keys(o).sort().map((key) => ({ key, value: o[key] })) : fail('items', 'expects an object')) },
  objectKeys: { min: 1, max: 1, pure: true, impl: ([o]) => (isObj(o) ? Object.keys(o) : fail('objectKeys', 'expects an object')) },
  tryGet: { min: 2, max: 128, pure: true, impl: ([o, ...keys]) => {
    let cur: unknown = o;
    for (const k of keys) {
      if (Array.isArray(cur) && typeof k === 'number') cur = cur[k];
      else if (isObj(cur) && typeof k === 'string') { const hit = Object.keys(cur).find((x) => x.toLowerCase() === k.toLowerCase()); cur = hit === undefined ? undefined : cur[hit]; }
      else return null;
      if (cur === undefined) return null;
    }
    return cur;
  } },
  // dates
  utcNow: { min: 0, max: 1, pure: false, impl: ([f], env) => formatUtc(envNow(env), f === undefined ? undefined : str('utcNow', f)) },
  addDays: { min: 2, max: 2, pure: true, impl: ([d, n]) => {
    const t = Date.parse(str('addDays', d, 'dateTime'));
    if (Number.isNaN(t)) fail('addDays', `${JSON.stringify(d)} is not an ISO 8601 date-time`);
    return formatUtc(new Date(t + int('addDays', n, 'numberOfDaysToAdd') * 86400000));
  } },
  dateTimeAdd: { min: 2, max: 3, pure: true, impl: ([d, dur, f]) => {
    const t = Date.parse(str('dateTimeAdd', d, 'base'));
    if (Number.isNaN(t)) fail('dateTimeAdd', `${JSON.stringify(d)} is not an ISO 8601 date-time`);
    const out = addDuration(new Date(t), str('dateTimeAdd', dur, 'duration'));
    if (!out) return fail('dateTimeAdd', `${JSON.stringify(dur)} is not an ISO 8601 duration`);
    return formatUtc(out, f === undefined ? undefined : str('dateTimeAdd', f));
  } },
  // policy-only and deployment-context functions
  ipRangeContains: { min: 2, max: 2, pure: true, impl: ([r, t]) => ipRangeContains(str('ipRangeContains', r, 'range'), str('ipRangeContains', t, 'targetRange')) },
  requestContext: { min: 0, max: 0, pure: false, impl: (_a, env) => ({ apiVersion: env.ctx.request?.apiVersion ?? '2024-07-01', identity: null }) },
  policy: { min: 0, max: 0, pure: false, impl: (_a, env) => ({ assignmentId: '', definitionId: '', setDefinitionId: '', definitionReferenceId: '', ...env.policy }) },
  resourceGroup: { min: 0, max: 0, pure: false, impl: (_a, env) => resourceGroupOf(env) },
  subscription: { min: 0, max: 0, pure: false, impl: (_a, env) => subscriptionOf(env) },
};

function parseJson(fn: string, s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return fail(fn, `${JSON.stringify(s)} is not valid JSON`);
  }
}

/**
 * Largest string or array a function may return. Definitions are hostile input: without a bound,
 * padLeft('a', 300000000) or nested replace() build hundreds of megabytes, and V8's "Invalid string
 * length" RangeError would escape evaluate() (which turns only evaluation errors into results).
 */
export const MAX_FUNCTION_RESULT = DEFAULT_INPUT_LIMITS.maxString;

function size(fn: string, n: number): number {
  if (n > MAX_FUNCTION_RESULT) fail(fn, `the result would be ${n} characters or members long; the limit is ${MAX_FUNCTION_RESULT}`);
  return n;
}

/** Every function's result is checked: length, and for json()/base64ToJson() the nesting of what they parse. */
function bounded(name: string, f: TemplateFunction): TemplateFunction {
  return {
    ...f,
    impl: (args, env) => {
      let v: unknown;
      try {
        v = f.impl(args, env);
      } catch (e) {
        if (e instanceof RangeError) return fail(name, `the result is too large (${e.message})`);
        throw e;
      }
      if (typeof v === 'string' || Array.isArray(v)) size(name, v.length);
      if (typeof v === 'object' && v !== null && (name === 'json' || name === 'base64ToJson')) {
        const p = inputShapeProblem(v);
        if (p) fail(name, p.message);
      }
      return v;
    },
  };
}

const byLower = new Map(Object.entries(F).map(([k, v]) => [k.toLowerCase(), bounded(k, v)]));

/** The functions compiled specially (they read compile-time or scope state), not from the table. */
export const SPECIAL_FUNCTIONS = ['parameters', 'field', 'current'] as const;

export function lookupFunction(name: string): TemplateFunction | undefined {
  return byLower.get(name.toLowerCase());
}

export function functionNames(): string[] {
  return [...Object.keys(F), ...SPECIAL_FUNCTIONS].sort();
}
