/**
 * VMs and their guest configuration assignments at their ARM paths. PUT and PATCH go through the
 * fleet's putResource, so shape checks and policy admission (deny, append, modify) are the CLI's.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { App } from '../../app/index.js';
import { resourceGroupId, subscriptionId } from '../../arm/index.js';
import { GUEST_ASSIGNMENT_TYPE, VM_TYPE } from '../../fleet/index.js';
import { ApiError } from '../errors.js';
import { addRoute } from '../server.js';
import { ANY_OBJECT, armPutBody, listOf, NAME, obj, queryApiVersion, RG, SUB, TAGS } from '../schemas.js';

const RG_PATH = '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName';
const VM_PATH = `${RG_PATH}/providers/Microsoft.Compute/virtualMachines/:vmName`;
const GC_PATH = `${VM_PATH}/providers/Microsoft.GuestConfiguration/guestConfigurationAssignments/:assignmentName`;

type P = { subscriptionId: string; resourceGroupName: string; vmName: string; assignmentName: string };
const params = (req: FastifyRequest) => req.params as P;
const vmId = (req: FastifyRequest) => {
  const p = params(req);
  return `${resourceGroupId(p.subscriptionId, p.resourceGroupName)}/providers/${VM_TYPE}/${p.vmName}`;
};
const gcId = (req: FastifyRequest) => `${vmId(req)}/providers/${GUEST_ASSIGNMENT_TYPE}/${params(req).assignmentName}`;

const vmParams = obj({ subscriptionId: SUB, resourceGroupName: RG, vmName: NAME }, ['subscriptionId', 'resourceGroupName', 'vmName']);
const gcParams = obj({ subscriptionId: SUB, resourceGroupName: RG, vmName: NAME, assignmentName: NAME }, ['subscriptionId', 'resourceGroupName', 'vmName', 'assignmentName']);

export const VM_EXAMPLE = {
  location: 'westeurope',
  tags: { team: 'web', role: 'cattle' },
  properties: {
    hardwareProfile: { vmSize: 'Standard_D2s_v5' },
    storageProfile: { imageReference: { id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/goldsmith/providers/Microsoft.Compute/galleries/g1/images/ubuntu/versions/1.0.0' } },
  },
};

const VM_PATCH = obj(
  { tags: { ...TAGS, additionalProperties: { type: ['string', 'null'], maxLength: 256 } }, properties: ANY_OBJECT, zones: { type: 'array', items: { type: 'string', maxLength: 10 }, maxItems: 3 } },
  [],
  { description: 'A JSON merge patch (RFC 7396) of the VM document; null removes a key.', examples: [{ tags: { team: 'web', owner: null }, properties: { hardwareProfile: { vmSize: 'Standard_D4s_v5' } } }] },
);

const GC_EXAMPLE = { properties: { guestConfiguration: { name: 'AuditSecureShell', version: '1.0.0' }, complianceStatus: 'Compliant', lastComplianceStatusChecked: '2026-01-01T00:00:00Z' } };

/** The path's id wins: a body naming another resource is refused rather than written elsewhere. */
function withPathIdentity(body: Record<string, unknown>, id: string, name: string, type: string): Record<string, unknown> {
  for (const [k, v] of [['id', id], ['name', name], ['type', type]] as const) {
    if (body[k] !== undefined && String(body[k]).toLowerCase() !== v.toLowerCase()) {
      throw new ApiError(400, 'API_PATH_MISMATCH', `the body's ${k} must be ${JSON.stringify(v)}, as the path says`, `body/${k}`);
    }
  }
  return { ...body, id, name, type };
}

export function vmRoutes(server: FastifyInstance, app: App): void {
  const tags = ['Virtual machines'];
  addRoute(server, {
    method: 'GET', url: `/subscriptions/:subscriptionId/providers/Microsoft.Compute/virtualMachines`, action: 'vm.read', tags,
    summary: 'List the VMs in a subscription',
    target: (req) => subscriptionId(params(req).subscriptionId),
    schema: { params: obj({ subscriptionId: SUB }, ['subscriptionId']), querystring: queryApiVersion, response: { 200: listOf() } },
    handler: async (req) => ({ value: await app.fleet.listVms({ subscription: params(req).subscriptionId }) }),
  });
  addRoute(server, {
    method: 'GET', url: `${RG_PATH}/providers/Microsoft.Compute/virtualMachines`, action: 'vm.read', tags,
    summary: 'List the VMs in a resource group',
    target: (req) => resourceGroupId(params(req).subscriptionId, params(req).resourceGroupName),
    schema: { params: obj({ subscriptionId: SUB, resourceGroupName: RG }, ['subscriptionId', 'resourceGroupName']), querystring: queryApiVersion, response: { 200: listOf() } },
    handler: async (req) => ({ value: await app.fleet.listVms({ subscription: params(req).subscriptionId, resourceGroup: params(req).resourceGroupName }) }),
  });
  addRoute(server, {
    method: 'GET', url: VM_PATH, action: 'vm.read', tags, target: vmId,
    summary: 'Get a VM',
    schema: { params: vmParams, querystring: queryApiVersion },
    handler: async (req) => app.fleet.getVm(vmId(req)),
  });
  addRoute(server, {
    method: 'PUT', url: VM_PATH, action: 'vm.write', tags, target: vmId,
    summary: 'Create or replace a VM (policy admission applies)',
    schema: { params: vmParams, querystring: queryApiVersion, body: armPutBody(VM_EXAMPLE) },
    handler: async (req, reply, state) => {
      const id = vmId(req);
      const before = await app.fleet.findResource(id);
      const doc = await app.fleet.putResource(withPathIdentity(req.body as Record<string, unknown>, id, params(req).vmName, VM_TYPE));
      Object.assign(state.audit, { before, after: doc });
      return reply.status(before ? 200 : 201).send(doc);
    },
  });
  addRoute(server, {
    method: 'PATCH', url: VM_PATH, action: 'vm.write', tags, target: vmId,
    summary: 'Update a VM with a JSON merge patch (policy admission applies)',
    schema: { params: vmParams, querystring: queryApiVersion, body: VM_PATCH },
    handler: async (req, _reply, state) => {
      const id = vmId(req);
      state.audit.before = await app.fleet.findResource(id);
      const doc = await app.fleet.patchResource(id, VM_TYPE, req.body as Record<string, unknown>);
      state.audit.after = doc;
      return doc;
    },
  });
  addRoute(server, {
    method: 'DELETE', url: VM_PATH, action: 'vm.write', tags, target: vmId,
    summary: 'Delete a VM with its extensions and guest configuration assignments',
    schema: { params: vmParams, querystring: queryApiVersion },
    handler: async (req, _reply, state) => {
      const id = vmId(req);
      state.audit.before = await app.fleet.findResource(id);
      return { deleted: await app.fleet.deleteVm(id) };
    },
  });
  addRoute(server, {
    method: 'GET', url: GC_PATH, action: 'vm.read', tags: ['Guest configuration'], target: gcId,
    summary: "Get a guest configuration assignment on a VM",
    schema: { params: gcParams, querystring: queryApiVersion },
    handler: async (req) => app.fleet.getResource(gcId(req)),
  });
  addRoute(server, {
    method: 'PUT', url: GC_PATH, action: 'guestConfig.report', tags: ['Guest configuration'], target: gcId,
    summary: "Create or replace a guest configuration assignment on a VM (a machine's report)",
    schema: { params: gcParams, querystring: queryApiVersion, body: armPutBody(GC_EXAMPLE) },
    handler: async (req, reply, state) => {
      const id = gcId(req);
      const before = await app.fleet.findResource(id);
      const doc = await app.fleet.putResource(withPathIdentity(req.body as Record<string, unknown>, id, params(req).assignmentName, GUEST_ASSIGNMENT_TYPE));
      Object.assign(state.audit, { before, after: doc });
      return reply.status(before ? 200 : 201).send(doc);
    },
  });
}
