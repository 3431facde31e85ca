import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError } from '../errors/index.js';
import { parseExpiry } from '../identity/index.js';
import { assertTransport } from '../server/listen.js';
import { buildServer, ensureOwnerToken, parseListen, startInProcessWorker } from '../server/index.js';
import type { CliContext } from './context.js';
import { emit, table, type OutputOptions } from './output.js';

async function readTls(cert?: string, key?: string): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new InputError('SERVE_TLS_INCOMPLETE', 'give both --tls-cert and --tls-key', { where: cert ? '--tls-key' : '--tls-cert' });
  const read = (f: string, what: string) => readFile(f).catch((e: NodeJS.ErrnoException) => {
    throw new InputError('SERVE_TLS_UNREADABLE', `cannot read the TLS ${what} ${f}: ${e.code ?? e.message}`, { where: f });
  });
  return { cert: await read(cert, 'certificate'), key: await read(key, 'key') };
}

/** `goldsmith serve`: the HTTP API over this data directory until SIGINT or SIGTERM. */
export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('serve the HTTP API (docs/api.md); plain HTTP only on loopback')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8080')
    .option('--tls-cert <file>', 'PEM certificate (required off loopback)')
    .option('--tls-key <file>', 'PEM private key')
    .option('--no-worker', 'do not run queued jobs in this process (leave them to `goldsmith worker` on PostgreSQL)')
    .option('--json', 'print the listening address and owner token file as JSON')
    .action(async (o: OutputOptions & { listen: string; tlsCert?: string; tlsKey?: string; worker: boolean }) => {
      const listen = parseListen(o.listen);
      const https = await readTls(o.tlsCert, o.tlsKey);
      assertTransport(listen, !!https);
      const app = await ctx.app();
      const ownerTokenFile = await ensureOwnerToken(app.tokens, ctx.config.home);
      const log = (m: string) => void process.stderr.write(`goldsmith serve: ${m}\n`);
      const server = await buildServer(app, { https });
      const worker = o.worker ? startInProcessWorker(app, log) : undefined;
      const address = await server.listen({ host: listen.host, port: listen.port });
      emit(o, { address, ownerTokenFile: ownerTokenFile ?? null }, () =>
        [`goldsmith: serving ${address}`, ownerTokenFile ? `  first start: an owner token is in ${ownerTokenFile} (mode 0600); use it to create others with goldsmith token create` : ''].filter(Boolean).join('\n'),
      );
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await server.close();
      await worker?.stop();
    });

  const token = program.command('token').description('API tokens of the server (shown once, stored hashed)');
  token
    .command('create')
    .description('create a token for a role at a scope; the token is printed once')
    .requiredOption('--role <role>', 'owner | image-publisher | policy-admin | reader | team-operator | machine')
    .requiredOption('--scope <scope>', '/, a management group, subscription or resource group id (machine: its VM id)')
    .option('--name <name>', 'what the token is for', 'token')
    .option('--expires <when>', 'a duration (30d, 12h, 90m) or an ISO date')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions & { role: string; scope: string; name: string; expires?: string }) => {
      const app = await ctx.app();
      const expiresAt = o.expires ? parseExpiry(o.expires, app.clock()) : undefined;
      const { token: secret, record } = await app.tokens.create({ name: o.name, role: o.role, scope: o.scope, expiresAt, createdBy: 'cli' });
      emit(o, { token: secret, ...record }, () => `${secret}\n  token ${record.id}: ${record.role} at ${record.scope}${record.expiresAt ? `, expires ${record.expiresAt}` : ''}; this is the only time it is shown`);
    });
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions) => {
      const list = await (await ctx.app()).tokens.list();
      emit(o, list, () => table(list.map((t) => ({ id: t.id, name: t.name, role: t.role, scope: t.scope, expires: t.expiresAt, revoked: t.revokedAt }))));
    });
  token
    .command('revoke <id>')
    .description('revoke a token at once')
    .option('--json', 'print JSON')
    .action(async (id: string, o: OutputOptions) => {
      const t = await (await ctx.app()).tokens.revoke(id);
      emit(o, t, () => `revoked token ${t.id} (${t.name}) at ${t.revokedAt}`);
    });

  program
    .command('audit')
    .description('the audit log of writes made through the server')
    .command('list')
    .option('--limit <n>', 'how many entries (newest first)', (v) => Number(v), 100)
    .option('--resource <id>', 'only entries about this resource id')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions & { limit: number; resource?: string }) => {
      const rows = await (await ctx.app()).audit.list({ limit: o.limit, resourceId: o.resource });
      emit(o, rows, () => table(rows.map((r) => ({ at: r.at, who: r.tokenName ?? '-', method: r.method, resource: r.resourceId ?? r.url, status: r.status, outcome: r.outcome }))));
    });
}
