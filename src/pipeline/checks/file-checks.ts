import { execWithBudget, USER_REGEX_BUDGET_MS, userRegexProblem } from '../../input/index.js';
import { broken, fail, pass, type CheckOutcome } from './check-result.js';
import { describeStat, readFileInRoot, resolveInRoot, type RootPath } from './root-path.js';

const MAX_CONTAINS_BYTES = 16 * 1024 * 1024;

function located(r: RootPath, asked: string): string {
  return r.imagePath === asked ? asked : `${asked} (resolves to ${r.imagePath})`;
}

function whyMissing(r: RootPath): string {
  if (r.problem === 'loop') return 'too many levels of symbolic links';
  if (r.problem === 'not-a-directory') return 'a component of the path is not a directory';
  return 'nothing';
}

export async function fileExists(root: string, path: string): Promise<CheckOutcome> {
  const r = await resolveInRoot(root, path);
  if (r.stat) return pass(`${located(r, path)} exists: ${describeStat(r.stat)}`);
  const link = await resolveInRoot(root, path, false);
  if (!r.problem && link.stat?.isSymbolicLink()) return fail(`expected ${path} to exist; found a dangling symlink to ${r.imagePath}`);
  return fail(`expected ${path} to exist; found ${whyMissing(r)}`);
}

/** Absent means nothing at the path at all: a dangling symlink is still something. */
export async function fileAbsent(root: string, path: string): Promise<CheckOutcome> {
  const r = await resolveInRoot(root, path, false);
  if (!r.stat) return pass(`${path} is absent`);
  if (r.stat.isSymbolicLink()) return fail(`expected ${path} to be absent; found a symlink`);
  return fail(`expected ${path} to be absent; found ${describeStat(r.stat)}`);
}

/**
 * The pattern is a JavaScript regular expression matched in multiline mode (^ and $ match at line
 * boundaries), compiled exactly as template validation compiles it. The message gives the line
 * number, not the matched text, which may be sensitive.
 */
export async function fileContains(root: string, path: string, pattern: string): Promise<CheckOutcome> {
  // Templates are validated with the same rule; this guards runs from older or hand-built plans.
  const why = userRegexProblem(pattern, 'm');
  if (why) return broken(`invalid pattern /${pattern}/: it ${why}`);
  const re = new RegExp(pattern, 'm');
  const r = await resolveInRoot(root, path);
  if (!r.stat) return fail(`expected ${path} to contain /${pattern}/; found ${whyMissing(r)} at ${path}`);
  if (!r.stat.isFile()) return fail(`expected ${path} to be a file containing /${pattern}/; found ${describeStat(r.stat)}`);
  if (r.stat.size > MAX_CONTAINS_BYTES) return broken(`${path} is ${r.stat.size} bytes; file-contains reads at most ${MAX_CONTAINS_BYTES}`);
  // Read the resolved path through the verified open: a swap after the lstat above is refused.
  const text = (await readFileInRoot(root, r.imagePath, { maxBytes: MAX_CONTAINS_BYTES }))?.text;
  if (text === undefined) return fail(`expected ${path} to contain /${pattern}/; found nothing at ${r.imagePath}`);
  const run = execWithBudget(re, text);
  if (!run.ok) return broken(`matching /${pattern}/ against ${path} took longer than ${USER_REGEX_BUDGET_MS} ms; simplify the pattern`);
  const m = run.match;
  if (!m) return fail(`expected ${located(r, path)} to match /${pattern}/; no line matches (${text.split('\n').length} lines)`);
  const line = text.slice(0, m.index).split('\n').length;
  return pass(`${located(r, path)} matches /${pattern}/ at line ${line}`);
}

/** Parse "0644", "644" or "0o644"; undefined when it is not an octal mode. */
export function parseMode(mode: string): number | undefined {
  const m = /^(?:0o?)?([0-7]{3,4})$/.exec(mode.trim());
  return m ? parseInt(m[1], 8) : undefined;
}

export const formatMode = (n: number): string => n.toString(8).padStart(4, '0');

/** Compares permission bits including setuid/setgid/sticky; symlinks are followed (their own mode means nothing). */
export async function fileMode(root: string, path: string, mode: string): Promise<CheckOutcome> {
  const want = parseMode(mode);
  if (want === undefined) return broken(`invalid mode ${JSON.stringify(mode)}: use octal such as 0644`);
  const r = await resolveInRoot(root, path);
  if (!r.stat) return fail(`expected ${path} with mode ${formatMode(want)}; found ${whyMissing(r)}`);
  const got = r.stat.mode & 0o7777;
  if (got === want) return pass(`${located(r, path)} has mode ${formatMode(got)}`);
  return fail(`expected ${located(r, path)} to have mode ${formatMode(want)}; found ${formatMode(got)}`);
}
