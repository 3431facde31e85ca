/**
 * Azure Policy at its ARM paths: definitions (tenant, management group, subscription), assignments
 * and exemptions (also resource group). Each family is registered once per scope prefix.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { App } from '../../app/index.js';
import { managementGroupId, resourceGroupId, subscriptionId } from '../../arm/index.js';
import type { AssignmentInput, ExemptionInput } from '../../compliance/index.js';
import { scopeContains } from '../../fleet/index.js';
import { addRoute } from '../server.js';
import { ANY_OBJECT, listOf, NAME, obj, queryApiVersion, RG, SUB } from '../schemas.js';

interface ScopePrefix {
  url: string;
  params: Record<string, unknown>;
  scope: (p: Record<string, string>) => string;
}
const TENANT: ScopePrefix = { url: '', params: {}, scope: () => '/' };
const MG: ScopePrefix = { url: '/providers/Microsoft.Management/managementGroups/:managementGroupId', params: { managementGroupId: NAME }, scope: (p) => managementGroupId(p.managementGroupId!) };
const SUBS: ScopePrefix = { url: '/subscriptions/:subscriptionId', params: { subscriptionId: SUB }, scope: (p) => subscriptionId(p.subscriptionId!) };
const RGS: ScopePrefix = { url: '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName', params: { subscriptionId: SUB, resourceGroupName: RG }, scope: (p) => resourceGroupId(p.subscriptionId!, p.resourceGroupName!) };

const scopeOf = (s: ScopePrefix) => (req: FastifyRequest) => s.scope(req.params as Record<string, string>);
const paramsOf = (s: ScopePrefix, extra: Record<string, unknown> = {}) => {
  const all = { ...s.params, ...extra };
  return Object.keys(all).length ? { params: obj(all, Object.keys(all)) } : {};
};
const nameOf = (req: FastifyRequest) => (req.params as { name: string }).name;
/** The id a child of `scope` gets: the tenant scope has no prefix of its own. */
const under = (scope: string, rest: string) => `${scope === '/' ? '' : scope}${rest}`;

const DEF_BODY = obj(
  { properties: ANY_OBJECT },
  ['properties'],
  { examples: [{ properties: { displayName: 'Allowed locations', mode: 'Indexed', policyRule: { if: { not: { field: 'location', in: ['westeurope'] } }, then: { effect: 'deny' } } } }] },
);
const ASSIGNMENT_BODY = obj(
  {
    properties: obj(
      {
        policyDefinitionId: { type: 'string', minLength: 1, maxLength: 4096 },
        displayName: { type: 'string', maxLength: 128 },
        description: { type: 'string', maxLength: 512 },
        notScopes: { type: 'array', items: { type: 'string', maxLength: 4096 }, maxItems: 400 },
        parameters: ANY_OBJECT,
        enforcementMode: { type: 'string', enum: ['Default', 'DoNotEnforce'] },
        nonComplianceMessages: { type: 'array', items: ANY_OBJECT, maxItems: 100 },
        resourceSelectors: { type: 'array', items: ANY_OBJECT, maxItems: 10 },
        overrides: { type: 'array', items: ANY_OBJECT, maxItems: 10 },
        metadata: ANY_OBJECT,
      },
      ['policyDefinitionId'],
    ),
  },
  ['properties'],
  { examples: [{ properties: { policyDefinitionId: '/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c', parameters: { listOfAllowedLocations: { value: ['westeurope'] } } } }] },
);
const EXEMPTION_BODY = obj(
  {
    properties: obj(
      {
        policyAssignmentId: { type: 'string', minLength: 1, maxLength: 4096 },
        exemptionCategory: { type: 'string', enum: ['Waiver', 'Mitigated'] },
        expiresOn: { type: ['string', 'null'], format: 'date-time' },
        policyDefinitionReferenceIds: { type: 'array', items: { type: 'string', maxLength: 128 }, maxItems: 100 },
        displayName: { type: 'string', maxLength: 128 },
        description: { type: 'string', maxLength: 1024 },
      },
      ['policyAssignmentId', 'exemptionCategory'],
    ),
  },
  ['properties'],
  { examples: [{ properties: { policyAssignmentId: '/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/policyAssignments/allowed-locations', exemptionCategory: 'Waiver', expiresOn: '2027-01-01T00:00:00Z' } }] },
);

export function policyRoutes(server: FastifyInstance, app: App): void {
  const tags = ['Policy'];
  const c = app.compliance;
  /** Related to `scope`: at or below it, or above it (inherited), as Azure's list-for-scope answers. */
  const related = async (scope: string) => {
    const h = await app.fleet.hierarchy();
    return (other: string) => scope === '/' || other === '' || other === '/' || scopeContains(scope, other, h) || scopeContains(other, scope, h);
  };

  for (const s of [TENANT, MG, SUBS]) {
    const base = `${s.url}/providers/Microsoft.Authorization/policyDefinitions`;
    addRoute(server, {
      method: 'GET', url: base, action: 'policy.read', tags, target: scopeOf(s), summary: 'List the policy definitions visible at a scope (built-in and custom)',
      schema: { ...paramsOf(s), querystring: queryApiVersion, response: { 200: listOf() } },
      handler: async (req) => {
        const rel = await related(scopeOf(s)(req));
        return { value: (await c.definitions.listDefinitions()).filter((d) => rel(d.scope)).map((d) => d.doc) };
      },
    });
    addRoute(server, {
      method: 'GET', url: `${base}/:name`, action: 'policy.read', tags, target: scopeOf(s), summary: 'Get a policy definition',
      schema: { ...paramsOf(s, { name: NAME }), querystring: queryApiVersion },
      handler: async (req) => (await c.definitions.getDefinition(under(scopeOf(s)(req), `/providers/Microsoft.Authorization/policyDefinitions/${nameOf(req)}`))).doc,
    });
    addRoute(server, {
      method: 'PUT', url: `${base}/:name`, action: 'policy.write', tags, target: scopeOf(s), summary: 'Create a custom policy definition',
      schema: { ...paramsOf(s, { name: NAME }), querystring: queryApiVersion, body: DEF_BODY },
      handler: async (req, reply, state) => {
        const scope = scopeOf(s)(req);
        const d = await c.definitions.createDefinition(req.body, { name: nameOf(req), scope: scope === '/' ? '' : scope });
        Object.assign(state.audit, { resourceId: d.id, after: d.doc });
        return reply.status(201).send(d.doc);
      },
    });
    addRoute(server, {
      method: 'DELETE', url: `${base}/:name`, action: 'policy.write', tags, target: scopeOf(s), summary: 'Delete a custom policy definition no assignment uses',
      schema: { ...paramsOf(s, { name: NAME }), querystring: queryApiVersion },
      handler: async (req, _reply, state) => {
        const d = await c.definitions.getDefinition(under(scopeOf(s)(req), `/providers/Microsoft.Authorization/policyDefinitions/${nameOf(req)}`));
        Object.assign(state.audit, { resourceId: d.id, before: d.doc });
        await c.definitions.deleteDefinition(d.id);
        return { deleted: [d.id] };
      },
    });
  }

  for (const s of [MG, SUBS, RGS]) {
    const base = `${s.url}/providers/Microsoft.Authorization/policyAssignments`;
    const idOf = (req: FastifyRequest) => under(scopeOf(s)(req), `/providers/Microsoft.Authorization/policyAssignments/${nameOf(req)}`);
    addRoute(server, {
      method: 'GET', url: base, action: 'policy.read', tags, target: scopeOf(s), summary: 'List the policy assignments that apply at a scope or below it',
      schema: { ...paramsOf(s), querystring: queryApiVersion, response: { 200: listOf() } },
      handler: async (req) => {
        const rel = await related(scopeOf(s)(req));
        return { value: (await c.assignments.list()).filter((a) => rel(a.scope)) };
      },
    });
    addRoute(server, {
      method: 'GET', url: `${base}/:name`, action: 'policy.read', tags, target: scopeOf(s), summary: 'Get a policy assignment',
      schema: { ...paramsOf(s, { name: NAME }), querystring: queryApiVersion },
      handler: async (req) => c.assignments.get(idOf(req)),
    });
    addRoute(server, {
      method: 'PUT', url: `${base}/:name`, action: 'policy.write', tags, target: scopeOf(s), summary: 'Create or replace a policy assignment',
      schema: { ...paramsOf(s, { name: NAME }), querystring: queryApiVersion, body: ASSIGNMENT_BODY },
      handler: async (req, _reply, state) => {
        const before = await c.assignments.get(idOf(req)).catch(() => undefined);
        const props = (req.body as { properties: Omit<AssignmentInput, 'name' | 'scope'> }).properties;
        const a = await c.createAssignment({ ...props, name: nameOf(req), scope: scopeOf(s)(req) }, { replace: true });
        Object.assign(state.audit, { resourceId: a.id, before, after: a });
        return a;
      },
    });
    addRoute(server, {
      method: 'DELETE', url: `${base}/:name`, action: 'policy.write', tags, target: scopeOf(s), summary: 'Delete a policy assignment',
      schema: { ...paramsOf(s, { name: NAME }), querystring: queryApiVersion },
      handler: async (req, _reply, state) => {
        const a = await c.deleteAssignment(idOf(req));
        Object.assign(state.audit, { resourceId: a.id, before: a });
        return a;
      },
    });

    const ex = `${s.url}/providers/Microsoft.Authorization/policyExemptions`;
    const exId = (req: FastifyRequest) => under(scopeOf(s)(req), `/providers/Microsoft.Authorization/policyExemptions/${nameOf(req)}`);
    addRoute(server, {
      method: 'GET', url: ex, action: 'policy.read', tags, target: scopeOf(s), summary: 'List the policy exemptions at a scope or below it',
      schema: { ...paramsOf(s), querystring: queryApiVersion, response: { 200: listOf() } },
      handler: async (req) => {
        const rel = await related(scopeOf(s)(req));
        return { value: (await c.assignments.listExemptions()).filter((e) => rel(e.scope)) };
      },
    });
    addRoute(server, {
      method: 'PUT', url: `${ex}/:name`, action: 'policy.write', tags, target: scopeOf(s), summary: 'Create a policy exemption (the exempted scope is re-evaluated)',
      schema: { ...paramsOf(s, { name: NAME }), querystring: queryApiVersion, body: EXEMPTION_BODY },
      handler: async (req, reply, state) => {
        const props = (req.body as { properties: Omit<ExemptionInput, 'name' | 'scope'> }).properties;
        const e = await c.exempt({ ...props, name: nameOf(req), scope: scopeOf(s)(req) });
        Object.assign(state.audit, { resourceId: e.id, after: e });
        return reply.status(201).send(e);
      },
    });
    addRoute(server, {
      method: 'DELETE', url: `${ex}/:name`, action: 'policy.write', tags, target: scopeOf(s), summary: 'Delete a policy exemption (the scope is re-evaluated)',
      schema: { ...paramsOf(s, { name: NAME }), querystring: queryApiVersion },
      handler: async (req, _reply, state) => {
        const e = await c.unexempt(exId(req));
        Object.assign(state.audit, { resourceId: e.id, before: e });
        return e;
      },
    });
  }
}
