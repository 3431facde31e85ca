/**
 * Compute Gallery resources at their ARM paths: galleries, image definitions, versions (their ARM
 * documents), and the version changes a publisher makes: exclude from latest, end of life, soft delete.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { App } from '../../app/index.js';
import { galleryId, imageId, resourceGroupId, versionId } from '../../arm/index.js';
import { addRoute } from '../server.js';
import { listOf, NAME, obj, queryApiVersion, RG, SUB } from '../schemas.js';

const RG_PATH = '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName';
const G_PATH = `${RG_PATH}/providers/Microsoft.Compute/galleries`;
type P = { subscriptionId: string; resourceGroupName: string; galleryName: string; imageName: string; version: string };
const p = (req: FastifyRequest) => req.params as P;
const gId = (req: FastifyRequest) => galleryId(p(req).subscriptionId, p(req).resourceGroupName, p(req).galleryName);
const iId = (req: FastifyRequest) => imageId(gId(req), p(req).imageName);
const vId = (req: FastifyRequest) => versionId(iId(req), p(req).version);

const VERSION = { type: 'string', minLength: 1, maxLength: 40, pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$' } as const;
const base = { subscriptionId: SUB, resourceGroupName: RG };
const baseReq = ['subscriptionId', 'resourceGroupName'];
const P_RG = obj(base, baseReq);
const P_G = obj({ ...base, galleryName: NAME }, [...baseReq, 'galleryName']);
const P_I = obj({ ...base, galleryName: NAME, imageName: NAME }, [...baseReq, 'galleryName', 'imageName']);
const P_V = obj({ ...base, galleryName: NAME, imageName: NAME, version: VERSION }, [...baseReq, 'galleryName', 'imageName', 'version']);

const VERSION_PATCH = obj(
  {
    properties: obj({
      publishingProfile: obj({
        excludeFromLatest: { type: 'boolean' },
        endOfLifeDate: { type: ['string', 'null'], format: 'date-time', description: 'null clears it' },
      }),
    }),
  },
  ['properties'],
  { examples: [{ properties: { publishingProfile: { excludeFromLatest: true, endOfLifeDate: '2027-01-01T00:00:00Z' } } }] },
);

export function galleryRoutes(server: FastifyInstance, app: App): void {
  const tags = ['Compute Gallery'];
  const docs = (ids: string[]) => Promise.all(ids.map((id) => app.fleet.getResource(id)));
  addRoute(server, {
    method: 'GET', url: G_PATH, action: 'gallery.read', tags, summary: 'List the galleries in a resource group',
    target: (req) => resourceGroupId(p(req).subscriptionId, p(req).resourceGroupName),
    schema: { params: P_RG, querystring: queryApiVersion, response: { 200: listOf() } },
    handler: async (req) => {
      const rg = resourceGroupId(p(req).subscriptionId, p(req).resourceGroupName).toLowerCase();
      const mine = (await app.gallery.listGalleries()).filter((g) => g.id.toLowerCase().startsWith(rg + '/'));
      return { value: await docs(mine.map((g) => g.id)) };
    },
  });
  addRoute(server, {
    method: 'GET', url: `${G_PATH}/:galleryName`, action: 'gallery.read', tags, summary: 'Get a gallery', target: gId,
    schema: { params: P_G, querystring: queryApiVersion },
    handler: async (req) => app.fleet.getResource((await app.gallery.getGallery(gId(req))).id),
  });
  addRoute(server, {
    method: 'GET', url: `${G_PATH}/:galleryName/images`, action: 'gallery.read', tags, summary: 'List the image definitions of a gallery', target: gId,
    schema: { params: P_G, querystring: queryApiVersion, response: { 200: listOf() } },
    handler: async (req) => ({ value: await docs((await app.gallery.listImageDefinitions(gId(req))).map((d) => d.id)) }),
  });
  addRoute(server, {
    method: 'GET', url: `${G_PATH}/:galleryName/images/:imageName`, action: 'gallery.read', tags, summary: 'Get an image definition', target: iId,
    schema: { params: P_I, querystring: queryApiVersion },
    handler: async (req) => app.fleet.getResource((await app.gallery.getImageDefinition(gId(req), p(req).imageName)).id),
  });
  addRoute(server, {
    method: 'GET', url: `${G_PATH}/:galleryName/images/:imageName/versions`, action: 'gallery.read', tags, summary: 'List the versions of an image definition (soft-deleted ones included, with their lifecycle)', target: iId,
    schema: { params: P_I, querystring: queryApiVersion, response: { 200: listOf() } },
    handler: async (req) => ({ value: await app.gallery.listVersions(gId(req), p(req).imageName, { includeDeleted: true }) }),
  });
  addRoute(server, {
    method: 'GET', url: `${G_PATH}/:galleryName/images/:imageName/versions/:version`, action: 'gallery.read', tags, summary: 'Get an image version with its lifecycle and whether it is latest', target: vId,
    schema: { params: P_V, querystring: queryApiVersion },
    handler: async (req) => app.gallery.showVersion(vId(req)),
  });
  addRoute(server, {
    method: 'PATCH', url: `${G_PATH}/:galleryName/images/:imageName/versions/:version`, action: 'gallery.write', tags, summary: 'Exclude a version from latest or set its end of life', target: vId,
    schema: { params: P_V, querystring: queryApiVersion, body: VERSION_PATCH },
    handler: async (req, _reply, state) => {
      const profile = (req.body as { properties: { publishingProfile?: { excludeFromLatest?: boolean; endOfLifeDate?: string | null } } }).properties.publishingProfile ?? {};
      state.audit.before = await app.gallery.showVersion(vId(req));
      const r = await app.gallery.updateVersion(vId(req), { excludeFromLatest: profile.excludeFromLatest, endOfLifeDate: profile.endOfLifeDate });
      state.audit.after = await app.gallery.showVersion(vId(req));
      return { ...(state.audit.after as object), replication: r.replication };
    },
  });
  addRoute(server, {
    method: 'DELETE', url: `${G_PATH}/:galleryName/images/:imageName/versions/:version`, action: 'gallery.write', tags, summary: 'Soft-delete a version (recoverable for the retention period)', target: vId,
    schema: { params: P_V, querystring: queryApiVersion },
    handler: async (req, _reply, state) => {
      state.audit.before = await app.gallery.showVersion(vId(req));
      const v = await app.gallery.deleteVersion(vId(req));
      state.audit.after = v;
      return v;
    },
  });
}
