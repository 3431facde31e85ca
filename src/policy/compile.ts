import { InputError } from '../errors/index.js';
import type { EffectName, PolicyDefinitionAst } from './ast.js';
import { defaultAliases, type AliasRegistry, type ResolvedField } from './aliases/index.js';
import { compileCondition, type CondFn } from './compile-condition.js';
import { compileValue, run, type Compiled, type CompileScope } from './compile-expression.js';
import { validateDetails } from './effect-details.js';
import { isExpressionString, unescapeLiteral } from './expression/parse-expression.js';
import { canonicalEffect, parseDefinition, type ParseOptions } from './parse.js';
import { parseExpressionString, ptr } from './parse-value.js';
import { resolveParameters, type AssignmentParameters } from './parameters.js';
import type { Env } from './runtime.js';

export interface ModifyOperation {
  operation: 'addOrReplace' | 'add' | 'remove';
  field: string;
  resolved: ResolvedField;
  value: Compiled;
  condition?: Compiled;
  path: string;
}

export type CompiledDetails =
  | { kind: 'none'; raw?: unknown }
  | {
      kind: 'existence';
      type: string;
      name?: Compiled;
      resourceGroupName?: Compiled;
      existenceScope: 'resourceGroup' | 'subscription';
      existenceCondition?: CondFn;
      deployment?: Compiled;
      roleDefinitionIds?: unknown;
      raw: unknown;
    }
  | { kind: 'modify'; operations: ModifyOperation[]; conflictEffect: 'audit' | 'deny' | 'disabled'; roleDefinitionIds?: unknown }
  | { kind: 'append'; entries: Array<{ field: string; resolved: ResolvedField; value: Compiled; path: string }> }
  | { kind: 'denyAction'; actionNames: string[]; cascadeBehaviors?: unknown }
  | { kind: 'manual'; defaultState: string };

/** A definition prepared for evaluation: parameters bound, effect decided, every closure built. */
export interface CompiledPolicy {
  readonly ast: PolicyDefinitionAst;
  readonly effect: EffectName;
  readonly parameters: ReadonlyMap<string, unknown>;
  readonly condition: CondFn;
  readonly details: CompiledDetails;
  readonly aliases: AliasRegistry;
}

export interface CompileOptions {
  aliases?: AliasRegistry;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const get = (o: Record<string, unknown>, k: string) => {
  const key = Object.keys(o).find((x) => x.toLowerCase() === k.toLowerCase());
  return { key, value: key === undefined ? undefined : o[key] };
};

/** Compile a JSON value whose strings may be expressions; `skip` leaves sub-trees verbatim. */
export function compileJson(v: unknown, where: string, sc: CompileScope, skip: (where: string) => boolean = () => false): Compiled {
  if (skip(where)) return { constant: true, value: v };
  if (typeof v === 'string') {
    if (!isExpressionString(v)) return { constant: true, value: unescapeLiteral(v) };
    const expr = parseExpressionString(v, where, { aliases: sc.aliases, parameterNames: null });
    return compileValue({ kind: 'expression', path: where, source: v, expr }, sc);
  }
  if (Array.isArray(v)) {
    const parts = v.map((x, i) => compileJson(x, ptr(where, i), sc, skip));
    if (parts.every((p) => p.constant)) return { constant: true, value: parts.map((p) => (p as { value: unknown }).value) };
    return { constant: false, fn: (env) => parts.map((p) => run(p, env)) };
  }
  if (isObj(v)) {
    const entries = Object.entries(v).map(([k, x]) => [k, compileJson(x, ptr(where, k), sc, skip)] as const);
    if (entries.every(([, p]) => p.constant)) return { constant: true, value: Object.fromEntries(entries.map(([k, p]) => [k, (p as { value: unknown }).value])) };
    return { constant: false, fn: (env: Env) => Object.fromEntries(entries.map(([k, p]) => [k, run(p, env)])) };
  }
  return { constant: true, value: v };
}

function resolveWritable(field: string, where: string, sc: CompileScope, effect: string): ResolvedField {
  const r = sc.aliases.resolve(field);
  if (!r) throw new InputError('POLICY_UNKNOWN_ALIAS', `unknown alias or field '${field}'`, { where });
  if (r.generic?.root === 'fullName' || [...(r.byType?.values() ?? [])].some((p) => p.root === 'computed'))
    throw new InputError('POLICY_INVALID', `${effect} cannot write '${field}': it is computed, not stored`, { where });
  if (effect === 'modify' && !r.modifiable && r.generic?.segs[0] !== 'location')
    throw new InputError('POLICY_INVALID', `'${field}' is not a modifiable alias (modify can change tags and aliases marked Modifiable)`, { where });
  return r;
}

function compileDetails(ast: PolicyDefinitionAst, effect: EffectName, sc: CompileScope): CompiledDetails {
  const raw = ast.then.details;
  const at = ast.then.detailsPath;
  const problem = validateDetails(effect, raw);
  if (problem) throw new InputError('POLICY_INVALID', problem.message, { where: problem.at ? ptr(at, problem.at) : at });
  switch (effect) {
    case 'auditIfNotExists':
    case 'deployIfNotExists': {
      const d = raw as Record<string, unknown>;
      const name = get(d, 'name');
      const rg = get(d, 'resourceGroupName');
      const scope = get(d, 'existenceScope');
      const dep = get(d, 'deployment');
      const roles = get(d, 'roleDefinitionIds');
      const skipTemplate = (w: string) => /\/deployment\/properties\/template$/i.test(w);
      return {
        kind: 'existence',
        type: get(d, 'type').value as string,
        name: name.key ? compileJson(name.value, ptr(at, name.key), sc) : undefined,
        resourceGroupName: rg.key ? compileJson(rg.value, ptr(at, rg.key), sc) : undefined,
        existenceScope: typeof scope.value === 'string' && scope.value.toLowerCase() === 'subscription' ? 'subscription' : 'resourceGroup',
        // field() inside existenceCondition reads the matched resource; field operands read the related one.
        existenceCondition: ast.then.existenceCondition ? compileCondition(ast.then.existenceCondition, sc) : undefined,
        deployment: dep.key ? compileJson(dep.value, ptr(at, dep.key), sc, skipTemplate) : undefined,
        roleDefinitionIds: roles.value,
        raw,
      };
    }
    case 'modify': {
      const d = raw as Record<string, unknown>;
      const ops = get(d, 'operations');
      const ce = get(d, 'conflictEffect').value;
      return {
        kind: 'modify',
        // Azure's default conflictEffect is deny.
        conflictEffect: typeof ce === 'string' ? (ce.toLowerCase() as 'audit' | 'deny' | 'disabled') : 'deny',
        roleDefinitionIds: get(d, 'roleDefinitionIds').value,
        operations: (ops.value as Record<string, unknown>[]).map((op, i) => {
          const opAt = ptr(ptr(at, ops.key!), i);
          const kind = String(get(op, 'operation').value).toLowerCase();
          const fieldV = compileJson(get(op, 'field').value, ptr(opAt, 'field'), sc);
          if (!fieldV.constant || typeof fieldV.value !== 'string') throw new InputError('POLICY_INVALID', 'a modify field must depend only on parameters', { where: ptr(opAt, 'field') });
          const cond = get(op, 'condition');
          if (kind === 'remove' && !/^tags($|[.[])/i.test(fieldV.value))
            throw new InputError('POLICY_INVALID', `remove is only supported for tags, not '${fieldV.value}'`, { where: ptr(opAt, 'field') });
          return {
            operation: kind === 'addorreplace' ? 'addOrReplace' : kind === 'add' ? 'add' : 'remove',
            field: fieldV.value,
            resolved: resolveWritable(fieldV.value, ptr(opAt, 'field'), sc, 'modify'),
            value: compileJson(get(op, 'value').value, ptr(opAt, 'value'), sc),
            condition: cond.key ? compileJson(cond.value, ptr(opAt, cond.key), sc) : undefined,
            path: opAt,
          } satisfies ModifyOperation;
        }),
      };
    }
    case 'append':
      return {
        kind: 'append',
        entries: (raw as Record<string, unknown>[]).map((e, i) => {
          const eAt = ptr(at, i);
          const fieldV = compileJson(get(e, 'field').value, ptr(eAt, 'field'), sc);
          if (!fieldV.constant || typeof fieldV.value !== 'string') throw new InputError('POLICY_INVALID', 'an append field must depend only on parameters', { where: ptr(eAt, 'field') });
          return { field: fieldV.value, resolved: resolveWritable(fieldV.value, ptr(eAt, 'field'), sc, 'append'), value: compileJson(get(e, 'value').value, ptr(eAt, 'value'), sc), path: eAt };
        }),
      };
    case 'denyAction': {
      const d = raw as Record<string, unknown>;
      return { kind: 'denyAction', actionNames: (get(d, 'actionNames').value as string[]).map((s) => s.toLowerCase()), cascadeBehaviors: get(d, 'cascadeBehaviors').value };
    }
    case 'manual': {
      const ds = isObj(raw) ? get(raw, 'defaultState').value : undefined;
      return { kind: 'manual', defaultState: typeof ds === 'string' ? ds : 'Unknown' };
    }
    default:
      return { kind: 'none', raw };
  }
}

/**
 * Bind parameters and build the evaluator: conditions become closures, parameter-only parts are
 * folded, and every alias is resolved to a per-type accessor once.
 */
export function compile(ast: PolicyDefinitionAst, parameters?: AssignmentParameters, options: CompileOptions = {}): CompiledPolicy {
  const aliases = options.aliases ?? defaultAliases;
  const params = resolveParameters(ast.parameters, parameters);
  const sc: CompileScope = { aliases, params, scopes: [] };
  const eff = compileValue(ast.then.effect, sc);
  if (!eff.constant) throw new InputError('POLICY_INVALID', 'the effect must depend only on parameters', { where: ast.then.effect.path });
  const effect = canonicalEffect(eff.value);
  if (!effect) throw new InputError('POLICY_PARAMETER_INVALID', `the effect resolves to ${JSON.stringify(eff.value)}, which is not an effect`, { where: ast.then.effect.path });
  const condition = compileCondition(ast.if, sc);
  const details = compileDetails(ast, effect, sc);
  return { ast, effect, parameters: params, condition, details, aliases };
}

/** parse + compile in one step, for callers holding definition JSON. */
export function compileDefinition(json: unknown, parameters?: AssignmentParameters, options: ParseOptions & CompileOptions = {}): CompiledPolicy {
  return compile(parseDefinition(json, options), parameters, options);
}
