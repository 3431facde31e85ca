import type { ComplianceService } from './compliance-service.js';
import { compliancePercentage, resultWhere } from './summary.js';
import { parseScope } from './scopes.js';
import type { AssignmentInput } from './types.js';

export interface WhatIfReport {
  assignment: { id: string; name: string; scope: string; policyDefinitionId: string; enforcementMode: string; replaces: boolean };
  resourcesEvaluated: number;
  results: number;
  /** Resources the draft would report NonCompliant (or Conflicting), with the reasons. */
  nonCompliant: Array<{ resourceId: string; referenceId: string | null; effect: string; state: string; message: string | null; reasons: string[] }>;
  /** Resources whose next write would be denied (deny effect, Default enforcement). */
  wouldDeny: string[];
  before: { counts: Record<string, number>; compliancePercentage: number | null };
  after: { counts: Record<string, number>; compliancePercentage: number | null };
  /** Percentage points, after minus before; null when either is undefined. */
  change: number | null;
}

/**
 * Evaluate an assignment that is not saved over its scope and compare the scope's compliance with
 * and without it. Reads only: nothing is written, no event is emitted.
 */
export async function whatIf(svc: ComplianceService, draft: AssignmentInput): Promise<WhatIfReport> {
  const prepared = await svc.validateAssignment(draft);
  const a = prepared.assignment;
  const scope = parseScope(a.scope, '/scope');
  const pass = await svc.pass();
  const resources = await svc.load(pass, { scope });
  const results = svc.evaluateAll([prepared], resources, pass, { detail: true });
  const params: unknown[] = [];
  const where = resultWhere(scope.kind === 'managementGroup' ? {} : { scope: a.scope }, params);
  const current = await svc.store.query<{ state: string; mine: boolean; n: number }>(
    `SELECT state, lower(assignment_id) = $${params.length + 1} AS mine, count(*)::bigint AS n FROM compliance_results ${where} GROUP BY 1, 2`,
    [...params, a.id.toLowerCase()],
  );
  const before: Record<string, number> = {};
  const after: Record<string, number> = {};
  for (const r of current) {
    before[r.state] = (before[r.state] ?? 0) + Number(r.n);
    if (!r.mine) after[r.state] = (after[r.state] ?? 0) + Number(r.n);
  }
  for (const r of results) after[r.state] = (after[r.state] ?? 0) + 1;
  const pb = compliancePercentage(before);
  const pa = compliancePercentage(after);
  const flagged = results.filter((r) => r.state === 'NonCompliant' || r.state === 'Conflicting');
  return {
    assignment: { id: a.id, name: a.name, scope: a.scope, policyDefinitionId: a.policyDefinitionId, enforcementMode: a.enforcementMode, replaces: current.some((r) => r.mine) },
    resourcesEvaluated: resources.length,
    results: results.length,
    nonCompliant: flagged.map((r) => ({ resourceId: r.resourceId, referenceId: r.referenceId || null, effect: r.effect, state: r.state, message: r.message, reasons: r.reasons })),
    wouldDeny: [...new Set(flagged.filter((r) => r.effect === 'deny' && a.enforcementMode === 'Default').map((r) => r.resourceId))],
    before: { counts: before, compliancePercentage: pb },
    after: { counts: after, compliancePercentage: pa },
    change: pb === null || pa === null ? null : Math.round((pa - pb) * 100) / 100,
  };
}
