import { evaluate, type ComputedFacts, type PolicyResult, type Resource } from '../policy/index.js';
import type { PreparedAssignment, PreparedRef } from './prepare.js';
import type { ScopeIndex } from './scopes.js';
import type { ComplianceResult, ComplianceStateName, ExemptionRecord } from './types.js';

/** A resource as the evaluator sees it: the document plus everything computed about it once. */
export interface LoadedResource {
  id: string;
  idLower: string;
  typeLower: string;
  doc: Resource;
  computed: ComputedFacts;
  /** Child resources (extensions, guest configuration assignments) and same-group candidates. */
  related: Resource[];
  subscription: string | null;
  resourceGroup: string | null;
  team: string | null;
  application: string | null;
  role: string | null;
  imageVersion: string | null;
}

const tag = (tags: Record<string, string> | undefined, ...keys: string[]): string | null => {
  if (!tags) return null;
  for (const k of Object.keys(tags)) if (keys.includes(k.toLowerCase())) return String(tags[k]);
  return null;
};
export const labelsOf = (doc: Resource) => ({ team: tag(doc.tags, 'team'), application: tag(doc.tags, 'application', 'app'), role: tag(doc.tags, 'role')?.toLowerCase() ?? null });

function selected(p: PreparedAssignment, r: LoadedResource): boolean {
  for (const rs of p.selectors) {
    for (const s of rs.selectors) {
      const vals = (s.kind === 'resourceType' ? [r.typeLower] : s.kind === 'resourceLocation' ? [String(r.doc.location ?? '').replace(/\s+/g, '').toLowerCase()] : [r.doc.location ? 'false' : 'true']);
      const norm = (xs: string[]) => xs.map((x) => x.replace(/\s+/g, '').toLowerCase());
      if (s.in && !vals.some((v) => norm(s.in!).includes(v))) return false;
      if (s.notIn && vals.some((v) => norm(s.notIn!).includes(v))) return false;
    }
  }
  return true;
}

function explainResult(r: ComplianceResult, res: PolicyResult, prefix: string[]): void {
  r.reasons = [...prefix, ...res.reasons];
  r.trace = res.trace;
  r.pending = undefined;
}

/** Fill reasons and trace of a lazily evaluated result (no-op for others). */
export function explain(r: ComplianceResult): void {
  if (r.pending) explainResult(r, r.pending.result as PolicyResult, r.pending.prefix);
}

/** Is the resource in the assignment's scope, outside its notScopes, and picked by its selectors? */
export function inAssignment(p: PreparedAssignment, r: LoadedResource, scopes: ScopeIndex): boolean {
  return inScopes(p, r, scopes) && (p.selectors.length === 0 || selected(p, r));
}

/** The resource group an id sits in ("/subscriptions/s/resourcegroups/g"), or undefined. */
export function containerOf(idLower: string): string | undefined {
  if (!idLower.startsWith('/subscriptions/')) return undefined;
  const a = idLower.indexOf('/', 15);
  if (a < 0 || !idLower.startsWith('/resourcegroups/', a)) return undefined;
  const b = idLower.indexOf('/', a + 16);
  return b < 0 ? undefined : idLower.slice(0, b);
}

/**
 * Scope and notScopes membership. When every scope of the assignment is a management group,
 * subscription or resource group, membership depends only on the resource's resource group, so it
 * is decided once per (assignment, resource group, hierarchy) rather than once per resource.
 */
function inScopes(p: PreparedAssignment, r: LoadedResource, scopes: ScopeIndex): boolean {
  const container = p.containerScoped ? containerOf(r.idLower) : undefined;
  if (container === undefined) return inScopesUncached(p, r.idLower, scopes);
  let memo = p.membership;
  if (memo === undefined || memo.scopes !== scopes) memo = p.membership = { scopes, byContainer: new Map() };
  let hit = memo.byContainer.get(container);
  if (hit === undefined) memo.byContainer.set(container, (hit = inScopesUncached(p, r.idLower, scopes)));
  return hit;
}

function inScopesUncached(p: PreparedAssignment, idLower: string, scopes: ScopeIndex): boolean {
  if (!scopes.contains(p.scopeLower, idLower)) return false;
  for (const n of p.notScopesLower) if (scopes.contains(n, idLower)) return false;
  return true;
}

export function refApplies(ref: PreparedRef, r: LoadedResource): boolean {
  if (ref.types && !ref.types.has(r.typeLower)) return false;
  return !ref.indexed || typeof r.doc.location === 'string';
}

/** An active exemption wins; otherwise an expired one is returned so the result can say so. */
function exemptionFor(exemptions: readonly ExemptionRecord[], p: PreparedAssignment, ref: PreparedRef, r: LoadedResource, scopes: ScopeIndex, nowMs: number) {
  let expired: ExemptionRecord | undefined;
  for (const e of exemptions) {
    if (e.policyAssignmentId !== p.assignment.id) continue;
    if (e.policyDefinitionReferenceIds.length && !e.policyDefinitionReferenceIds.some((x) => x.toLowerCase() === ref.referenceId.toLowerCase())) continue;
    if (!scopes.contains(e.scope.toLowerCase(), r.idLower)) continue;
    if (e.expiresOn === null || Date.parse(e.expiresOn) > nowMs) return { ex: e, active: true };
    expired ??= e;
  }
  return expired ? { ex: expired, active: false } : undefined;
}

const NO_REASONS: string[] = [];
const STATES = new Set<string>(['Compliant', 'NonCompliant', 'Unknown', 'Protected', 'Conflicting']);

/**
 * Evaluate one assignment against one resource: one result per applicable definition reference.
 * `detail` records reasons and the trace for every state (show, what-if); a scan records them only
 * where someone has to act (NonCompliant, Conflicting, expired exemptions).
 */
export function evaluateAssignment(
  p: PreparedAssignment,
  r: LoadedResource,
  opts: { scopes: ScopeIndex; exemptions: readonly ExemptionRecord[]; now: Date; nowIso: string; detail?: boolean; lazy?: boolean },
): ComplianceResult[] {
  if (!inAssignment(p, r, opts.scopes)) return [];
  const out: ComplianceResult[] = [];
  const a = p.assignment;
  for (const ref of p.refs) {
    if (!refApplies(ref, r)) continue;
    const res = evaluate(ref.compiled, r.doc, {
      now: opts.now,
      related: r.related,
      computed: r.computed,
      policy: (ref.policyInfo ??= { assignmentId: a.id, definitionId: ref.definitionId, setDefinitionId: ref.setDefinitionId ?? undefined, definitionReferenceId: ref.referenceId || undefined }),
    });
    if (res.complianceState === null) continue; // disabled: no compliance state at all
    let state = (STATES.has(res.complianceState) ? res.complianceState : res.complianceState === 'Exempt' ? 'Exempt' : 'Unknown') as ComplianceStateName;
    if (res.conflicts?.length) state = 'Conflicting';
    const hit = exemptionFor(opts.exemptions, p, ref, r, opts.scopes, opts.now.getTime());
    const ex = hit?.ex;
    const active = hit?.active === true;
    const interesting = state !== 'Compliant' || (ex !== undefined && !active) || opts.detail === true;
    let prefix: string[] = NO_REASONS;
    if (ex && active) {
      prefix = [`exempt by ${ex.name} (${ex.exemptionCategory}${ex.expiresOn ? `, until ${ex.expiresOn}` : ''}); without it the state would be ${state}`];
      state = 'Exempt';
    } else if (ex) prefix = [`exemption ${ex.name} expired on ${ex.expiresOn}; it no longer applies`];
    const flagged = state === 'NonCompliant' || state === 'Conflicting';
    // One object shape for every result (no conditional spreads): a scan builds millions of them.
    const result: ComplianceResult = {
      assignmentId: a.id,
      referenceId: ref.referenceId,
      resourceId: r.id,
      definitionId: ref.definitionId,
      setDefinitionId: ref.setDefinitionId,
      resourceType: r.typeLower,
      subscription: r.subscription,
      resourceGroup: r.resourceGroup,
      team: r.team,
      application: r.application,
      imageVersion: r.imageVersion,
      role: r.role,
      state,
      effect: res.effect,
      enforcementMode: a.enforcementMode,
      exemptionId: ex === undefined ? null : ex.id,
      exemptionExpired: ex !== undefined && !active,
      reasons: prefix,
      trace: null,
      evaluatedAt: opts.nowIso,
      message: flagged ? (ref.message ?? null) : null,
      remediationUrl: flagged ? (ref.remediationUrl ?? null) : null,
      remediation: res.remediation !== undefined && state === 'NonCompliant' ? { deployment: res.remediation.deployment } : undefined,
      pending: undefined,
    };
    out.push(result);
    // Reasons and the trace re-run the condition with recording: done now, or by a scan only for
    // results whose state actually changed.
    if (interesting) {
      if (opts.lazy) result.pending = { result: res, prefix };
      else explainResult(result, res, prefix);
    }
  }
  return out;
}
