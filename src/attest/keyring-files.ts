import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { InputError } from '../errors/index.js';
import { KEYID_RE, type TrustedKey } from './keys.js';

/** A temp name beside `path`, so a rename or link into place stays on one filesystem. */
export function tempPath(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** Write a complete file under a temp name with `mode`, fsynced, ready to be moved into place. */
export async function writeTemp(path: string, data: string, mode: number): Promise<string> {
  const tmp = tempPath(path);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    // The mode given to open() is filtered by the umask; chmod states it exactly.
    await fh.chmod(mode);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

/** Atomically replace `path` with `data`: readers see the old file or the new one, never a half. */
export async function replaceFile(path: string, data: string, mode = 0o600): Promise<void> {
  const tmp = await writeTemp(path, data, mode);
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Create `path` with `data` only if it does not exist yet. link() fails with EEXIST atomically, and
 * unlike open('wx') the file appears already complete, so a concurrent reader never sees it empty.
 */
export async function createExclusive(path: string, data: string, mode = 0o600): Promise<boolean> {
  const tmp = await writeTemp(path, data, mode);
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** trusted.json: `{ version: 1, keys: TrustedKey[] }`. A damaged file is an input error, never ignored. */
export function parseTrustFile(text: string, path: string): TrustedKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError('ATTEST_TRUST_INVALID', `trust list is not valid JSON: ${(e as Error).message}`, { where: path });
  }
  const keys = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new InputError('ATTEST_TRUST_INVALID', 'trust list has no "keys" array', { where: path });
  return keys.map((k: Partial<TrustedKey>, i) => {
    const ok = typeof k?.keyid === 'string' && KEYID_RE.test(k.keyid) && typeof k.publicKeyPem === 'string' && typeof k.added === 'string';
    if (!ok || (k.retired !== undefined && typeof k.retired !== 'string')) {
      throw new InputError('ATTEST_TRUST_INVALID', `trust list entry ${i} needs keyid (64 hex), publicKeyPem and added`, { where: `${path}#/keys/${i}` });
    }
    return { keyid: k.keyid!, publicKeyPem: k.publicKeyPem!, added: k.added!, ...(k.retired ? { retired: k.retired } : {}) };
  });
}

export function formatTrustFile(keys: TrustedKey[]): string {
  return JSON.stringify({ version: 1, keys }, null, 2) + '\n';
}
