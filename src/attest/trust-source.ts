import { stat } from 'node:fs/promises';
import { relative, resolve, isAbsolute } from 'node:path';
import { InputError, IntegrityError, NotFoundError } from '../errors/index.js';
import { Keyring } from './keyring.js';
import { readOptional } from './keyring-files.js';
import { parsePublicKeyPem, type PublicKeyEntry } from './keys.js';
import type { TrustInput } from './verify-artifact.js';

/** Where the keys that decide a verification came from. */
export interface TrustSource {
  kind: 'file' | 'env' | 'data-directory';
  /** Human-readable: "trust file /etc/goldsmith/trusted-keys.pem", "GOLDSMITH_TRUSTED_KEYS env", … */
  label: string;
  /** The file read, when the source is a file. */
  path?: string;
}

export interface TrustConfig {
  /** The data directory; its keyring's trust list is the fallback source. */
  home: string;
  /** A PEM bundle of ed25519 SPKI public keys held by the operator (GOLDSMITH_TRUST_FILE or --trust-file). */
  trustFile?: string;
  /** The same, given inline (GOLDSMITH_TRUSTED_KEYS). */
  trustedKeysPem?: string;
}

export interface ResolvedTrust extends TrustInput {
  source: TrustSource;
  /** True when the trust comes from outside the data directory: the data directory's list is then ignored. */
  pinned: boolean;
}

const PEM_BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Every public key of a PEM bundle; anything that is not an ed25519 public key is refused, never skipped. */
export function parsePublicKeyBundle(text: string, where: string): PublicKeyEntry[] {
  const blocks = text.match(PEM_BLOCK_RE) ?? [];
  if (blocks.length === 0) throw new InputError('ATTEST_TRUST_INVALID', 'the trust source holds no PEM public key', { where });
  const out: PublicKeyEntry[] = [];
  blocks.forEach((b, i) => {
    const k = parsePublicKeyPem(b, `${where}#${i}`);
    if (!out.some((x) => x.keyid === k.keyid)) out.push(k);
  });
  return out;
}

const inside = (dir: string, path: string) => {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * The keys verification trusts, and where they came from. Precedence: a trust file (flag or
 * GOLDSMITH_TRUST_FILE), then GOLDSMITH_TRUSTED_KEYS, then the data directory's trust list. A pinned
 * source is the only one used: whoever can write the data directory (a compromised build, a restored
 * backup) cannot add a key to it. A pinned file must live outside the data directory and be
 * writable by its owner only, or it would pin nothing.
 */
export async function resolveTrust(config: TrustConfig, keyring: Keyring = Keyring.forHome(config.home)): Promise<ResolvedTrust> {
  const known = await keyring.known();
  if (config.trustFile) {
    const path = resolve(config.trustFile);
    if (inside(config.home, path)) {
      throw new InputError('ATTEST_TRUST_FILE_INSIDE_HOME', `the trust file ${path} is inside the data directory ${config.home}: keep the trust root apart from what it protects`, { where: path });
    }
    const text = await readOptional(path);
    if (text === undefined) throw new NotFoundError('ATTEST_TRUST_FILE_NOT_FOUND', `no trust file at ${path}`, { where: path });
    if (((await stat(path)).mode & 0o022) !== 0) {
      throw new IntegrityError('ATTEST_TRUST_FILE_PERMISSIONS', `the trust file ${path} is writable by group or others; run chmod go-w on it`, { where: path });
    }
    return { trusted: parsePublicKeyBundle(text, path), known, source: { kind: 'file', label: `trust file ${path}`, path }, pinned: true };
  }
  if (config.trustedKeysPem) {
    return { trusted: parsePublicKeyBundle(config.trustedKeysPem, 'GOLDSMITH_TRUSTED_KEYS'), known, source: { kind: 'env', label: 'GOLDSMITH_TRUSTED_KEYS env' }, pinned: true };
  }
  const path = `${keyring.dir}/trusted.json`;
  return { trusted: await keyring.trusted(), known, source: { kind: 'data-directory', label: `data directory trust list ${path}`, path }, pinned: false };
}
