import { InputError, isGoldsmithError } from '../errors/index.js';
import {
  canonicalEffect,
  compile,
  parseDefinition,
  resolveParameters,
  type AssignmentParameters,
  type CompiledPolicy,
  type ConditionNode,
  type ParameterDefinition,
  type PolicyDefinitionAst,
  type PolicyInfo,
} from '../policy/index.js';
import { complianceAliases } from './aliases.js';
import { parseScope } from './scopes.js';
import type { AssignmentRecord, DefinitionRecord, ResourceSelector, SetDefinitionRecord } from './types.js';

/** One definition of an assignment, compiled with its parameters and ready to evaluate. */
export interface PreparedRef {
  referenceId: string;
  definitionId: string;
  setDefinitionId: string | null;
  compiled: CompiledPolicy;
  /** Lower-cased types the rule can apply to (from its top-level type conditions); null = any. */
  types: Set<string> | null;
  /** Indexed mode: only resources that carry tags and a location. */
  indexed: boolean;
  message?: string;
  remediationUrl?: string;
  groupNames: string[];
  /** What policy() returns, built on first use. */
  policyInfo?: PolicyInfo;
}

export interface PreparedAssignment {
  assignment: AssignmentRecord;
  scopeLower: string;
  notScopesLower: string[];
  refs: PreparedRef[];
  selectors: ResourceSelector[];
  /** Scope and notScopes are all management groups, subscriptions or resource groups (no resources). */
  containerScoped: boolean;
}

/** How prepare reads definitions: by id, from the store or a cache. */
export interface DefinitionSource {
  definition(id: string): Promise<DefinitionRecord>;
  setDefinition(id: string): Promise<SetDefinitionRecord>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const TYPES = ['String', 'Array', 'Object', 'Boolean', 'Integer', 'Float', 'DateTime'] as const;

/** Parse a stored definition once (ASTs are immutable and shared). */
export class AstCache {
  private readonly asts = new Map<string, PolicyDefinitionAst>();
  private readonly compiled = new Map<string, CompiledPolicy>();
  ast(d: DefinitionRecord): PolicyDefinitionAst {
    let a = this.asts.get(d.id);
    if (!a) {
      a = parseDefinition(d.doc, { aliases: complianceAliases });
      this.asts.set(d.id, a);
    }
    return a;
  }
  /** Compile once per (definition, parameter values, effect override). */
  compile(d: DefinitionRecord, params: AssignmentParameters, effectOverride: string | undefined): CompiledPolicy {
    const key = `${d.id}\u0000${JSON.stringify(params)}\u0000${effectOverride ?? ''}`;
    let c = this.compiled.get(key);
    if (!c) {
      let ast = this.ast(d);
      if (effectOverride !== undefined) ast = { ...ast, then: { ...ast.then, effect: { kind: 'literal', path: ast.then.effect.path, value: effectOverride } } };
      c = compile(ast, params, { aliases: complianceAliases });
      this.compiled.set(key, c);
    }
    return c;
  }
  clear(): void {
    this.asts.clear();
    this.compiled.clear();
  }
}

/** The resource types a rule can match, read from type conditions that every match requires. */
export function applicableTypes(node: ConditionNode): Set<string> | null {
  if (node.kind === 'allOf') {
    for (const c of node.children) {
      const t = applicableTypes(c);
      if (t) return t;
    }
    return null;
  }
  if (node.kind !== 'condition' || node.operand.kind !== 'field') return null;
  const f = node.operand.field;
  if (f.kind !== 'literal' || typeof f.value !== 'string' || f.value.toLowerCase() !== 'type') return null;
  if (node.expected.kind !== 'literal') return null;
  const v = node.expected.value;
  if (node.operator === 'equals' && typeof v === 'string') return new Set([v.toLowerCase()]);
  if (node.operator === 'in' && Array.isArray(v) && v.every((x) => typeof x === 'string')) return new Set(v.map((x: string) => x.toLowerCase()));
  return null;
}

function setParameterDefs(json: Record<string, unknown>): Record<string, ParameterDefinition> {
  const out: Record<string, ParameterDefinition> = {};
  for (const [name, d] of Object.entries(json)) {
    if (!isObj(d)) continue;
    const type = TYPES.find((t) => typeof d.type === 'string' && t.toLowerCase() === d.type.toLowerCase()) ?? 'String';
    out[name] = { name, type, defaultValue: d.defaultValue, allowedValues: Array.isArray(d.allowedValues) ? d.allowedValues : undefined, path: `/parameters/${name}` };
  }
  return out;
}

/** A reference's parameter value may be "[parameters('x')]": the initiative's parameter x. */
function bindReferenceParams(refParams: AssignmentParameters | undefined, setValues: Map<string, unknown>): AssignmentParameters {
  const out: AssignmentParameters = {};
  for (const [k, v] of Object.entries(refParams ?? {})) {
    const m = typeof v?.value === 'string' ? /^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$/i.exec(v.value) : null;
    out[k] = { value: m ? setValues.get(m[1]!.toLowerCase()) : v?.value };
  }
  return out;
}

function effectOverrideFor(a: AssignmentRecord, refId: string): string | undefined {
  for (const o of a.overrides) {
    if (o.kind !== 'policyEffect') continue;
    const sel = o.selectors ?? [];
    const ok = sel.every((s) => (s.in ? s.in.some((x) => x.toLowerCase() === refId.toLowerCase()) : true) && (s.notIn ? !s.notIn.some((x) => x.toLowerCase() === refId.toLowerCase()) : true));
    if (ok) return o.value;
  }
  return undefined;
}

function remediationUrl(a: AssignmentRecord, meta: unknown): string | undefined {
  const own = a.metadata?.remediationUrl;
  if (typeof own === 'string') return own;
  return isObj(meta) && typeof meta.remediationUrl === 'string' ? meta.remediationUrl : undefined;
}

function rethrowAt(e: unknown, prefix: string): never {
  if (isGoldsmithError(e) && e.code === 'POLICY_PARAMETER_INVALID') throw new InputError(e.code, e.message, { where: `${prefix}${e.where ?? ''}` });
  throw e;
}

/**
 * Prepare an assignment: bind its parameters (checked against the definition's declarations),
 * apply overrides, compile every referenced definition. Bad parameters are POLICY_PARAMETER_INVALID
 * naming /parameters/{name}.
 */
export async function prepareAssignment(a: AssignmentRecord, src: DefinitionSource, cache: AstCache): Promise<PreparedAssignment> {
  const refs: PreparedRef[] = [];
  const message = (refId: string) =>
    a.nonComplianceMessages.find((m) => m.policyDefinitionReferenceId && m.policyDefinitionReferenceId.toLowerCase() === refId.toLowerCase())?.message ??
    a.nonComplianceMessages.find((m) => !m.policyDefinitionReferenceId)?.message;
  const add = (d: DefinitionRecord, refId: string, setId: string | null, params: AssignmentParameters, groups: string[], setMeta?: unknown) => {
    const override = effectOverrideFor(a, refId);
    if (override !== undefined && !canonicalEffect(override))
      throw new InputError('COMPLIANCE_OVERRIDE_INVALID', `override value ${JSON.stringify(override)} is not an effect`, { where: '/overrides' });
    const compiled = cache.compile(d, params, override);
    refs.push({
      referenceId: refId,
      definitionId: d.id,
      setDefinitionId: setId,
      compiled,
      types: applicableTypes(compiled.ast.if),
      indexed: (compiled.ast.mode ?? 'All').toLowerCase() === 'indexed',
      message: message(refId),
      remediationUrl: remediationUrl(a, compiled.ast.metadata) ?? remediationUrl(a, setMeta),
      groupNames: groups,
    });
  };
  if (!a.isSet) {
    const d = await src.definition(a.policyDefinitionId);
    try {
      add(d, '', null, a.parameters, []);
    } catch (e) {
      rethrowAt(e, '/parameters');
    }
  } else {
    const s = await src.setDefinition(a.policyDefinitionId);
    let setValues: Map<string, unknown>;
    try {
      setValues = resolveParameters(setParameterDefs(s.parameters), a.parameters);
    } catch (e) {
      rethrowAt(e, '/parameters');
    }
    for (const r of s.policyDefinitions) {
      const d = await src.definition(r.policyDefinitionId);
      try {
        add(d, r.policyDefinitionReferenceId, s.id, bindReferenceParams(r.parameters, setValues), r.groupNames ?? [], s.metadata);
      } catch (e) {
        rethrowAt(e, `/policyDefinitions/${r.policyDefinitionReferenceId}/parameters`);
      }
    }
  }
  for (const ref of refs) ref.policyInfo = { assignmentId: a.id, definitionId: ref.definitionId, setDefinitionId: ref.setDefinitionId ?? undefined, definitionReferenceId: ref.referenceId || undefined };
  return {
    assignment: a,
    scopeLower: a.scope.toLowerCase(),
    notScopesLower: a.notScopes.map((n) => n.toLowerCase()),
    refs,
    selectors: a.resourceSelectors,
    containerScoped: [a.scope, ...a.notScopes].every(isContainer),
  };
}

function isContainer(scope: string): boolean {
  try {
    return parseScope(scope, 'scope').kind !== 'resource';
  } catch {
    return false;
  }
}
