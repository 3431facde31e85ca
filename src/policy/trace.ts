/**
 * The explanation of one evaluation: the condition tree as evaluated, with the actual and expected
 * value of every leaf. Nothing is truncated.
 */
export type TraceNode =
  | { kind: 'allOf' | 'anyOf' | 'not'; path: string; result: boolean; children: TraceNode[] }
  | ConditionTrace
  | { kind: 'skipped'; path: string; reason: string };

export interface ConditionTrace {
  kind: 'condition';
  path: string;
  operand: 'field' | 'value' | 'count';
  /** The field or alias as written, for field operands and field counts. */
  field?: string;
  /** The property path the alias resolved to for this resource's type. */
  resolvedPath?: string;
  /** The template expression, for value operands. */
  expression?: string;
  actual: unknown;
  /** True when the field does not exist on the resource (actual is then null). */
  missing?: boolean;
  operator: string;
  expected: unknown;
  result: boolean;
  /** For `[*]` fields: each member and whether it satisfied the condition (all must). */
  elements?: Array<{ index: number; value: unknown; result: boolean }>;
  /** For counts: each member, whether `where` held, and its own trace. */
  members?: Array<{ index: number; value: unknown; matched: boolean; where: TraceNode[] }>;
  /** Folded at compile time: depends only on literals and parameters. */
  constant?: boolean;
  error?: string;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 300 ? s.slice(0, 297) + '...' : s;
}

export function describeLeaf(t: ConditionTrace & { negated?: boolean }): string {
  const subject =
    t.operand === 'field' ? `field '${t.field}'${t.resolvedPath && t.resolvedPath !== t.field ? ` (${t.resolvedPath})` : ''}`
    : t.operand === 'count' ? `count of ${t.field ? `'${t.field}'` : t.expression ?? 'values'}`
    : `value ${t.expression ?? show(t.actual)}`;
  const actual = t.missing ? 'does not exist' : `is ${show(t.actual)}`;
  if (t.error) return `${subject}: evaluation failed: ${t.error}`;
  return `${subject} ${actual}; ${t.operator} ${show(t.expected)} is ${t.result}${t.negated ? ' (inverted by not)' : ''}`;
}

/**
 * The leaves that decided the outcome: for an allOf that held, all of them; for one that failed,
 * the first failing child; mirrored for anyOf; flipped under not.
 */
export function decisiveLeaves(nodes: TraceNode[]): Array<ConditionTrace & { negated?: boolean }> {
  const out: Array<ConditionTrace & { negated?: boolean }> = [];
  let negations = 0;
  const walk = (n: TraceNode) => {
    if (n.kind === 'skipped') return;
    if (n.kind === 'condition') {
      out.push(negations % 2 ? { ...n, negated: true } : n);
      return;
    }
    if (n.kind === 'not') {
      negations++;
      n.children.forEach(walk);
      negations--;
      return;
    }
    const decisive = n.kind === 'allOf' ? !n.result : n.result;
    if (decisive) {
      const c = n.children.find((x) => x.kind !== 'skipped' && x.result === n.result);
      if (c) walk(c);
    } else n.children.forEach(walk);
  };
  nodes.forEach(walk);
  return out;
}
