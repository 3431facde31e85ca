/**
 * Supply chain and vulnerabilities: a version's SBOM and its offline verification (under the
 * version's ARM path, as Goldsmith extensions), advisories, their timeline and blast radius.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { App } from '../../app/index.js';
import { sbomDocument, trustFor, verifyVersion } from '../../app/supply-chain.js';
import { galleryId, imageId, versionId } from '../../arm/index.js';
import { PREDICATE_TYPES, REQUIRED_FOR_PUBLISH } from '../../attest/index.js';
import { addRoute } from '../server.js';
import { NAME, obj, RG, SUB } from '../schemas.js';

const V_PATH = '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.Compute/galleries/:galleryName/images/:imageName/versions/:version';
type P = { subscriptionId: string; resourceGroupName: string; galleryName: string; imageName: string; version: string };
const vId = (req: FastifyRequest) => {
  const p = req.params as P;
  return versionId(imageId(galleryId(p.subscriptionId, p.resourceGroupName, p.galleryName), p.imageName), p.version);
};
const V_PARAMS = obj(
  { subscriptionId: SUB, resourceGroupName: RG, galleryName: NAME, imageName: NAME, version: { type: 'string', maxLength: 40, pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$' } },
  ['subscriptionId', 'resourceGroupName', 'galleryName', 'imageName', 'version'],
);
const ADVISORY_ID = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' } as const;
const advisory = (req: FastifyRequest) => (req.params as { advisoryId: string }).advisoryId;

export function supplyChainRoutes(server: FastifyInstance, app: App): void {
  addRoute(server, {
    method: 'GET', url: `${V_PATH}/goldsmith/sbom`, action: 'supplyChain.read', tags: ['Supply chain'], target: vId,
    summary: "A version's SBOM (SPDX 2.3 or CycloneDX 1.6), verified against its signed statement first",
    schema: { params: V_PARAMS, querystring: obj({ format: { type: 'string', enum: ['spdx', 'cyclonedx'], default: 'spdx' } }) },
    handler: async (req, reply) => {
      const doc = await sbomDocument(app, vId(req), (req.query as { format: string }).format === 'cyclonedx' ? 'sbom-cyclonedx' : 'sbom-spdx');
      return reply.type('application/json').send(doc.text);
    },
  });
  addRoute(server, {
    method: 'GET', url: `${V_PATH}/goldsmith/verify`, action: 'supplyChain.read', tags: ['Supply chain'], target: vId,
    summary: "Verify a version offline against the server's trusted keys: every artifact in every region, its signatures and its row",
    schema: { params: V_PARAMS, querystring: obj({ require: { type: 'array', items: { type: 'string', enum: Object.keys(PREDICATE_TYPES) }, uniqueItems: true } }) },
    handler: async (req) => {
      const required = (req.query as { require?: string[] }).require?.map((t) => (PREDICATE_TYPES as Record<string, string>)[t]!) ?? [...REQUIRED_FOR_PUBLISH];
      // Trust is the server's configuration: a caller cannot name a trust file on the server.
      const trust = await trustFor(app.config);
      const r = await verifyVersion(app, vId(req), trust, required);
      return { target: vId(req), ...r, trust: { source: trust.source.kind, pinned: trust.pinned, keyids: r.keyids } };
    },
  });

  const tags = ['Vulnerabilities'];
  addRoute(server, {
    method: 'GET', url: '/goldsmith/advisories', action: 'vuln.read', tags, summary: 'Advisories, newest first, with how many image versions each affects',
    schema: { querystring: obj({ package: { type: 'string', maxLength: 200 }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }) },
    handler: async (req) => ({ value: await app.vuln.list(req.query as { package?: string; limit?: number }) }),
  });
  addRoute(server, {
    method: 'GET', url: '/goldsmith/advisories/:advisoryId/impact', action: 'vuln.read', tags, summary: 'Blast radius: affected image versions and the VMs running them',
    schema: { params: obj({ advisoryId: ADVISORY_ID }, ['advisoryId']), querystring: obj({ vms: { type: 'integer', minimum: 0, maximum: 100000 } }) },
    handler: async (req) => app.vuln.impact(advisory(req), { vmLimit: (req.query as { vms?: number }).vms }),
  });
  addRoute(server, {
    method: 'GET', url: '/goldsmith/advisories/:advisoryId/timeline', action: 'vuln.read', tags, summary: 'What happened about an advisory: import, impact, rebuilds, publishes',
    schema: { params: obj({ advisoryId: ADVISORY_ID }, ['advisoryId']) },
    handler: async (req) => ({ value: await app.vuln.timeline(advisory(req)) }),
  });
}
