import { InputError, type InputCode } from '../errors/index.js';

/**
 * Limits on documents users feed Goldsmith (templates, policy definitions, advisories, `az vm list`
 * output, API bodies). Parsers in this codebase recurse over what they read, so an unbounded
 * document is a stack overflow (exit 70) or minutes of CPU; these limits refuse such input up
 * front with an error naming the field. Each is far above anything a real document needs.
 */
export interface InputLimits {
  /** Nesting of objects and arrays. A policy rule with 20 nested allOf/not is already unusual. */
  maxDepth: number;
  /** Characters in one string or key. */
  maxString: number;
  /** Members of one array. */
  maxArray: number;
}

export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = { maxDepth: 64, maxString: 1024 * 1024, maxArray: 100_000 };

/** Stable codes of the refusals, one per limit. */
export const INPUT_CODES = {
  tooDeep: 'INPUT_TOO_DEEP',
  stringTooLong: 'INPUT_STRING_TOO_LONG',
  arrayTooLong: 'INPUT_ARRAY_TOO_LONG',
  nul: 'INPUT_NUL_CHARACTER',
  forbiddenKey: 'INPUT_FORBIDDEN_KEY',
  notPlain: 'INPUT_NOT_PLAIN_DATA',
  tooLarge: 'INPUT_TOO_LARGE',
} as const satisfies Record<string, InputCode>;

export interface ShapeProblem {
  code: InputCode;
  /** JSON pointer of the offending field (its key, when the key itself is the problem). */
  pointer: string;
  message: string;
}

const seg = (k: string | number) => '/' + String(k).replace(/~/g, '~0').replace(/\//g, '~1');

/** "/a/0/b" → "a[0].b" for messages; "" is the document itself. */
export function describePointer(pointer: string): string {
  if (pointer === '') return 'the document';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const s = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(s) ? `[${s}]` : out === '' ? s : `.${s}`;
  }
  return out.length > 120 ? out.slice(0, 117) + '...' : out;
}

function stringProblem(s: string, pointer: string, what: string, limits: InputLimits): ShapeProblem | undefined {
  if (s.length > limits.maxString) {
    return { code: INPUT_CODES.stringTooLong, pointer, message: `${what} at ${describePointer(pointer)} is ${s.length} characters long; the limit is ${limits.maxString}` };
  }
  if (s.includes('\u0000')) return { code: INPUT_CODES.nul, pointer, message: `${what} at ${describePointer(pointer)} contains a NUL character` };
  return undefined;
}

/**
 * The first way a parsed document breaks the limits, or undefined. Iterative, so it cannot itself
 * overflow the stack on the documents it exists to refuse. `__proto__` keys are refused because
 * copying such a member into a plain object replaces the object's prototype instead.
 */
export function inputShapeProblem(value: unknown, limits: InputLimits = DEFAULT_INPUT_LIMITS): ShapeProblem | undefined {
  const stack: Array<{ v: unknown; pointer: string; depth: number }> = [{ v: value, pointer: '', depth: 0 }];
  while (stack.length > 0) {
    const { v, pointer, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const p = stringProblem(v, pointer, 'the string', limits);
      if (p) return p;
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= limits.maxDepth) {
      return { code: INPUT_CODES.tooDeep, pointer, message: `${describePointer(pointer)} is nested more than ${limits.maxDepth} levels deep` };
    }
    if (Array.isArray(v)) {
      if (v.length > limits.maxArray) {
        return { code: INPUT_CODES.arrayTooLong, pointer, message: `the array at ${describePointer(pointer)} has ${v.length} members; the limit is ${limits.maxArray}` };
      }
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], pointer: pointer + seg(i), depth: depth + 1 });
      continue;
    }
    // A YAML "__proto__" key is applied by assignment (the object's prototype changes, no key is left to
    // see), and YAML tags make Sets, Maps, Dates and byte arrays: documents here are plain JSON data.
    if (Object.getPrototypeOf(v) !== Object.prototype) {
      return { code: INPUT_CODES.notPlain, pointer, message: `${describePointer(pointer)} is not plain JSON data (a "__proto__" key, or a YAML tag such as !!set or !!binary)` };
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const at = pointer + seg(k);
      if (k === '__proto__') return { code: INPUT_CODES.forbiddenKey, pointer: at, message: `the key "__proto__" at ${describePointer(pointer)} is not allowed` };
      const p = stringProblem(k, at, 'the key', limits);
      if (p) return p;
      stack.push({ v: (v as Record<string, unknown>)[k], pointer: at, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Throw an InputError for the first limit a document breaks. `where` says which document (a file
 * name); the error's `where` is `${where}${separator}${pointer}` and its data carries the pointer alone.
 */
export function checkInputShape(value: unknown, where: string, limits: InputLimits = DEFAULT_INPUT_LIMITS, separator = ''): void {
  const p = inputShapeProblem(value, limits);
  if (p) throw new InputError(p.code, where ? `${where}: ${p.message}` : p.message, { where: `${where}${separator}${p.pointer}` || '/', data: { pointer: p.pointer } });
}

/** Refuse a document's text before parsing it when it is larger than any real one of its kind. */
export function checkInputSize(text: string | Buffer, where: string, maxBytes: number): void {
  const n = typeof text === 'string' ? text.length : text.byteLength;
  if (n > maxBytes) {
    throw new InputError(INPUT_CODES.tooLarge, `${where} is ${n} ${typeof text === 'string' ? 'characters' : 'bytes'}; the limit is ${maxBytes}`, { where, data: { limit: maxBytes } });
  }
}
