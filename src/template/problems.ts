import { InputError, IntegrityError, type GoldsmithError, type InputCode } from '../errors/index.js';

/** Stable codes for template problems; each means one thing and is never reused. */
export const TEMPLATE_CODES = {
  parse: 'TEMPLATE_PARSE',
  invalid: 'TEMPLATE_INVALID',
  unpinnedPackage: 'TEMPLATE_UNPINNED_PACKAGE',
  invalidPackage: 'TEMPLATE_INVALID_PACKAGE',
  fileMissing: 'TEMPLATE_FILE_MISSING',
  fileOutside: 'TEMPLATE_FILE_OUTSIDE',
  checksumMismatch: 'TEMPLATE_CHECKSUM_MISMATCH',
  unknownRepair: 'TEMPLATE_UNKNOWN_REPAIR',
  duplicateName: 'TEMPLATE_DUPLICATE_NAME',
  invalidVersion: 'TEMPLATE_INVALID_VERSION',
  relativePath: 'TEMPLATE_RELATIVE_PATH',
  invalidPattern: 'TEMPLATE_INVALID_PATTERN',
  invalidCron: 'TEMPLATE_INVALID_CRON',
  invalidDate: 'TEMPLATE_INVALID_DATE',
  /** Trusted Launch promised without boot validation. */
  bootRequired: 'TEMPLATE_BOOT_REQUIRED',
  aibUnsupported: 'TEMPLATE_AIB_UNSUPPORTED',
  aibInvalid: 'TEMPLATE_AIB_INVALID',
  /** The document breaks an input limit: nesting, string length, NUL, a __proto__ key (data.limit says which). */
  limit: 'TEMPLATE_LIMIT',
  tooLarge: 'TEMPLATE_TOO_LARGE',
  /** More than one problem: the list is in data.problems. */
  problems: 'TEMPLATE_PROBLEMS',
} as const satisfies Record<string, InputCode | 'TEMPLATE_CHECKSUM_MISMATCH'>;

/** The code of one template problem. */
export type TemplateProblemCode = (typeof TEMPLATE_CODES)[keyof typeof TEMPLATE_CODES];

/** One thing wrong with a template, before it is located in the file. */
export interface Problem {
  code: TemplateProblemCode;
  message: string;
  /** JSON pointer into the document the user wrote (or into the translated template, mapped later). */
  pointer: string;
  data?: Record<string, unknown>;
}

/** A problem with its place in the file: `file:line:col (/json/pointer)`. */
export interface LocatedProblem extends Problem {
  where: string;
  line?: number;
  col?: number;
}

export function problem(code: TemplateProblemCode, pointer: string, message: string, data?: Record<string, unknown>): Problem {
  return data === undefined ? { code, pointer, message } : { code, pointer, message, data };
}

/**
 * One error for every problem found, so a user fixes them all in one pass. A single problem keeps
 * its own code; several become TEMPLATE_PROBLEMS with each one listed in the message and data.
 * Checksum mismatches alone are an integrity error (a file changed under a pinned digest), under
 * their own code however many there are: a code has one kind.
 */
export function templateError(problems: LocatedProblem[]): GoldsmithError {
  if (problems.length === 0) throw new Error('templateError needs at least one problem');
  // In file order, so the list reads top to bottom like the template.
  problems = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
  const list = problems.map((p) => ({ code: p.code, message: p.message, where: p.where, pointer: p.pointer, ...(p.data ?? {}) }));
  const first = problems[0]!;
  const message =
    problems.length === 1
      ? first.message
      : `template has ${problems.length} problems:\n` + problems.map((p) => `  - ${p.where}: ${p.code}: ${p.message}`).join('\n');
  const details = { where: first.where, data: { problems: list } };
  if (problems.every((p) => p.code === TEMPLATE_CODES.checksumMismatch)) return new IntegrityError(TEMPLATE_CODES.checksumMismatch, message, details);
  return new InputError(problems.length === 1 && first.code !== TEMPLATE_CODES.checksumMismatch ? first.code : TEMPLATE_CODES.problems, message, details);
}

/**
 * A document with thousands of bad entries would otherwise cost a position lookup each and an error
 * message of megabytes; the first ones are what the author fixes first anyway.
 */
export const MAX_REPORTED_PROBLEMS = 50;

export function firstProblems(problems: Problem[]): Problem[] {
  return problems.length > MAX_REPORTED_PROBLEMS ? problems.slice(0, MAX_REPORTED_PROBLEMS) : problems;
}

/** "/customize/1/sha256" → "customize[1].sha256", for messages. */
export function fieldName(pointer: string): string {
  if (pointer === '' || pointer === '/') return '(template)';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  }
  return out;
}

export function pointerOf(segments: Array<string | number>): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function segmentsOf(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
