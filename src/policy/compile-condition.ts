import { InputError } from '../errors/index.js';
import type { ConditionNode, OperandNode } from './ast.js';
import { compileValue, run, type Compiled, type CompileScope } from './compile-expression.js';
import { compileFieldReader, Many, type FieldReader, type ScopeInfo } from './field-reader.js';
import { OPERATOR_FNS, specializeOperator, type OperatorFn } from './operators.js';
import { PolicyEvaluationError, type Env } from './runtime.js';
import type { ConditionTrace, TraceNode } from './trace.js';

/** A compiled condition. With a trace array it records what it evaluated; with null it runs bare. */
export type CondFn = (env: Env, t: TraceNode[] | null) => boolean;

// Azure normalises locations: "West Europe" equals "westeurope".
const normLocation = (v: unknown): unknown =>
  typeof v === 'string' ? v.replace(/\s+/g, '').toLowerCase() : Array.isArray(v) ? v.map(normLocation) : v;
const orNull = (v: unknown) => (v === undefined ? null : v);

export function compileCondition(node: ConditionNode, sc: CompileScope): CondFn {
  switch (node.kind) {
    case 'not': {
      const c = compileCondition(node.child, sc);
      return (env, t) => {
        if (!t) return !c(env, null);
        const children: TraceNode[] = [];
        const me = { kind: 'not' as const, path: node.path, result: false, children };
        t.push(me);
        me.result = !c(env, children);
        return me.result;
      };
    }
    case 'allOf':
    case 'anyOf': {
      const cs = node.children.map((c) => compileCondition(c, sc));
      const stopOn = node.kind === 'anyOf'; // anyOf stops at the first true, allOf at the first false
      const n = cs.length;
      return (env, t) => {
        if (!t) {
          for (let i = 0; i < n; i++) if (cs[i]!(env, null) === stopOn) return stopOn;
          return !stopOn;
        }
        const children: TraceNode[] = [];
        const me = { kind: node.kind, path: node.path, result: !stopOn, children };
        t.push(me);
        for (let i = 0; i < n; i++) {
          if (cs[i]!(env, children) === stopOn) {
            me.result = stopOn;
            for (let k = i + 1; k < n; k++) children.push({ kind: 'skipped', path: node.children[k]!.path, reason: `not evaluated: the ${node.kind} was already decided` });
            break;
          }
        }
        return me.result;
      };
    }
    case 'condition':
      return compileLeaf(node, sc);
  }
}

interface Operand {
  /** The actual value (Many for `[*]`). */
  get: (env: Env, members: ConditionTrace['members'] | null) => unknown;
  describe: (env: Env) => Pick<ConditionTrace, 'operand' | 'field' | 'resolvedPath' | 'expression'>;
  constant: boolean;
  isLocation: boolean;
}

function compileOperand(o: OperandNode, sc: CompileScope): Operand {
  if (o.kind === 'value') {
    const v = compileValue(o.value, sc);
    const expression = o.value.kind === 'expression' ? o.value.source : undefined;
    return { get: (env) => run(v, env), describe: () => ({ operand: 'value', expression }), constant: v.constant, isLocation: false };
  }
  if (o.kind === 'field') {
    const nameC = compileValue(o.field, sc);
    if (!nameC.constant || typeof nameC.value !== 'string')
      throw new InputError('POLICY_INVALID', 'a field name built by an expression must depend only on parameters', { where: o.path });
    const name = nameC.value;
    const f = sc.aliases.resolve(name);
    if (!f) throw new InputError('POLICY_UNKNOWN_ALIAS', `unknown alias or field '${name}'`, { where: o.path });
    const reader = compileFieldReader(f, sc.scopes);
    return {
      get: (env) => reader.read(env),
      describe: (env) => ({ operand: 'field', field: name, resolvedPath: reader.plan(env)?.text ?? `(alias does not apply to type '${env.resource.type}')` }),
      constant: false,
      isLocation: f.isLocation,
    };
  }
  if (o.kind === 'fieldCount') return compileFieldCount(o, sc);
  return compileValueCount(o, sc);
}

function countLoop(items: unknown[], depth: number, where: CondFn | undefined, env: Env, members: ConditionTrace['members'] | null): number {
  if (!where) return items.length;
  let n = 0;
  const saved = env.scopes.length;
  for (let i = 0; i < items.length; i++) {
    env.scopes[depth] = items[i];
    const wt: TraceNode[] | null = members ? [] : null;
    const ok = where(env, wt);
    if (ok) n++;
    if (members) members.push({ index: i, value: orNull(items[i]), matched: ok, where: wt! });
  }
  env.scopes.length = saved;
  return n;
}

function compileFieldCount(o: Extract<OperandNode, { kind: 'fieldCount' }>, sc: CompileScope): Operand {
  const f = sc.aliases.resolve(o.field)!;
  const reader: FieldReader = compileFieldReader(f, sc.scopes);
  const depth = sc.scopes.length;
  const scope: ScopeInfo = { kind: 'field', alias: o.field, absByType: f.byType, absGeneric: f.generic };
  const where = o.where ? compileCondition(o.where, { ...sc, scopes: [...sc.scopes, scope] }) : undefined;
  return {
    get: (env, members) => {
      const v = reader.read(env);
      const items = v instanceof Many ? v.items : [];
      return countLoop(items, depth, where, env, members);
    },
    describe: (env) => ({ operand: 'count', field: o.field, resolvedPath: reader.plan(env)?.text }),
    constant: false,
    isLocation: false,
  };
}

function compileValueCount(o: Extract<OperandNode, { kind: 'valueCount' }>, sc: CompileScope): Operand {
  const arr = compileValue(o.value, sc);
  const depth = sc.scopes.length;
  const scope: ScopeInfo = { kind: 'value', name: o.name ?? 'default' };
  const where = o.where ? compileCondition(o.where, { ...sc, scopes: [...sc.scopes, scope] }) : undefined;
  const expression = o.value.kind === 'expression' ? o.value.source : JSON.stringify(o.value.value);
  return {
    get: (env, members) => {
      const items = run(arr, env);
      if (!Array.isArray(items)) throw new PolicyEvaluationError(`count.value must be an array, got ${JSON.stringify(items)}`, o.path);
      if (items.length > 100) throw new PolicyEvaluationError(`a value count iterates at most 100 members, got ${items.length}`, o.path);
      return countLoop(items, depth, where, env, members);
    },
    describe: () => ({ operand: 'count', expression }),
    constant: false,
    isLocation: false,
  };
}

function applyOp(op: OperatorFn, a: unknown, e: unknown, elements: ConditionTrace['elements'] | null): boolean {
  if (!(a instanceof Many)) return op(a, e);
  // Azure's `[*]` semantics: every member must satisfy the condition; an empty or missing array does.
  const items = a.items;
  for (let i = 0; i < items.length; i++) {
    const r = op(items[i], e);
    if (elements) elements.push({ index: i, value: orNull(items[i]), result: r });
    if (!r) return false;
  }
  return true;
}

function compileLeaf(node: Extract<ConditionNode, { kind: 'condition' }>, sc: CompileScope): CondFn {
  const operand = compileOperand(node.operand, sc);
  const expected: Compiled = compileValue(node.expected, sc);
  const base = (expected.constant && !operand.isLocation ? specializeOperator(node.operator, expected.value) : undefined) ?? OPERATOR_FNS[node.operator];
  const op: OperatorFn = operand.isLocation ? (a, e) => base(normLocation(a), normLocation(e)) : base;
  const where = node.path;
  const fast: CondFn = (env) => {
    try {
      return applyOp(op, operand.get(env, null), run(expected, env), null);
    } catch (e) {
      if (e instanceof PolicyEvaluationError && !e.where) throw new PolicyEvaluationError(e.message, where);
      throw e;
    }
  };
  const traced = (env: Env, t: TraceNode[]) => {
    const isCount = node.operand.kind === 'fieldCount' || node.operand.kind === 'valueCount';
    const rec: ConditionTrace = { kind: 'condition', path: where, ...operand.describe(env), actual: null, operator: node.operator, expected: null, result: false };
    t.push(rec);
    try {
      const members: ConditionTrace['members'] = isCount ? [] : null as unknown as undefined;
      const a = operand.get(env, isCount ? members : null);
      const e = run(expected, env);
      rec.expected = orNull(e);
      if (a instanceof Many) {
        rec.actual = a.items.map(orNull);
        rec.elements = [];
      } else {
        rec.actual = orNull(a);
        if (a === undefined) rec.missing = true;
      }
      if (isCount) rec.members = members;
      rec.result = applyOp(op, a, e, rec.elements ?? null);
      return rec.result;
    } catch (e) {
      rec.error = (e as Error).message;
      if (e instanceof PolicyEvaluationError && !e.where) throw new PolicyEvaluationError(e.message, where);
      throw e;
    }
  };
  // Constant folding: a value-only condition over literals and parameters is decided once, here.
  if (operand.constant && expected.constant) {
    try {
      const probe: TraceNode[] = [];
      const r = traced({} as Env, probe);
      const rec = { ...(probe[0] as ConditionTrace), constant: true };
      return (_env, t) => {
        if (t) t.push(rec);
        return r;
      };
    } catch {
      // fails on these constants: leave it to evaluation, where it becomes an implicit deny
    }
  }
  return (env, t) => (t ? traced(env, t) : fast(env, null));
}
