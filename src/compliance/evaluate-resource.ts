import { PreparedResource, type ComputedFacts, type PolicyResult, type Resource } from '../policy/index.js';
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
  return inScopes(p, r.idLower, scopes) && (p.selectors.length === 0 || selected(p, r));
}

/** The resource group an id sits in ("/subscriptions/s/resourcegroups/g"), or undefined. */
export function containerOf(idLower: string): string | undefined {
  if (!idLower.startsWith('/subscriptions/')) return undefined;
  const a = idLower.indexOf('/', 15);
  if (a < 0 || !idLower.startsWith('/resourcegroups/', a)) return undefined;
  const b = idLower.indexOf('/', a + 16);
  return b < 0 ? undefined : idLower.slice(0, b);
}

const OUT = 0;
const IN = 1;
const PER_RESOURCE = 2;
const memberships = new WeakMap<readonly PreparedAssignment[], { scopes: ScopeIndex; byContainer: Map<string, Uint8Array> }>();

/**
 * Scope and notScopes membership of every assignment, for a resource in a resource group. An
 * assignment whose scopes are all management groups, subscriptions or resource groups includes
 * either every resource of a group or none, so that is decided once per (assignment list, hierarchy,
 * resource group); others are marked PER_RESOURCE.
 */
function membershipByGroup(assignments: readonly PreparedAssignment[], r: LoadedResource, scopes: ScopeIndex): Uint8Array | undefined {
  const container = containerOf(r.idLower);
  if (container === undefined) return undefined;
  let memo = memberships.get(assignments);
  if (memo === undefined || memo.scopes !== scopes) memberships.set(assignments, (memo = { scopes, byContainer: new Map() }));
  let m = memo.byContainer.get(container);
  if (m === undefined) {
    m = new Uint8Array(assignments.length);
    for (let i = 0; i < assignments.length; i++) {
      const p = assignments[i]!;
      m[i] = !p.containerScoped ? PER_RESOURCE : inScopes(p, r.idLower, scopes) ? IN : OUT;
    }
    memo.byContainer.set(container, m);
  }
  return m;
}

function inScopes(p: PreparedAssignment, idLower: string, scopes: ScopeIndex): boolean {
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

export interface EvaluateOptions {
  scopes: ScopeIndex;
  exemptions: readonly ExemptionRecord[];
  now: Date;
  nowIso: string;
  /** Reasons and traces for every state (show, what-if). */
  detail?: boolean;
  /** Reasons and traces left for explain() (a scan explains only the rows it writes). */
  lazy?: boolean;
}

const EMPTY_EXEMPTIONS: readonly ExemptionRecord[] = [];
const exemptionIndex = new WeakMap<readonly ExemptionRecord[], Map<string, ExemptionRecord[]>>();
/** A pass's exemptions by assignment, indexed once per exemption list. */
function exemptionsOf(all: readonly ExemptionRecord[], assignmentId: string): readonly ExemptionRecord[] {
  if (all.length === 0) return EMPTY_EXEMPTIONS;
  let m = exemptionIndex.get(all);
  if (!m) {
    m = new Map();
    for (const e of all) {
      const l = m.get(e.policyAssignmentId);
      if (l) l.push(e);
      else m.set(e.policyAssignmentId, [e]);
    }
    exemptionIndex.set(all, m);
  }
  return m.get(assignmentId) ?? EMPTY_EXEMPTIONS;
}

/** Where results go: an array, or a consumer that keeps only what it needs (a scan's diff). */
export interface ResultSink {
  push(r: ComplianceResult): unknown;
}

/** Evaluate one assignment against one resource: one result per applicable definition reference. */
export function evaluateAssignment(p: PreparedAssignment, r: LoadedResource, opts: EvaluateOptions): ComplianceResult[] {
  const out: ComplianceResult[] = [];
  evaluateResource([p], r, opts, out);
  return out;
}

/**
 * Evaluate every assignment against one resource, pushing one result per applicable definition
 * reference to `out`. The resource's evaluation environment is built once and shared by every
 * definition. `detail` records reasons and the trace for every state (show, what-if); otherwise
 * only where someone has to act (NonCompliant, Conflicting, expired exemptions).
 */
export function evaluateResource(assignments: readonly PreparedAssignment[], r: LoadedResource, opts: EvaluateOptions, out: ResultSink): void {
  let prepared: PreparedResource | undefined;
  const member = membershipByGroup(assignments, r, opts.scopes);
  for (let i = 0; i < assignments.length; i++) {
    const p = assignments[i]!;
    const m = member === undefined ? PER_RESOURCE : member[i];
    if (m === OUT) continue;
    if (m === PER_RESOURCE && !inScopes(p, r.idLower, opts.scopes)) continue;
    if (p.selectors.length > 0 && !selected(p, r)) continue;
    const a = p.assignment;
    const exemptions = exemptionsOf(opts.exemptions, a.id);
    for (const ref of p.refs) {
      if (!refApplies(ref, r)) continue;
      prepared ??= new PreparedResource(r.doc, { now: opts.now, related: r.related, computed: r.computed });
      pushResult(out, p, ref, r, prepared.evaluate(ref.compiled, ref.policyInfo), exemptions, opts);
    }
  }
}

function stateOf(res: PolicyResult): ComplianceStateName {
  if (res.conflicts !== undefined && res.conflicts.length > 0) return 'Conflicting';
  switch (res.complianceState) {
    case 'Compliant':
    case 'NonCompliant':
    case 'Unknown':
    case 'Protected':
    case 'Conflicting':
    case 'Exempt':
      return res.complianceState as ComplianceStateName;
    default:
      return 'Unknown';
  }
}

function pushResult(out: ResultSink, p: PreparedAssignment, ref: PreparedRef, r: LoadedResource, res: PolicyResult, exemptions: readonly ExemptionRecord[], opts: EvaluateOptions): void {
  if (res.complianceState === null) return; // disabled: no compliance state at all
  const a = p.assignment;
  let state = stateOf(res);
  const hit = exemptions.length ? exemptionFor(exemptions, p, ref, r, opts.scopes, opts.now.getTime()) : undefined;
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
