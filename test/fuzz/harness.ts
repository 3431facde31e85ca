import { isGoldsmithError } from '../../src/errors/index.js';
import { inputShapeProblem } from '../../src/input/index.js';

/** Cases per parser; FUZZ_SCALE=4 runs four times as many (same seeds, longer corpus) when hunting. */
export const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

/** One parser call may take this long on a loaded 2-core box before it counts as a hang (a 2 MB document
 * took 2.8 s at load average 20 while VMs booted beside it; a real hang or blow-up takes far longer). */
export const CASE_BUDGET_MS = Number(process.env.FUZZ_CASE_BUDGET_MS ?? 5000);

export interface FuzzCase {
  /** What was fed, short enough to print. */
  label: string;
  run: () => unknown;
}

export interface Finding {
  index: number;
  label: string;
  problem: string;
}

export interface FuzzReport {
  parser: string;
  cases: number;
  ok: number;
  refused: number;
  codes: Record<string, number>;
  findings: Finding[];
  slowestMs: number;
}

/**
 * Feed every case to its parser and sort the outcome: accepted, refused with one of Goldsmith's typed
 * errors (anything but kind "internal", which the CLI turns into exit 70), or a finding: a raw
 * exception (TypeError, RangeError from a stack overflow…), an internal error, or a call slower than
 * CASE_BUDGET_MS.
 */
export async function fuzz(parser: string, cases: Iterable<FuzzCase>): Promise<FuzzReport> {
  const report: FuzzReport = { parser, cases: 0, ok: 0, refused: 0, codes: {}, findings: [], slowestMs: 0 };
  let index = 0;
  for (const c of cases) {
    const i = index++;
    report.cases++;
    const t0 = performance.now();
    let outcome: string | undefined;
    try {
      await c.run();
      report.ok++;
    } catch (e) {
      if (isGoldsmithError(e) && e.kind !== 'internal') {
        report.refused++;
        report.codes[e.code] = (report.codes[e.code] ?? 0) + 1;
      } else outcome = isGoldsmithError(e) ? `internal ${e.code}: ${e.message.slice(0, 200)}` : describe(e);
    }
    const ms = performance.now() - t0;
    report.slowestMs = Math.max(report.slowestMs, ms);
    if (process.env.FUZZ_TRACE && ms > Number(process.env.FUZZ_TRACE)) console.log(`${parser} #${i} ${Math.round(ms)} ms ${c.label.slice(0, 160)}`);
    if (outcome === undefined && ms > CASE_BUDGET_MS) outcome = `took ${Math.round(ms)} ms (budget ${CASE_BUDGET_MS})`;
    if (outcome !== undefined) report.findings.push({ index: i, label: c.label.slice(0, 160), problem: outcome });
  }
  return report;
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message.slice(0, 200)}${e.stack ? ` @ ${e.stack.split('\n').slice(1, 3).join(' ').trim()}` : ''}`;
  return `threw ${typeof e}: ${String(e).slice(0, 200)}`;
}

/** A one-line account for the test log, and the findings in full when there are any. */
export function summarize(r: FuzzReport): string {
  const codes = Object.entries(r.codes).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}×${n}`).join(' ');
  const head = `${r.parser}: ${r.cases} cases, ${r.ok} accepted, ${r.refused} refused (${codes}), ${r.findings.length} crashes/hangs, slowest ${Math.round(r.slowestMs)} ms`;
  return [head, ...r.findings.slice(0, 30).map((f) => `  #${f.index} ${f.label}: ${f.problem}`)].join('\n');
}

/** Short printable form of an input for a finding's label. */
export function label(kind: string, text: string): string {
  const flat = text.length > 100 ? `${text.slice(0, 60)}…(${text.length} chars)…${text.slice(-30)}` : text;
  return `${kind} ${JSON.stringify(flat)}`;
}

/**
 * What a parser accepts goes on to the store (jsonb refuses NUL characters) and to recursive code
 * (policy evaluation, JSON.stringify); accepting what breaks the input limits is a finding too.
 */
export function mustFitLimits<T>(accepted: T, what: string): T {
  const p = inputShapeProblem(accepted);
  if (p) throw new Error(`accepted ${what} that breaks an input limit: ${p.message}`);
  return accepted;
}
