/**
 * The live change feed over HTTP (`GET /events`, server-sent events) and the process's metrics
 * (`GET /metrics`, Prometheus text). Every change event after commit, in commit order, resumable
 * with Last-Event-ID, and only the events the caller could read: an event needs the read action of
 * its kind on its subject (a gallery event gallery.read on the version, a resource event vm.read
 * on the resource), inside the token's scope.
 */
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app/index.js';
import { InputError } from '../../errors/index.js';
import { parseLastEventId, sseBody, type FeedEvent } from '../../feed/index.js';
import { authorize, type Action, type Principal } from '../../identity/index.js';
import { metricsText, METRICS_CONTENT_TYPE } from '../../metrics/index.js';
import { addRoute } from '../server.js';
import { obj } from '../schemas.js';

/** The read action an event of this type needs; installation-wide kinds need a `/` reader. */
export function eventReadAction(type: string): Action {
  if (type.startsWith('gallery.')) return 'gallery.read';
  if (type.startsWith('policy.')) return 'policy.read';
  if (type.startsWith('compliance.')) return 'compliance.read';
  if (type.startsWith('resource.')) return 'vm.read';
  if (type.startsWith('catalog.')) return 'catalog.read';
  if (type.startsWith('vuln.')) return 'vuln.read';
  if (type.startsWith('build.') || type.startsWith('job.') || type.startsWith('worker.')) return 'build.read';
  return 'audit.read';
}

/** Whether `p` may see `e`: the read action of its kind, on its subject (an ARM id) or on `/`. */
export function mayReadEvent(p: Principal, e: FeedEvent): boolean {
  const target = e.subject.startsWith('/subscriptions/') || e.subject.startsWith('/providers/') ? e.subject : '/';
  return authorize(p, eventReadAction(e.type), target).allowed;
}

export function eventRoutes(server: FastifyInstance, app: App): void {
  addRoute(server, {
    method: 'GET', url: '/events', action: null, tags: ['Events'],
    summary: 'Server-sent events: every change after commit, in commit order, resumable with Last-Event-ID (header or lastEventId), filtered to what the token may read',
    schema: { querystring: obj({ lastEventId: { type: 'string', maxLength: 20, pattern: '^[0-9]+$' } }) },
    handler: async (req, reply, state) => {
      const q = req.query as { lastEventId?: string };
      const header = req.headers['last-event-id'];
      const raw = q.lastEventId ?? (Array.isArray(header) ? header[0] : header);
      const from = parseLastEventId(raw);
      if (raw !== undefined && from === undefined) throw new InputError('API_BAD_LAST_EVENT_ID', `Last-Event-ID must be a non-negative integer, got ${JSON.stringify(raw.slice(0, 40))}`, { where: 'Last-Event-ID' });
      const principal = state.principal!;
      const sub = app.feed.subscribe({ from, filter: (e) => mayReadEvent(principal, e) });
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      const body = sseBody(sub);
      req.raw.on('close', () => void body.return(undefined));
      for await (const chunk of body) {
        if (reply.raw.destroyed) break;
        if (!reply.raw.write(chunk)) await new Promise((r) => reply.raw.once('drain', r));
      }
      reply.raw.end();
    },
  });
  addRoute(server, {
    method: 'GET', url: '/metrics', action: 'audit.read', tags: ['Server'], summary: 'Process metrics in Prometheus text format (readers at /)',
    schema: {},
    handler: async (_req, reply) => {
      reply.header('content-type', METRICS_CONTENT_TYPE);
      return metricsText(app.metrics);
    },
  });
}
