import { InputError } from '../errors/index.js';
import type { ValueNode } from './ast.js';
import type { AliasRegistry } from './aliases/index.js';
import type { ExprNode } from './expression/ast.js';
import { lookupFunction } from './expression/functions.js';
import { compileFieldReader, getProp, Many, type ScopeInfo } from './field-reader.js';
import { PolicyEvaluationError, type Env } from './runtime.js';

/** A compiled value: folded to a constant when it depends only on literals and parameters. */
export type Compiled = { constant: true; value: unknown } | { constant: false; fn: (env: Env) => unknown };

export interface CompileScope {
  aliases: AliasRegistry;
  params: Map<string, unknown>;
  scopes: ScopeInfo[];
}

const konst = (value: unknown): Compiled => ({ constant: true, value });
export const run = (c: Compiled, env: Env): unknown => (c.constant ? c.value : c.fn(env));

function indexInto(obj: unknown, key: unknown, source: string): unknown {
  if (Array.isArray(obj)) {
    if (typeof key !== 'number') throw new PolicyEvaluationError(`${source}: an array index must be an integer, got ${JSON.stringify(key)}`);
    if (key < 0 || key >= obj.length) throw new PolicyEvaluationError(`${source}: index ${key} is out of range for an array of length ${obj.length}`);
    return obj[key];
  }
  if (typeof obj === 'object' && obj !== null && typeof key === 'string') {
    const v = getProp(obj, key);
    if (v === undefined) throw new PolicyEvaluationError(`${source}: the object has no property '${key}'`);
    return v;
  }
  throw new PolicyEvaluationError(`${source}: cannot read ${JSON.stringify(key)} of ${JSON.stringify(obj) ?? 'null'}`);
}

function compileNode(n: ExprNode, sc: CompileScope, where: string, source: string): Compiled {
  switch (n.kind) {
    case 'literal':
      return konst(n.value);
    case 'property':
    case 'index': {
      const obj = compileNode(n.object, sc, where, source);
      const key = n.kind === 'property' ? konst(n.name) : compileNode(n.index, sc, where, source);
      if (obj.constant && key.constant) {
        try {
          return konst(indexInto(obj.value, key.value, source));
        } catch {
          // leave the failure to evaluation time, where it becomes an implicit deny
        }
      }
      return { constant: false, fn: (env) => indexInto(run(obj, env), run(key, env), source) };
    }
    case 'call':
      return compileCall(n, sc, where, source);
  }
}

function compileCall(n: Extract<ExprNode, { kind: 'call' }>, sc: CompileScope, where: string, source: string): Compiled {
  const lname = n.name.toLowerCase();
  if (lname === 'parameters') {
    const arg = compileNode(n.args[0]!, sc, where, source);
    if (!arg.constant || typeof arg.value !== 'string') throw new InputError('POLICY_INVALID', 'parameters() needs a constant parameter name', { where });
    const key = arg.value.toLowerCase();
    if (!sc.params.has(key)) throw new InputError('POLICY_PARAMETER_INVALID', `parameters('${arg.value}'): no value was assigned and there is no default`, { where });
    return konst(sc.params.get(key));
  }
  if (lname === 'field') {
    const arg = compileNode(n.args[0]!, sc, where, source);
    if (!arg.constant || typeof arg.value !== 'string') throw new InputError('POLICY_INVALID', 'field() needs a constant field name', { where });
    const name = arg.value;
    const f = sc.aliases.resolve(name);
    if (!f) throw new InputError('POLICY_UNKNOWN_ALIAS', `unknown alias or field '${name}' in field()`, { where });
    const reader = compileFieldReader(f, sc.scopes, true);
    // field() of an array alias returns an array, even inside a count where it names one member.
    return {
      constant: false,
      fn: (env) => {
        const v = reader.read(env);
        if (v instanceof Many) return v.items.map((x) => (x === undefined ? null : x));
        if (f.hasStar) return v === undefined ? [] : [v];
        // Azure documents field() of a missing (non-array) property as "".
        return v === undefined ? '' : v;
      },
    };
  }
  if (lname === 'current') return compileCurrent(n, sc, where, source);
  const fn = lookupFunction(n.name)!;
  const args = n.args.map((a) => compileNode(a, sc, where, source));
  if (fn.pure && args.every((a) => a.constant)) {
    try {
      const vals = args.map((a) => (a as { value: unknown }).value);
      return konst(fn.impl(fn.lazy ? vals.map((v) => () => v) : vals, undefined as unknown as Env));
    } catch {
      // not foldable (it fails on these constants): report at evaluation, as Azure would
    }
  }
  if (fn.lazy) return { constant: false, fn: (env) => fn.impl(args.map((a) => () => run(a, env)), env) };
  if (args.length === 1) {
    const a0 = args[0]!;
    return { constant: false, fn: (env) => fn.impl([run(a0, env)], env) };
  }
  return { constant: false, fn: (env) => fn.impl(args.map((a) => run(a, env)), env) };
}

function compileCurrent(n: Extract<ExprNode, { kind: 'call' }>, sc: CompileScope, where: string, source: string): Compiled {
  if (sc.scopes.length === 0) throw new InputError('POLICY_INVALID', 'current() is only allowed inside a count expression where', { where });
  if (n.args.length === 0) {
    const i = sc.scopes.length - 1;
    return { constant: false, fn: (env) => env.scopes[i] ?? null };
  }
  const arg = compileNode(n.args[0]!, sc, where, source);
  if (!arg.constant || typeof arg.value !== 'string') throw new InputError('POLICY_INVALID', 'current() needs a constant name', { where });
  const name = arg.value;
  const lower = name.toLowerCase();
  for (let i = sc.scopes.length - 1; i >= 0; i--) {
    const s = sc.scopes[i]!;
    if ((s.kind === 'value' && s.name.toLowerCase() === lower) || (s.kind === 'field' && s.alias.toLowerCase() === lower))
      return { constant: false, fn: (env) => env.scopes[i] ?? null };
  }
  // current('<array alias>[*].property'): a property of the current member.
  const f = sc.aliases.resolve(name);
  const owner = sc.scopes.some((s) => s.kind === 'field' && lower.startsWith(s.alias.toLowerCase()));
  if (f && owner) {
    const reader = compileFieldReader(f, sc.scopes);
    return {
      constant: false,
      fn: (env) => {
        const v = reader.read(env);
        return v instanceof Many ? v.items : v === undefined ? null : v;
      },
    };
  }
  throw new InputError('POLICY_INVALID', `current('${name}') does not name an enclosing count (by its name or array alias)`, { where });
}

export function compileValue(v: ValueNode, sc: CompileScope): Compiled {
  if (v.kind === 'literal') return konst(v.value);
  return compileNode(v.expr, sc, v.path, v.source);
}
