/**
 * `goldsmith serve`'s HTTP API: every route over the composition root. See docs/api.md.
 */
import { startLive } from '../app/index.js';
import { eventRoutes } from './routes/events.js';
import type { FastifyInstance } from 'fastify';
import type { App } from '../app/index.js';
import { complianceRoutes } from './routes/compliance.js';
import { galleryRoutes } from './routes/gallery.js';
import { adminRoutes, goldsmithRoutes } from './routes/goldsmith.js';
import { policyRoutes } from './routes/policy.js';
import { supplyChainRoutes } from './routes/supply-chain.js';
import { vmRoutes } from './routes/vms.js';
import { createServer, type ServerOptions } from './server.js';

export { createServer, DEFAULT_BODY_LIMIT, routesOf, type RouteSpec, type ServerOptions } from './server.js';
export { STATUS_OF_KIND, toApiError } from './errors.js';
export { failureDelay, FailureThrottle } from './throttle.js';
export { startInProcessWorker } from './worker.js';
export { assertTransport, ensureOwnerToken, isLoopback, parseListen } from './listen.js';

/** The whole API, ready to inject into or listen. */
export async function buildServer(app: App, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const server = await createServer(app, opts);
  goldsmithRoutes(server, app);
  adminRoutes(server, app);
  vmRoutes(server, app);
  galleryRoutes(server, app);
  policyRoutes(server, app);
  complianceRoutes(server, app);
  supplyChainRoutes(server, app);
  eventRoutes(server, app);
  // The feed /events streams, and this process's caches following other processes' writes.
  const stopLive = await startLive(app);
  server.addHook('onClose', async () => stopLive());
  await server.ready();
  return server;
}
