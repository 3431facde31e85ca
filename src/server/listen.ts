/**
 * Where `serve` listens and the first owner token. Plain HTTP is allowed only on loopback: a token
 * sent in clear over a network is a token given away.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { ConflictError, InputError } from '../errors/index.js';
import type { TokenService } from '../identity/index.js';

export interface Listen {
  host: string;
  port: number;
}

/** `host:port`, `[v6]:port` or `:port` (loopback). */
export function parseListen(text: string): Listen {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InputError('SERVE_BAD_LISTEN', `--listen ${JSON.stringify(text)} is not host:port (e.g. 127.0.0.1:8080, [::1]:8080)`, { where: '--listen' });
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/** 127.0.0.0/8, ::1 and localhost: the only places plain HTTP is allowed. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./i.test(host);
  return false;
}

export function assertTransport(l: Listen, tls: boolean): void {
  if (!tls && !isLoopback(l.host)) {
    throw new InputError('SERVE_TLS_REQUIRED', `refusing plain HTTP on ${l.host}: tokens would cross the network in clear; give --tls-cert and --tls-key, or listen on 127.0.0.1`, { where: '--listen' });
  }
}

/**
 * On first start (no token exists) an owner token for `/` is created and written to
 * `<home>/owner-token` (0600, never overwritten). Returns the file, or undefined when tokens exist.
 */
export async function ensureOwnerToken(tokens: TokenService, home: string): Promise<string | undefined> {
  if ((await tokens.list()).length > 0) return undefined;
  const file = join(home, 'owner-token');
  const fh = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
    // Never overwritten: it may be a token someone still uses with another database.
    throw new ConflictError('SERVE_OWNER_TOKEN_EXISTS', `the database has no tokens but ${file} exists (from another database?); move it away to create a new owner token`, { where: file });
  });
  try {
    const { token } = await tokens.create({ name: 'owner (first start)', role: 'owner', scope: '/', createdBy: 'serve' });
    await fh.writeFile(token + '\n');
  } finally {
    await fh.close();
  }
  return file;
}
