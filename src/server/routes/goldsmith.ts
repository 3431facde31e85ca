/**
 * Goldsmith's own resources: builds and runs (with logs), the audit log, and the health check.
 * A POST of a build queues it as a job and answers 202 with the run's URL at once; a worker (in
 * `serve`'s own process by default, or `goldsmith worker`) runs it and the outcome is on the run.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { App } from '../../app/index.js';
import { galleryId } from '../../arm/index.js';
import { DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION } from '../../gallery/index.js';
import { ROLE_NAMES } from '../../identity/index.js';
import { addRoute } from '../server.js';
import { ANY_OBJECT, obj, queryApiVersion } from '../schemas.js';

const RUN_ID = { type: 'string', minLength: 1, maxLength: 80, pattern: '^run-[A-Za-z0-9-]+$' } as const;
const RUN_PARAMS = obj({ runId: RUN_ID }, ['runId']);
const runId = (req: FastifyRequest) => (req.params as { runId: string }).runId;

const BUILD_BODY = obj(
  {
    template: ANY_OBJECT,
    version: { type: 'string', maxLength: 40, pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$', description: 'An explicit version (the template decides otherwise)' },
    outputs: { type: 'array', items: { type: 'string', enum: ['raw', 'qcow2', 'vhd'] }, uniqueItems: true },
  },
  ['template'],
  { examples: [{ template: { name: 'web', source: { publisher: 'Debian', offer: 'debian-12', sku: 'minbase', version: 'latest' }, customize: [], distribute: { gallery: 'g1', image: 'web', targetRegions: [{ name: 'westeurope' }] } }, outputs: ['raw'] }] },
);

/** The gallery a template publishes to: where an image publisher's scope is checked. */
async function buildTarget(app: App, req: FastifyRequest): Promise<string> {
  const gallery = ((req.body as { template?: { distribute?: { gallery?: unknown } } }).template?.distribute?.gallery);
  if (typeof gallery !== 'string' || !gallery) return '/';
  return app.gallery.getGallery(gallery).then(
    (g) => g.id,
    () => galleryId(DEFAULT_SUBSCRIPTION, DEFAULT_RESOURCE_GROUP, gallery),
  );
}

export function goldsmithRoutes(server: FastifyInstance, app: App): void {
  addRoute(server, {
    method: 'GET', url: '/healthz', action: null, public: true, tags: ['Server'], summary: 'Liveness: answers without a token',
    schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] } } },
    handler: async () => ({ status: 'ok' }),
  });
  addRoute(server, {
    method: 'GET', url: '/openapi.json', action: null, tags: ['Server'], summary: 'This API as an OpenAPI 3.1 document',
    schema: {},
    handler: async () => server.swagger(),
  });
  addRoute(server, {
    method: 'GET', url: '/audit', action: 'audit.read', tags: ['Audit'], summary: 'The audit log, newest first',
    schema: { querystring: obj({ limit: { type: 'integer', minimum: 1, maximum: 1000 }, before: { type: 'integer', minimum: 1 }, resourceId: { type: 'string', maxLength: 4096 } }) },
    handler: async (req) => ({ value: await app.audit.list(req.query as { limit?: number; before?: number; resourceId?: string }) }),
  });

  const tags = ['Builds'];
  addRoute(server, {
    method: 'POST', url: '/goldsmith/builds', action: 'build.write', tags, summary: 'Queue a build of a template; 202 with the run URL (a worker runs it)',
    target: (req) => buildTarget(app, req),
    schema: { querystring: queryApiVersion, body: BUILD_BODY },
    handler: async (req, reply, state) => {
      const body = req.body as { template: unknown; version?: string; outputs?: Array<'raw' | 'qcow2' | 'vhd'> };
      const loaded = await app.builds.saveSubmitted(body.template);
      const { run, job } = await app.buildJobs.enqueue(loaded, { params: { version: body.version, outputs: body.outputs } });
      const url = `/goldsmith/runs/${run.id}`;
      Object.assign(state.audit, { resourceId: url, after: { id: run.id, job: job.id, templateDigest: run.templateDigest } });
      return reply.status(202).header('location', url).send({ id: run.id, job: job.id, state: run.state, url });
    },
  });
  addRoute(server, {
    method: 'GET', url: '/goldsmith/runs', action: 'build.read', tags, summary: 'List runs, newest first',
    schema: { querystring: obj({ template: { type: 'string', maxLength: 200 }, state: { type: 'string', maxLength: 40 }, limit: { type: 'integer', minimum: 1, maximum: 1000 } }) },
    handler: async (req) => ({ value: await app.builds.list(req.query as { template?: string; state?: string; limit?: number }) }),
  });
  addRoute(server, {
    method: 'GET', url: '/goldsmith/runs/:runId', action: 'build.read', tags, summary: 'A run with its steps',
    schema: { params: RUN_PARAMS },
    handler: async (req) => {
      const { run, steps } = await app.builds.show(runId(req));
      return { ...run, steps: steps.map((s) => ({ ...s, log: undefined })) };
    },
  });
  addRoute(server, {
    method: 'GET', url: '/goldsmith/runs/:runId/logs', action: 'build.read', tags, summary: "A run's step logs",
    schema: { params: RUN_PARAMS, querystring: obj({ step: { type: 'string', maxLength: 80 } }) },
    handler: async (req) => {
      const step = (req.query as { step?: string }).step;
      const { steps } = await app.builds.show(runId(req));
      return { value: steps.filter((s) => !step || s.name === step).map((s) => ({ seq: s.seq, step: s.name, status: s.status, log: s.log })) };
    },
  });
}

const TOKEN_BODY = obj(
  {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    role: { type: 'string', enum: [...ROLE_NAMES] },
    scope: { type: 'string', minLength: 1, maxLength: 4096 },
    expiresAt: { type: 'string', format: 'date-time' },
  },
  ['name', 'role', 'scope'],
  { examples: [{ name: 'web-team', role: 'team-operator', scope: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/web', expiresAt: '2027-01-01T00:00:00Z' }] },
);

/** The catalog of base images, and the server's tokens (what `goldsmith marketplace list` and `goldsmith token` do). */
export function adminRoutes(server: FastifyInstance, app: App): void {
  addRoute(server, {
    method: 'GET', url: '/goldsmith/catalog', action: 'catalog.read', tags: ['Catalog'], summary: 'Base images in the catalog (publisher:offer:sku:version)',
    schema: { querystring: obj({ publisher: { type: 'string', maxLength: 100 }, offer: { type: 'string', maxLength: 100 }, sku: { type: 'string', maxLength: 100 } }) },
    handler: async (req) => ({ value: await app.catalog.list(req.query as { publisher?: string; offer?: string; sku?: string }) }),
  });
  const tags = ['Tokens'];
  addRoute(server, {
    method: 'GET', url: '/goldsmith/tokens', action: 'token.admin', tags, summary: 'API tokens (never their secrets)',
    schema: {},
    handler: async () => ({ value: await app.tokens.list() }),
  });
  addRoute(server, {
    method: 'POST', url: '/goldsmith/tokens', action: 'token.admin', tags, summary: 'Create a token; its secret is in this response only',
    // A token is granted at its own scope: the creator's scope must hold it.
    target: (req) => (req.body as { scope: string }).scope,
    schema: { body: TOKEN_BODY },
    handler: async (req, reply, state) => {
      const b = req.body as { name: string; role: string; scope: string; expiresAt?: string };
      const { token, record } = await app.tokens.create({ ...b, expiresAt: b.expiresAt ? new Date(b.expiresAt) : undefined, createdBy: state.principal?.tokenId });
      Object.assign(state.audit, { resourceId: `/goldsmith/tokens/${record.id}`, after: record });
      return reply.status(201).send({ token, ...record });
    },
  });
  addRoute(server, {
    method: 'DELETE', url: '/goldsmith/tokens/:tokenId', action: 'token.admin', tags, summary: 'Revoke a token at once',
    schema: { params: obj({ tokenId: { type: 'string', pattern: '^[a-z0-9]{16}$' } }, ['tokenId']) },
    handler: async (req, _reply, state) => {
      const id = (req.params as { tokenId: string }).tokenId;
      const t = await app.tokens.revoke(id);
      Object.assign(state.audit, { resourceId: `/goldsmith/tokens/${id}`, after: t });
      return t;
    },
  });
}
