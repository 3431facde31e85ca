import { InputError } from '../errors/index.js';
import type { Queryable } from '../store/index.js';
import { NONE, type Dimension } from './results-repo.js';
import { parseScope } from './scopes.js';
import { COMPLIANCE_STATES, type ComplianceStateName } from './types.js';

export const SUMMARY_BY = ['assignment', 'initiative', 'definition', 'scope', 'subscription', 'team', 'application', 'image', 'role'] as const;
export type SummaryBy = (typeof SUMMARY_BY)[number];

export interface ResultFilter {
  scope?: string;
  team?: string;
  application?: string;
  /** An assignment, definition or initiative: full id or name. */
  policy?: string;
  state?: string;
  /** Only results whose exemption has expired. */
  expiredExemptions?: boolean;
}

export interface SummaryRow {
  key: string;
  counts: Partial<Record<ComplianceStateName, number>>;
  total: number;
  /** Azure's formula: (Compliant + Exempt) / (Compliant + Exempt + NonCompliant + Conflicting); null when nothing counts. */
  compliancePercentage: number | null;
}

export interface Summary {
  by: SummaryBy;
  rows: SummaryRow[];
  overall: SummaryRow;
  /** Which table answered: the pre-aggregated counts or the results themselves. */
  source: 'counts' | 'results';
}

/** Azure's compliance percentage (see docs/compliance.md for the source). */
export function compliancePercentage(c: Partial<Record<string, number>>): number | null {
  const good = (c.Compliant ?? 0) + (c.Exempt ?? 0);
  const denom = good + (c.NonCompliant ?? 0) + (c.Conflicting ?? 0);
  return denom === 0 ? null : Math.round((good / denom) * 10000) / 100;
}

const DIM_OF: Record<SummaryBy, Dimension> = {
  assignment: 'assignment',
  initiative: 'initiative',
  definition: 'definition',
  scope: 'resourceGroup',
  subscription: 'subscription',
  team: 'team',
  application: 'application',
  image: 'image',
  role: 'role',
};
const COL_OF: Record<SummaryBy, string> = {
  assignment: 'assignment_id',
  initiative: "coalesce(set_definition_id, '(none)')",
  definition: 'definition_id',
  scope: "coalesce(subscription || '/' || resource_group, '(none)')",
  subscription: "coalesce(subscription, '(none)')",
  team: "coalesce(team, '(none)')",
  application: "coalesce(application, '(none)')",
  image: "coalesce(image_version, '(none)')",
  role: "coalesce(role, '(none)')",
};

export function checkState(state: string | undefined): ComplianceStateName | undefined {
  if (state === undefined) return undefined;
  const s = COMPLIANCE_STATES.find((x) => x.toLowerCase() === state.toLowerCase());
  if (!s) throw new InputError('COMPLIANCE_INPUT_INVALID', `state must be one of ${COMPLIANCE_STATES.join(', ')}`, { where: '--state' });
  return s;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

/** WHERE clause over compliance_results for a filter. */
export function resultWhere(f: ResultFilter, params: unknown[]): string {
  const w: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.scope) {
    const s = parseScope(f.scope, '--scope');
    if (s.kind === 'managementGroup') throw new InputError('COMPLIANCE_INPUT_INVALID', 'filter by subscription or resource group scope (management groups: use compliance summary --by subscription)', { where: '--scope' });
    w.push(`(resource_id_lower = ${p(s.lower)} OR resource_id_lower LIKE ${p(escapeLike(s.lower) + '/%')})`);
  }
  // Tag values compare exactly (as Azure's do), so the indexes on team and application apply.
  if (f.team) w.push(`team = ${p(f.team)}`);
  if (f.application) w.push(`application = ${p(f.application)}`);
  if (f.policy) {
    const x = p(f.policy.toLowerCase());
    const suffix = p('%/' + escapeLike(f.policy.toLowerCase()));
    w.push(`(lower(assignment_id) = ${x} OR lower(definition_id) = ${x} OR lower(set_definition_id) = ${x} OR lower(assignment_id) LIKE ${suffix} OR lower(definition_id) LIKE ${suffix} OR lower(set_definition_id) LIKE ${suffix})`);
  }
  const st = checkState(f.state);
  if (st) w.push(`state = ${p(st)}`);
  if (f.expiredExemptions) w.push('exemption_expired');
  return w.length ? `WHERE ${w.join(' AND ')}` : '';
}

function fold(rows: Array<{ key: string; state: string; n: number }>): { rows: SummaryRow[]; overall: SummaryRow } {
  const byKey = new Map<string, SummaryRow>();
  const overall: SummaryRow = { key: '(all)', counts: {}, total: 0, compliancePercentage: null };
  for (const r of rows) {
    let s = byKey.get(r.key);
    if (!s) byKey.set(r.key, (s = { key: r.key, counts: {}, total: 0, compliancePercentage: null }));
    const st = r.state as ComplianceStateName;
    s.counts[st] = (s.counts[st] ?? 0) + Number(r.n);
    s.total += Number(r.n);
    overall.counts[st] = (overall.counts[st] ?? 0) + Number(r.n);
    overall.total += Number(r.n);
  }
  for (const s of byKey.values()) s.compliancePercentage = compliancePercentage(s.counts);
  overall.compliancePercentage = compliancePercentage(overall.counts);
  return { rows: [...byKey.values()].sort((a, b) => (a.compliancePercentage ?? 101) - (b.compliancePercentage ?? 101) || a.key.localeCompare(b.key)), overall };
}

/**
 * Compliance summary grouped by one dimension. Filters on policy and state alone are answered from
 * compliance_counts (hundreds of rows); scope, team or application filters read the results.
 */
export async function summarize(q: Queryable, by: SummaryBy, f: ResultFilter = {}): Promise<Summary> {
  if (!SUMMARY_BY.includes(by)) throw new InputError('COMPLIANCE_INPUT_INVALID', `--by must be one of ${SUMMARY_BY.join(', ')}`, { where: '--by' });
  const state = checkState(f.state);
  const policyIsSet = f.policy ? /policysetdefinitions/i.test(f.policy) || (await q.query(`SELECT 1 FROM policy_set_definitions WHERE lower(name) = $1`, [f.policy.toLowerCase()])).length > 0 : false;
  if (!f.scope && !f.team && !f.application && !f.expiredExemptions && !policyIsSet) {
    const params: unknown[] = [DIM_OF[by]];
    const w = ['dimension = $1'];
    if (f.policy) {
      params.push(f.policy.toLowerCase(), '%/' + escapeLike(f.policy.toLowerCase()));
      w.push(`(lower(assignment_id) = $2 OR lower(definition_id) = $2 OR lower(assignment_id) LIKE $3 OR lower(definition_id) LIKE $3)`);
    }
    if (state) {
      params.push(state);
      w.push(`state = $${params.length}`);
    }
    const rows = await q.query<{ key: string; state: string; n: number }>(`SELECT key, state, sum(n)::bigint AS n FROM compliance_counts WHERE ${w.join(' AND ')} GROUP BY key, state`, params);
    return { by, source: 'counts', ...fold(rows) };
  }
  const params: unknown[] = [];
  const where = resultWhere(f, params);
  // Only initiative results have an initiative to group by (as in the counts table).
  const w = by === 'initiative' ? (where ? `${where} AND set_definition_id IS NOT NULL` : 'WHERE set_definition_id IS NOT NULL') : where;
  const rows = await q.query<{ key: string; state: string; n: number }>(`SELECT ${COL_OF[by]} AS key, state, count(*)::bigint AS n FROM compliance_results ${w} GROUP BY 1, 2`, params);
  return { by, source: 'results', ...fold(rows) };
}

export interface ListedResult {
  assignmentId: string;
  referenceId: string | null;
  definitionId: string;
  setDefinitionId: string | null;
  resourceId: string;
  resourceType: string;
  state: string;
  effect: string;
  enforcementMode: string;
  team: string | null;
  application: string | null;
  role: string | null;
  imageVersion: string | null;
  exemptionId: string | null;
  exemptionExpired: boolean;
  message: string | null;
  remediationUrl: string | null;
  reasons: string[];
  trace?: unknown;
  evaluatedAt: string;
}

const LIST_COLS = `assignment_id, reference_id, definition_id, set_definition_id, resource_id, resource_type, state, effect, enforcement_mode, team, application, role,
  image_version, exemption_id, exemption_expired, message, remediation_url, reasons, evaluated_at`;

type Row = Record<string, unknown>;
function toListed(r: Row, withTrace: boolean): ListedResult {
  return {
    assignmentId: r.assignment_id as string,
    referenceId: (r.reference_id as string) || null,
    definitionId: r.definition_id as string,
    setDefinitionId: (r.set_definition_id as string | null) ?? null,
    resourceId: r.resource_id as string,
    resourceType: r.resource_type as string,
    state: r.state as string,
    effect: r.effect as string,
    enforcementMode: r.enforcement_mode as string,
    team: (r.team as string | null) ?? null,
    application: (r.application as string | null) ?? null,
    role: (r.role as string | null) ?? null,
    imageVersion: (r.image_version as string | null) ?? null,
    exemptionId: (r.exemption_id as string | null) ?? null,
    exemptionExpired: r.exemption_expired === true,
    message: (r.message as string | null) ?? null,
    remediationUrl: (r.remediation_url as string | null) ?? null,
    reasons: (r.reasons as string[]) ?? [],
    ...(withTrace ? { trace: r.trace ?? null } : {}),
    evaluatedAt: r.evaluated_at as string,
  };
}

/** Results in a stable order; `offset` pages through them (the API's $skiptoken). */
export async function listResults(q: Queryable, f: ResultFilter = {}, limit = 1000, offset = 0): Promise<ListedResult[]> {
  const params: unknown[] = [];
  const where = resultWhere(f, params);
  params.push(limit, offset);
  const rows = await q.query<Row>(
    `SELECT ${LIST_COLS} FROM compliance_results ${where}
     ORDER BY CASE state WHEN 'NonCompliant' THEN 0 WHEN 'Conflicting' THEN 1 WHEN 'Unknown' THEN 2 WHEN 'NotStarted' THEN 3 WHEN 'Exempt' THEN 4 ELSE 5 END, resource_id_lower, assignment_id, reference_id
     LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return rows.map((r) => toListed(r, false));
}

/** Every stored result of one resource (by id, or by name when unique), with traces. */
export async function resultsForResource(q: Queryable, resource: string): Promise<{ resourceId: string; results: ListedResult[] }> {
  const lower = resource.toLowerCase();
  let ids = await q.query<{ id: string }>(`SELECT id FROM resources WHERE id_lower = $1`, [lower]);
  if (!ids.length) ids = await q.query<{ id: string }>(`SELECT id FROM resources WHERE lower(name) = $1 LIMIT 2`, [lower]);
  if (ids.length > 1) throw new InputError('COMPLIANCE_AMBIGUOUS', `several resources are named ${resource}; give the full id`, { where: resource });
  const id = ids[0]?.id ?? resource;
  const rows = await q.query<Row>(`SELECT ${LIST_COLS}, trace FROM compliance_results WHERE resource_id_lower = $1 ORDER BY assignment_id, reference_id`, [id.toLowerCase()]);
  return { resourceId: id, results: rows.map((r) => toListed(r, true)) };
}

export { NONE };
