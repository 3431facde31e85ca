/**
 * The HTTP edge: Fastify over the composition root. Every route declares its schemas (validated by
 * Fastify's Ajv with unknown fields refused, and the source of /openapi.json), the action it needs
 * and the ARM id it acts on; the hooks here authenticate, authorize against the role table, and
 * audit every write. Handlers only translate between HTTP and the services the CLI uses too.
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifySchema } from 'fastify';
import type { App } from '../app/index.js';
import { authorize, documentDigest, type Action, type Principal } from '../identity/index.js';
import { FailureThrottle } from './throttle.js';
import { validatorCompiler } from './validation.js';
import { forbidden, toApiError, unauthenticated } from './errors.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** What a handler may note for the audit log: the resource and its document before and after. */
export interface AuditNote {
  resourceId?: string;
  before?: unknown;
  after?: unknown;
}

export interface RequestState {
  principal?: Principal;
  audit: AuditNote;
  errorCode?: string;
}

export interface RouteSpec {
  method: 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST';
  url: string;
  /** The family the role table decides on; null: any authenticated principal. */
  action: Action | null;
  /** The ARM id the request acts on (a resource, or the scope a list reads); `/` when omitted. */
  target?: (req: FastifyRequest) => string | Promise<string>;
  summary: string;
  tags: string[];
  schema: Omit<FastifySchema, 'summary' | 'tags'>;
  /** Answers without a token (only /healthz). */
  public?: boolean;
  handler: (req: FastifyRequest, reply: FastifyReply, state: RequestState) => Promise<unknown>;
}

export interface ServerOptions {
  bodyLimit?: number;
  https?: { cert: Buffer; key: Buffer };
  /** Delay after failed authentication from one address: base × 2^(failures-1), at most cap. */
  authDelay?: { baseMs: number; capMs: number };
  /** The throttle itself (tests look at its state); made from authDelay when not given. */
  throttle?: FailureThrottle;
  logger?: boolean;
}

const states = new WeakMap<FastifyRequest, RequestState>();
export const stateOf = (req: FastifyRequest): RequestState => {
  let s = states.get(req);
  if (!s) states.set(req, (s = { audit: {} }));
  return s;
};

/** A Fastify instance with the hooks in place; add routes with `addRoute`, then `ready()`. */
export async function createServer(app: App, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const server = Fastify({
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    logger: opts.logger ?? false,
    ...(opts.https ? { https: opts.https } : {}),
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  server.setValidatorCompiler(validatorCompiler());
  // Bodies are JSON or nothing: text/plain (Fastify's other default) gets 415.
  server.removeContentTypeParser('text/plain');
  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Goldsmith API', version: '0.1.0', description: 'Golden VM images and VM compliance, at Azure Resource Manager paths.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  const throttle = opts.throttle ?? new FailureThrottle(opts.authDelay ?? { baseMs: 250, capMs: 10_000 });

  server.addHook('onRequest', async (req) => {
    if ((req.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    stateOf(req).principal = await authenticate(app, req, throttle);
  });
  server.addHook('preHandler', async (req) => {
    const cfg = req.routeOptions.config as { action?: Action | null; target?: (r: FastifyRequest) => string | Promise<string>; public?: boolean };
    const principal = stateOf(req).principal;
    if (cfg.public || cfg.action === null || !principal) return;
    const target = cfg.target ? await cfg.target(req) : '/';
    stateOf(req).audit.resourceId ??= target === '/' ? undefined : target;
    const h = principal.scope.toLowerCase().startsWith('/providers/') ? await app.fleet.hierarchy() : undefined;
    const d = authorize(principal, cfg.action!, target, h);
    if (!d.allowed) throw forbidden(d.reason, target);
  });
  server.addHook('onSend', async (req, reply, payload) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') await audit(app, req, reply.statusCode);
    return payload;
  });
  server.setErrorHandler(async (err, req, reply) => {
    const { status, body, internal } = toApiError(err);
    if (internal) req.log.error({ err }, 'request failed');
    stateOf(req).errorCode = body.error.code;
    return reply.status(status).type('application/json').send(body);
  });
  server.setNotFoundHandler(async (req, reply) => {
    stateOf(req).errorCode = 'API_ROUTE_NOT_FOUND';
    return reply.status(404).send({ error: { code: 'API_ROUTE_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
  return server;
}

const registered = new WeakMap<FastifyInstance, RouteSpec[]>();
/** Every route added with addRoute: what the OpenAPI test holds the document to. */
export const routesOf = (server: FastifyInstance): readonly RouteSpec[] => registered.get(server) ?? [];

export function addRoute(server: FastifyInstance, spec: RouteSpec): void {
  registered.set(server, [...routesOf(server), spec]);
  server.route({
    method: spec.method,
    url: spec.url,
    // No query string unless the route names its parameters: an unknown one is refused, not ignored.
    schema: { querystring: { type: 'object', additionalProperties: false }, ...spec.schema, summary: spec.summary, tags: spec.tags, ...(spec.public ? { security: [] } : {}) },
    config: { action: spec.action, target: spec.target, public: spec.public ?? false },
    handler: (req, reply) => spec.handler(req, reply, stateOf(req)),
  });
}

async function authenticate(app: App, req: FastifyRequest, throttle: FailureThrottle): Promise<Principal> {
  const ip = req.ip;
  await throttle.wait(ip);
  const m = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '');
  const result = m ? await app.tokens.authenticate(m[1]!) : undefined;
  if (!result?.ok) {
    throttle.fail(ip);
    throw unauthenticated();
  }
  throttle.succeed(ip);
  return result.principal;
}

async function audit(app: App, req: FastifyRequest, status: number): Promise<void> {
  const s = stateOf(req);
  await app.audit.record({
    tokenId: s.principal?.tokenId ?? null,
    tokenName: s.principal?.name ?? null,
    method: req.method,
    route: req.routeOptions.url ?? '(no route)',
    url: req.url.slice(0, 2048),
    resourceId: s.audit.resourceId ?? null,
    beforeDigest: documentDigest(s.audit.before),
    afterDigest: documentDigest(s.audit.after),
    status,
    outcome: status < 400 ? 'succeeded' : status === 401 || status === 403 ? 'refused' : 'failed',
    errorCode: s.errorCode ?? null,
  });
}
