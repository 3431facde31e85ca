import vm from 'node:vm';

/**
 * Regular expressions users write (the `file-contains` check's pattern). V8's engine backtracks, so
 * a pattern such as `(a+)+$` takes exponential time on a line of a's, and Node 20 has no linear-time
 * engine built in. Two layers, both needed:
 * - before a build: a conservative lint refuses the shapes that backtrack exponentially (a repeated
 *   group that itself holds a quantifier or an alternation, backreferences), with a message saying why,
 *   so the author hears of it at `template validate` rather than mid-build;
 * - while matching: the match runs in a vm context with a time budget, which V8 interrupts even inside
 *   the regex engine, so what the lint cannot see (polynomial `.*a.*b.*c` on a 16 MiB file) ends as a
 *   "took too long" result instead of a hung build.
 */

/** Longest pattern accepted; real checks are a line of text. */
export const MAX_USER_REGEX_LENGTH = 1000;

/** Time one match may take before it is abandoned. */
export const USER_REGEX_BUDGET_MS = 2000;

/** Why a pattern is refused, or undefined when it is valid and none of the known catastrophic shapes. */
export function userRegexProblem(pattern: string, flags = ''): string | undefined {
  if (pattern.length > MAX_USER_REGEX_LENGTH) return `is ${pattern.length} characters long; the limit is ${MAX_USER_REGEX_LENGTH}`;
  try {
    new RegExp(pattern, flags);
  } catch (e) {
    return `is not a valid regular expression: ${(e as Error).message}`;
  }
  return backtrackingProblem(pattern);
}

interface Group {
  /** A quantifier (*, +, {n,m}) appears directly or in a nested group. */
  quantified: boolean;
  alternation: boolean;
}

/**
 * Scan the pattern's groups. A group repeated without bound (followed by *, + or {n,} / {n,m} with
 * m > 1) is refused when its body can match in more than one way per repetition: it contains a
 * quantifier or an alternation. This refuses a few harmless patterns such as `(ab+)+` too; the
 * message says how to rewrite.
 */
function backtrackingProblem(p: string): string | undefined {
  const stack: Group[] = [{ quantified: false, alternation: false }];
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const n = p[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(n) || n === 'k')) return 'uses a backreference, which can take exponential time; match without it';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push({ quantified: false, alternation: false });
    else if (c === '|') stack[stack.length - 1]!.alternation = true;
    else if (c === ')') {
      const g = stack.length > 1 ? stack.pop()! : { quantified: false, alternation: false };
      const q = quantifierAt(p, i + 1);
      if (q.repeats && (g.quantified || g.alternation)) {
        return `repeats a group that itself contains ${g.quantified ? 'a quantifier' : 'an alternation'} (near character ${i + 1}), which can take exponential time (catastrophic backtracking); rewrite it without nesting, e.g. "a+" rather than "(a+)+"`;
      }
      const parent = stack[stack.length - 1]!;
      if (g.quantified || q.any) parent.quantified = true;
    } else if (c === '*' || c === '+' || (c === '{' && quantifierAt(p, i).any)) stack[stack.length - 1]!.quantified = true;
  }
  return undefined;
}

/** The quantifier starting at p[i], if any: `any` for *, +, {…}; `repeats` when it allows more than one repetition. */
function quantifierAt(p: string, i: number): { any: boolean; repeats: boolean } {
  const c = p[i];
  if (c === '*' || c === '+') return { any: true, repeats: true };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i, i + 24));
    if (!m) return { any: false, repeats: false };
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
    return { any: true, repeats: max > 1 };
  }
  return { any: false, repeats: false };
}

const execScript = new vm.Script('re.exec(text)');

export type BoundedMatch = { ok: true; match: RegExpExecArray | null } | { ok: false; timedOut: true };

/** `re.exec(text)` that gives up after `budgetMs` of CPU instead of hanging the process. */
export function execWithBudget(re: RegExp, text: string, budgetMs = USER_REGEX_BUDGET_MS): BoundedMatch {
  try {
    return { ok: true, match: execScript.runInContext(vm.createContext({ re, text }), { timeout: budgetMs }) as RegExpExecArray | null };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { ok: false, timedOut: true };
    throw e;
  }
}
