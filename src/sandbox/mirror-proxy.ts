import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAptSources } from '../catalog/apt-sources.js';

/**
 * The only way out of a sandbox: an HTTP proxy on a Unix socket that forwards plain GET/HEAD
 * requests and CONNECT tunnels to the configured package mirrors and nowhere else. Sandboxes
 * reach it through a forwarder on their own loopback (see forwarder.ts); they have no route to
 * anything else, the host's loopback services included.
 */
export interface MirrorProxy {
  socketPath: string;
  /** Every refused request, for the step log ("refused CONNECT 127.0.0.1:5432"). */
  refused: string[];
  close(): Promise<void>;
}

/** host[:port] pairs a proxy lets through: the machine's apt sources, plus GOLDSMITH_MIRRORS (comma-separated URLs). */
export async function allowedMirrors(env: NodeJS.ProcessEnv = process.env): Promise<Set<string>> {
  const uris = (await readAptSources()).map((s) => s.uri);
  for (const u of (env.GOLDSMITH_MIRRORS ?? '').split(',')) if (u.trim()) uris.push(u.trim());
  const out = new Set<string>();
  for (const u of uris) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    out.add(`${url.hostname.toLowerCase()}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`);
  }
  return out;
}

/** Connections one sandbox may hold open through the proxy at once (apt uses a handful). */
export const MAX_PROXY_CONNECTIONS = 64;

/** Never a destination, whatever the allow list says: loopback, link-local, unspecified. */
function forbiddenHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return /^(127\.|0\.|169\.254\.)/.test(h);
  if (isIP(h) === 6) return h === '::1' || h === '::' || h.startsWith('fe80:') || h.startsWith('::ffff:127.');
  return false;
}

export async function startMirrorProxy(allowed: Set<string>): Promise<MirrorProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'goldsmith-proxy-'));
  const socketPath = join(dir, 'proxy.sock');
  const refused: string[] = [];
  const permit = (host: string, port: string) => !forbiddenHost(host) && allowed.has(`${host.toLowerCase()}:${port}`);
  const refuse = (what: string) => {
    if (refused.length < 100) refused.push(what);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('goldsmith sandbox proxy: absolute http:// URLs only\n');
      return;
    }
    const port = url.port || '80';
    if (url.protocol !== 'http:' || !['GET', 'HEAD'].includes(req.method ?? '') || !permit(url.hostname, port)) {
      refuse(`${req.method} ${url.protocol}//${url.host}`);
      res.writeHead(403).end(`goldsmith sandbox proxy: ${url.host} is not a configured mirror\n`);
      return;
    }
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: url.host };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const up = httpRequest({ host: url.hostname, port, method: req.method, path: url.pathname + url.search, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.setTimeout(60_000, () => up.destroy(new Error('mirror timed out')));
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502).end(`goldsmith sandbox proxy: ${e.message}\n`);
      else res.destroy();
    });
    up.end();
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const m = /^([^:]+|\[[^\]]+\]):(\d+)$/.exec(req.url ?? '');
    if (!m || !permit(m[1]!, m[2]!)) {
      refuse(`CONNECT ${req.url}`);
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const up = connect(Number(m[2]), m[1]!.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.setTimeout(60_000, () => up.destroy());
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  // Every connection is a descriptor of the builder's own process (and a tunnel two): without a cap
  // a step holding thousands of connections exhausts its open-file limit (EMFILE for the database,
  // logs and artifacts of every run). Connections past the cap are closed as they arrive.
  server.maxConnections = MAX_PROXY_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return {
    socketPath,
    refused,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
