/**
 * Azure Policy Insights' query shapes over Goldsmith's results: `policyStates/latest/summarize`
 * and `policyStates/latest/queryResults` with `$filter`, `$top` and `$skiptoken` paging.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { App } from '../../app/index.js';
import { resourceGroupId, subscriptionId } from '../../arm/index.js';
import { listResults, parseResultFilter, summarize, type Summary, type SummaryRow } from '../../compliance/index.js';
import { InputError } from '../../errors/index.js';
import { addRoute } from '../server.js';
import { API_VERSION, obj, RG, SUB } from '../schemas.js';

const PREFIXES = [
  { url: '/subscriptions/:subscriptionId', params: { subscriptionId: SUB }, scope: (p: Record<string, string>) => subscriptionId(p.subscriptionId!) },
  { url: '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName', params: { subscriptionId: SUB, resourceGroupName: RG }, scope: (p: Record<string, string>) => resourceGroupId(p.subscriptionId!, p.resourceGroupName!) },
];
const MAX_TOP = 1000;
const QUERY = obj({ 'api-version': API_VERSION, $filter: { type: 'string', maxLength: 4096 }, $top: { type: 'integer', minimum: 1, maximum: MAX_TOP }, $skiptoken: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } });

/** An opaque continuation token: the offset, base64url. */
const skipToken = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');
function offsetOf(token: string | undefined): number {
  if (!token) return 0;
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString());
  if (!m) throw new InputError('COMPLIANCE_INPUT_INVALID', '$skiptoken is not one this server issued', { where: '$skiptoken' });
  return Number(m[1]);
}

const details = (r: SummaryRow) => Object.entries(r.counts).map(([complianceState, count]) => ({ complianceState, count }));

/** Azure's SummarizeResults: counts here are policy results (resource × policy), per state. */
function azureSummary(s: Summary) {
  const nonCompliant = (r: SummaryRow) => r.counts.NonCompliant ?? 0;
  return {
    '@odata.count': 1,
    value: [
      {
        results: { nonCompliantResources: nonCompliant(s.overall), nonCompliantPolicies: s.rows.filter((r) => nonCompliant(r) > 0).length, resourceDetails: details(s.overall), compliancePercentage: s.overall.compliancePercentage },
        policyAssignments: s.rows.map((r) => ({ policyAssignmentId: r.key, results: { nonCompliantResources: nonCompliant(r), resourceDetails: details(r), compliancePercentage: r.compliancePercentage } })),
      },
    ],
  };
}

export function complianceRoutes(server: FastifyInstance, app: App): void {
  const tags = ['Compliance'];
  for (const s of PREFIXES) {
    const scope = (req: FastifyRequest) => s.scope(req.params as Record<string, string>);
    const base = `${s.url}/providers/Microsoft.PolicyInsights/policyStates/latest`;
    const query = (req: FastifyRequest) => req.query as { $filter?: string; $top?: number; $skiptoken?: string };
    addRoute(server, {
      method: 'POST', url: `${base}/summarize`, action: 'compliance.read', tags, target: scope,
      summary: 'Summarize the latest compliance at a scope, per assignment',
      schema: { params: obj(s.params, Object.keys(s.params)), querystring: QUERY },
      handler: async (req) => {
        const filter = parseResultFilter(query(req).$filter);
        if (filter.scope) throw new InputError('COMPLIANCE_INPUT_INVALID', '$filter: resourceId is not supported by summarize; query a narrower scope', { where: '$filter' });
        return azureSummary(await summarize(app.store, 'assignment', { ...filter, scope: scope(req) }));
      },
    });
    addRoute(server, {
      method: 'POST', url: `${base}/queryResults`, action: 'compliance.read', tags, target: scope,
      summary: 'The latest policy states at a scope, NonCompliant first, paged with $top and $skiptoken',
      schema: { params: obj(s.params, Object.keys(s.params)), querystring: QUERY },
      handler: async (req) => {
        const q = query(req);
        const filter = parseResultFilter(q.$filter);
        const sc = scope(req);
        // A resourceId filter narrows within the path's scope, never beyond it.
        if (filter.scope && !filter.scope.toLowerCase().startsWith(sc.toLowerCase() + '/')) throw new InputError('COMPLIANCE_INPUT_INVALID', `$filter: resourceId must lie under ${sc}`, { where: '$filter' });
        const top = q.$top ?? MAX_TOP;
        const offset = offsetOf(q.$skiptoken);
        const rows = await listResults(app.store, { ...filter, scope: filter.scope ?? sc }, top + 1, offset);
        const value = rows.slice(0, top).map((r) => ({ resourceId: r.resourceId, resourceType: r.resourceType, policyAssignmentId: r.assignmentId, policyDefinitionId: r.definitionId, policySetDefinitionId: r.setDefinitionId ?? '', policyDefinitionReferenceId: r.referenceId ?? '', complianceState: r.state, isCompliant: r.state === 'Compliant', policyDefinitionAction: r.effect, timestamp: r.evaluatedAt, exemptionId: r.exemptionId, message: r.message }));
        const next = rows.length > top ? `${req.url.split('?')[0]}?${new URLSearchParams({ ...(q.$filter ? { $filter: q.$filter } : {}), $top: String(top), $skiptoken: skipToken(offset + top) })}` : undefined;
        return { '@odata.count': value.length, value, ...(next ? { '@odata.nextLink': next } : {}) };
      },
    });
  }
}
