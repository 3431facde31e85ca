import type { CompiledPolicy } from './compile.js';
import { applyAppend, applyModify, detailString } from './apply-effects.js';
import { run } from './compile-expression.js';
import { relatedCandidates } from './related.js';
import { RelatedInfo, Result, type PolicyResult } from './result.js';
import { envNow, makeEnv, PolicyEvaluationError, type Env } from './runtime.js';
import type { TraceNode } from './trace.js';
import type { EvaluationContext, PolicyInfo, Resource } from './types.js';

export type { ComplianceState, PolicyResult, PolicyResultData, RelatedCheck } from './result.js';

const MATCHED_DENY = 'the if condition matches, so the deny effect applies';
const MATCHED_AUDIT = 'the if condition matches, so the audit effect applies';
const DONT_ENFORCE_NOTE = 'Azure treats a failed evaluation as an implicit deny';

function existenceTrace(p: CompiledPolicy, env: Env, policy: PolicyInfo | undefined, r: Resource): { satisfied: boolean; trace: TraceNode[] } {
  const d = p.details as Extract<CompiledPolicy['details'], { kind: 'existence' }>;
  if (!d.existenceCondition) return { satisfied: true, trace: [] };
  // A shared env may have moved on to another definition by the time this lazy trace is read.
  const sub: Env = { ...env, policy, resource: r, typeLower: typeof r.type === 'string' ? r.type.toLowerCase() : '', scopes: [] };
  const trace: TraceNode[] = [];
  try {
    return { satisfied: d.existenceCondition(sub, trace), trace };
  } catch {
    return { satisfied: false, trace };
  }
}

/**
 * Evaluate one compiled definition against one resource. Never throws for the resource's sake:
 * an evaluation failure is reported as a NonCompliant implicit deny whose reasons say why.
 */
export function evaluate(p: CompiledPolicy, resource: Resource, context: EvaluationContext = {}): PolicyResult {
  return evaluateIn(p, resource, context, makeEnv(resource, context));
}

/**
 * Evaluate several definitions against one resource, sharing the per-resource setup (a scan's inner
 * loop). `policies[i]` sees `infos[i]` (else context.policy) as policy().
 */
export function evaluateAll(policies: readonly CompiledPolicy[], resource: Resource, context: EvaluationContext = {}, infos?: ReadonlyArray<PolicyInfo | undefined>): PolicyResult[] {
  const r = new PreparedResource(resource, context);
  const out: PolicyResult[] = new Array(policies.length);
  for (let i = 0; i < policies.length; i++) out[i] = r.evaluate(policies[i]!, infos ? infos[i] : context.policy);
  return out;
}

/**
 * One resource made ready for many definitions: the evaluation environment is built once and each
 * evaluate() only swaps the policy() info. Results are the same as evaluate(p, resource, {...context, policy}).
 */
export class PreparedResource {
  readonly #env: Env;
  readonly #context: EvaluationContext;
  constructor(
    readonly resource: Resource,
    context: EvaluationContext = {},
  ) {
    // Pin the clock once so every result (and its lazily computed trace) sees the same utcNow().
    this.#context = context.now === undefined ? { ...context, now: new Date() } : context;
    this.#env = makeEnv(resource, this.#context);
  }
  evaluate(p: CompiledPolicy, policy: PolicyInfo | undefined = this.#context.policy): PolicyResult {
    const env = this.#env;
    env.policy = policy;
    env.scopes.length = 0;
    return evaluateIn(p, this.resource, this.#context, env);
  }
}

function evaluateIn(p: CompiledPolicy, resource: Resource, context: EvaluationContext, env: Env): PolicyResult {
  // Pin the clock so the lazily computed trace sees the same utcNow() as this evaluation.
  const result = new Result(p.effect, p, resource, context.now === undefined ? { ...context, now: envNow(env) } : context, env.policy);
  let matched: boolean;
  try {
    matched = p.condition(env, null);
  } catch (e) {
    if (!(e instanceof PolicyEvaluationError)) throw e;
    if (p.effect === 'disabled') {
      result.note = ('the effect is disabled, so the rule is not evaluated');
      return result;
    }
    result.applicable = true;
    result.effect = 'deny';
    result.complianceState = 'NonCompliant';
    result.error = { message: e.message, where: e.where };
    result.note = (`evaluation failed at ${e.where ?? 'the policy rule'}: ${e.message}; ${DONT_ENFORCE_NOTE} (declared effect: ${p.effect})`);
    return result;
  }
  result.applicable = matched;
  if (p.effect === 'disabled') {
    result.note = ('the effect is disabled, so the resource gets no compliance state');
    return result;
  }
  if (!matched) {
    result.complianceState = 'Compliant';
    result.note = ('the if condition does not match this resource');
    return result;
  }
  try {
    applyMatched(p, resource, env, context, result);
  } catch (e) {
    if (!(e instanceof PolicyEvaluationError)) throw e;
    result.effect = 'deny';
    result.complianceState = 'NonCompliant';
    result.error = { message: e.message, where: e.where };
    result.note = (`evaluation of the effect details failed: ${e.message}; ${DONT_ENFORCE_NOTE} (declared effect: ${p.effect})`);
  }
  return result;
}

function applyMatched(p: CompiledPolicy, resource: Resource, env: Env, context: EvaluationContext, result: Result): void {
  const d = p.details;
  switch (p.effect) {
    case 'audit':
    case 'deny':
      result.complianceState = 'NonCompliant';
      result.note = p.effect === 'deny' ? MATCHED_DENY : MATCHED_AUDIT;
      return;
    case 'denyAction': {
      const names = d.kind === 'denyAction' ? d.actionNames : ['delete'];
      result.actionNames = names;
      result.complianceState = 'Protected';
      result.note = (`the if condition matches: ${names.join(', ')} requests on this resource are denied`);
      return;
    }
    case 'manual':
      result.complianceState = d.kind === 'manual' ? d.defaultState : 'Unknown';
      result.note = ('the if condition matches; compliance is attested manually (default state shown)');
      return;
    case 'modify': {
      if (d.kind !== 'modify') return;
      const m = applyModify(d, resource, env);
      result.complianceState = 'NonCompliant';
      result.modified = m.modified;
      result.operations = m.operations;
      if (m.conflicts.length) {
        result.conflicts = m.conflicts;
        result.conflictEffect = d.conflictEffect;
      }
      result.note = (`the if condition matches, so modify applies ${m.operations.filter((o) => o.applied).length} of ${m.operations.length} operations`);
      return;
    }
    case 'append': {
      if (d.kind !== 'append') return;
      const a = applyAppend(d, resource, env);
      result.complianceState = 'NonCompliant';
      result.modified = a.modified;
      result.operations = a.operations;
      if (a.conflicts.length) {
        result.conflicts = a.conflicts;
        result.conflictEffect = 'deny';
      }
      result.note = (`the if condition matches, so append adds ${a.operations.length} field(s)`);
      return;
    }
    case 'auditIfNotExists':
    case 'deployIfNotExists': {
      if (d.kind !== 'existence') return;
      const name = detailString(d.name, env);
      const resourceGroupName = detailString(d.resourceGroupName, env);
      const candidates = relatedCandidates(resource, context.related ?? [], { type: d.type, name, resourceGroupName, existenceScope: d.existenceScope });
      let satisfied = false;
      if (d.existenceCondition) {
        const cond = d.existenceCondition;
        for (const r of candidates) {
          const sub: Env = { ...env, resource: r, typeLower: typeof r.type === 'string' ? r.type.toLowerCase() : '', scopes: [] };
          if (cond(sub, null)) {
            satisfied = true;
            break;
          }
        }
      } else satisfied = candidates.length > 0;
      const policy = env.policy;
      result.related = new RelatedInfo(d.type, name, () => candidates.map((r) => ({ id: r.id, name: r.name, ...existenceTrace(p, env, policy, r) })));
      const what = `a related ${d.type}${name ? ` named '${name}'` : ''}`;
      if (satisfied) {
        result.complianceState = 'Compliant';
        result.note = (`${what} exists${d.existenceCondition ? ' and satisfies the existenceCondition' : ''}`);
        return;
      }
      result.complianceState = 'NonCompliant';
      result.note = (candidates.length === 0 ? `no ${what.replace(/^a /, '')} was found` : `${candidates.length} ${what.replace(/^a /, '')} found, but none satisfies the existenceCondition`);
      if (p.effect === 'deployIfNotExists')
        result.remediation = {
          targetResourceId: resource.id,
          deployment: d.deployment ? run(d.deployment, env) : undefined,
          roleDefinitionIds: d.roleDefinitionIds,
          existenceScope: d.existenceScope,
          resourceGroupName,
        };
      return;
    }
  }
}
